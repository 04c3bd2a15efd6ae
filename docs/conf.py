"""Sphinx configuration: MyST pages, notebooks executed once per build, API from docstrings."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import convlab  # noqa: E402

project = "convlab"
author = "the convlab authors"
copyright = "2026, the convlab authors"
release = convlab.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "convlab_docs",
]
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "_commands.md",
    "Thumbs.db",
    ".DS_Store",
    "**/.ipynb_checkpoints",
]
suppress_warnings = ["myst.header"]

# notebooks: convlab_docs executes notebooks/*.py into docs/notebooks/*.ipynb (a failing cell
# or a refuted verdict stops the build); myst-nb renders the stored outputs without re-running.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]

autosummary_generate = True
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = f"convlab {release}"
