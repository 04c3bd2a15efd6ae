"""The report's folder: where convlab may write it, and how it replaces an old one safely.

convlab deletes only what it wrote.  A report folder holds a marker file, ``.convlab-report``
(JSON: the format and the convlab version), and ``--out DIR`` replaces DIR only when DIR does
not exist, is empty, or holds that marker.  Any other folder is refused before a claim runs,
unless ``force`` is given; even then the filesystem root, the home folder, the current folder
and every folder above one of them are refused.

A report is written into a hidden folder beside DIR (``.DIR.partial-*``) and swapped in when
complete: the old DIR is renamed aside (``.DIR.old-*``), the new one renamed in, and only then
is the old one removed; Ctrl-C is held back during the swap, and any failure puts the old
folder back.  After an error or an interrupt, DIR is the old report, untouched, and no hidden
folder is left.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from convlab import __version__
from convlab.errors import ArgumentError

MARKER = ".convlab-report"
FORMAT = "convlab-report/1"


class OutFolderError(ArgumentError):
    """``out`` names a path convlab will not write its report to; the message says why and
    what to do instead."""

    def __init__(self, out: Path, why: str, advice: str) -> None:
        self.name, self.expected, self.got = "out", advice, out
        # not ArgumentError's "expected …, got …" template: the path comes first, in full
        Exception.__init__(self, f"--out {out}: {why}; {advice}")


def check_out(out: str | os.PathLike, *, force: bool = False) -> Path:
    """``out`` as an absolute path once it is known the report may be written there.

    Raises :class:`OutFolderError` when ``out`` is a file, when its parent folder is missing or
    not writable, or when it is a folder convlab did not write (see the module docstring).
    """
    out = Path(out).expanduser().resolve()
    parent = out.parent
    if out.exists() and not out.is_dir():
        raise OutFolderError(out, "this is a file, not a folder", "choose a folder for the report")
    if _protected(out):
        raise OutFolderError(
            out,
            "convlab never replaces the root, the home folder, the current folder or a folder "
            "above one of them, even with --force",
            f"use --out {out / 'convlab-report'}",
        )
    if not parent.is_dir():
        why = f"its parent folder {parent} does not exist"
        raise OutFolderError(out, why, f"create it first (mkdir -p {parent})")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutFolderError(
            out, f"its parent folder {parent} is not writable", "choose a folder you can write to"
        )
    if out.is_dir() and not force and not _replaceable(out):
        raise OutFolderError(
            out,
            f"this folder holds files and no {MARKER} marker, so convlab did not write it and "
            "will not replace it",
            f"use --out {out / 'convlab-report'}, or --force to delete this folder and "
            "everything in it",
        )
    return out


def _replaceable(folder: Path) -> bool:
    """True for an empty folder or a folder holding convlab's report marker."""
    try:
        if not any(folder.iterdir()):
            return True
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and str(marker.get("format", "")).startswith("convlab-report/")


def _protected(out: Path) -> bool:
    """The root, home and current folders, and every folder that contains one of them."""
    anchors = (Path.home().resolve(), Path.cwd().resolve())
    return out == out.parent or any(a == out or out in a.parents for a in anchors)


@contextmanager
def staged(out: Path, *, force: bool = False) -> Iterator[Path]:
    """A new, empty report folder beside ``out``, swapped in for ``out`` when the block ends.

    The folder is created with the user's normal permissions and the marker already in it.
    If the block raises (Ctrl-C included) the new folder is removed and ``out`` is untouched.
    """
    new = out.with_name(f".{out.name}.partial-{secrets.token_hex(4)}")
    new.mkdir()  # the mode is 0o777 & ~umask, as for any folder the user makes
    try:
        (new / MARKER).write_text(json.dumps({"format": FORMAT, "convlab_version": __version__}))
        yield new
        check_out(out, force=force)  # the folder may have changed while the claims ran
        _swap(new, out)
    except BaseException:
        with interrupts_deferred():
            shutil.rmtree(new, ignore_errors=True)
        raise


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` at ``out``; an old ``out`` is removed only once ``new`` is in place."""
    with interrupts_deferred():
        if not out.exists():
            new.rename(out)
            return
        aside = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
        out.rename(aside)
        try:
            new.rename(out)
        except BaseException:
            aside.rename(out)
            raise
        shutil.rmtree(aside)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) until the block has run, then deliver it.

    Only the main thread receives signals; elsewhere, or where SIGINT's handler was not set
    from Python (it could not be restored), the block runs as it is.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        signal.raise_signal(signal.SIGINT)
