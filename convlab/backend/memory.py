"""Freed memory kept in the process, so that large temporaries cost no page faults.

An optimizer step in convlab is pure: it returns new parameter and state arrays and lets the
old ones go, and NumPy allocates every temporary afresh.  glibc's allocator serves a request
above its *mmap threshold* with a new mapping and unmaps it on free, and it returns the top of
the heap to the system once more than the *trim threshold* lies free there (both start at
128 KiB and adapt only partly).  Each new megabyte-sized temporary is then faulted in page by
page — on a virtual machine a fault costs microseconds: a heavy-ball step on the 669,706
float32 parameters of a 784-512-512-10 MLP took 4.8 ms here instead of 0.5 ms with the memory
kept (``bench/mlp.py``).  In-place frameworks (torch.optim) avoid the churn by mutating; a
pure design keeps the memory instead.

:func:`keep_freed_memory` raises both thresholds (arrays up to 32 MiB come from the heap, and
up to 256 MiB of freed heap stays with the process) through glibc's ``mallopt``.  It acts on
the whole process and cannot be undone: glibc has no getter for either threshold, and setting
one turns off its dynamic mmap threshold for good, so the previous state cannot be restored.
So it is an **explicit opt-in** — nothing in convlab calls it (not :func:`convlab.run`, not
:func:`convlab.nn.fit`); call it yourself at the start of a program that runs many pure steps on
large arrays (``bench/mlp.py`` does, for convlab and torch alike).  On a C library other than
glibc (musl, macOS, Windows) it does nothing and returns False.  See glibc's manual, "Memory
Allocation Tunables" (``M_MMAP_THRESHOLD``, ``M_TRIM_THRESHOLD``); ``GLIBC_TUNABLES`` sets the
same values from outside the program.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from functools import cache

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 * 2**20


@cache
def keep_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse, for the rest of the process (opt-in: see the
    module docstring); True if it did.

    Idempotent: the first call decides.  False, and nothing done, when the C library is not
    glibc.
    """
    if platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
