"""Data sets without downloads, train/test splits, standardisation and whitening, loaders."""

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
from convlab.data.split import Split, train_test_split
from convlab.data.whitening import TRANSFORMS, PCAWhiten, Standardize, ZCAWhiten

__all__ = [
    "DATASETS",
    "DataLoader",
    "Dataset",
    "PCAWhiten",
    "Split",
    "Standardize",
    "TRANSFORMS",
    "ZCAWhiten",
    "blobs",
    "breast_cancer",
    "digits",
    "teacher_student",
    "train_test_split",
    "two_moons",
]
