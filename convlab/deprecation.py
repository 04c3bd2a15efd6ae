"""Old public names kept working, with a :class:`DeprecationWarning`, after a rename.

No two public objects share a name across subpackages (one name per idea), so some were
renamed; :func:`renamed` gives a module the ``__getattr__`` that still answers to the old
names (PEP 562) and says which new name to use.  This module imports nothing from convlab.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any


def renamed(module: str, names: Mapping[str, str], namespace: dict) -> Callable[[str], Any]:
    """A module ``__getattr__``: ``old`` → the object now called ``names[old]`` in
    ``namespace`` (the module's globals), with a warning naming both."""

    def __getattr__(name: str) -> Any:
        if name in names:
            new = names[name]
            warnings.warn(
                f"{module}.{name} is deprecated: it is now {module}.{new} (one name per object "
                "across convlab's subpackages)",
                DeprecationWarning,
                stacklevel=2,
            )
            return namespace[new]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
