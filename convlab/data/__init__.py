"""Data sets without downloads (NIST StRD problems included), train/test splits, standardisation
and whitening, loaders."""

from convlab.data.datasets import (
    DATASETS,
    Dataset,
    blobs,
    breast_cancer,
    digits,
    teacher_student,
    two_moons,
)
from convlab.data.loader import DataLoader
from convlab.data.nist import NIST_PROBLEMS, NistProblem, nist_problem
from convlab.data.split import Split, train_test_split
from convlab.data.whitening import TRANSFORMS, PCAWhiten, Standardize, ZCAWhiten

__all__ = [
    "DATASETS",
    "DataLoader",
    "NIST_PROBLEMS",
    "NistProblem",
    "Dataset",
    "PCAWhiten",
    "Split",
    "Standardize",
    "TRANSFORMS",
    "ZCAWhiten",
    "blobs",
    "breast_cancer",
    "digits",
    "nist_problem",
    "teacher_student",
    "train_test_split",
    "two_moons",
]
