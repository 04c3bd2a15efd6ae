"""The report folder: what --out may be, the marker, permissions, and interrupts at each stage."""

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from convlab import __version__
from convlab.experiments import Context, Evidence
from convlab.experiments.claim import Claim
from convlab.report import build, check_out
from convlab.report.folder import MARKER, OutFolderError

RAN: list[str] = []


def _ok(ctx):
    RAN.append("ok")
    return Evidence(predicted=1.0, measured=1.0, tolerance=0.0, rival=2.0)


def _interrupt(ctx):
    raise KeyboardInterrupt


OK = Claim("ok", "holds", "x", "t", _ok, rival="two")
STOP = Claim("stop", "interrupted", "x", "t", _interrupt, rival="r")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def old_report(tmp_path):
    """A report already at tmp_path/rep, and its files."""
    build([OK], Context(seed=1), tmp_path / "rep", progress=False)
    return tmp_path / "rep", _files(tmp_path / "rep")


def _only_the_report_is_left(tmp_path, old_report):
    out, before = old_report
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def test_a_report_carries_the_marker(tmp_path):
    build([OK], Context(), tmp_path / "rep", progress=False)
    marker = json.loads((tmp_path / "rep" / MARKER).read_text())
    assert marker == {"format": "convlab-report/1", "convlab_version": __version__}


def test_an_earlier_report_and_an_empty_folder_are_replaced(tmp_path, old_report):
    out, before = old_report
    build([OK], Context(seed=2), out, progress=False)
    assert json.loads((out / "claims.json").read_text())["seed"] == 2
    (tmp_path / "empty").mkdir()
    build([OK], Context(), tmp_path / "empty", progress=False)
    assert (tmp_path / "empty" / "claims.json").is_file()


def test_a_folder_convlab_did_not_write_is_refused_before_any_claim_runs(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    RAN.clear()
    with pytest.raises(OutFolderError) as info:
        build([OK], Context(), mine, progress=False)
    message = str(info.value)
    assert str(mine) in message and str(mine / "convlab-report") in message
    assert "--force" in message and MARKER in message
    assert RAN == [] and (mine / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_force_replaces_a_folder_convlab_did_not_write(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "old.txt").write_text("x")
    build([OK], Context(), mine, progress=False, force=True)
    assert not (mine / "old.txt").exists() and (mine / MARKER).is_file()


def test_force_never_replaces_root_home_or_the_current_folder(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "home" / "work"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.chdir(work)
    for target in ("/", str(home), "~", ".", str(tmp_path), str(work)):
        with pytest.raises(OutFolderError, match="even with --force"):
            check_out(target, force=True)
    assert check_out("rep", force=True) == work / "rep"


def test_a_file_is_refused_even_with_force(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    with pytest.raises(OutFolderError, match="is a file, not a folder"):
        build([OK], Context(), f, progress=False, force=True)
    assert f.read_text() == "keep me"


def test_a_missing_parent_is_refused_not_created(tmp_path):
    with pytest.raises(OutFolderError, match="mkdir -p"):
        check_out(tmp_path / "no" / "such" / "rep")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_parent_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("convlab.report.folder.os.access", lambda path, mode: False)
    with pytest.raises(OutFolderError, match=f"parent folder {tmp_path} is not writable"):
        check_out(tmp_path / "rep")


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes and umask")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o755), (0o077, 0o700)])
def test_the_report_folder_gets_the_users_normal_permissions(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        build([OK], Context(), tmp_path / "rep", progress=False)
    finally:
        os.umask(old)
    assert (tmp_path / "rep").stat().st_mode & 0o777 == mode


@pytest.mark.parametrize("jobs", [1, 2])
def test_interrupt_while_claims_run_keeps_the_old_report(tmp_path, old_report, jobs):
    with pytest.raises(KeyboardInterrupt):
        build([OK, STOP], Context(), old_report[0], jobs=jobs, progress=False)
    _only_the_report_is_left(tmp_path, old_report)


@pytest.mark.parametrize(
    ("module", "writer"), [("convlab.report.run", "save"), ("convlab.report.build", "page")]
)
def test_interrupt_while_files_are_written_keeps_the_old_report(
    tmp_path, old_report, monkeypatch, module, writer
):
    """Ctrl-C while a figure is drawn, or after claims.json and before index.html is written."""

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    claim = Claim("fig", "with a figure", "x", "t", _with_figure, rival="two")
    monkeypatch.setattr(sys.modules[module], writer, interrupted)
    with pytest.raises(KeyboardInterrupt):
        build([OK, claim], Context(), old_report[0], progress=False)
    _only_the_report_is_left(tmp_path, old_report)


def _with_figure(ctx):
    from convlab.experiments import Figure, Panel, Series

    fig = Figure([Panel("p", "t", "e", [Series([0, 1], [1, 0.5], "run")])], "fig")
    return Evidence(predicted=1.0, measured=1.0, tolerance=0.0, rival=2.0, figure=fig)


@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError])
def test_failure_between_moving_the_old_aside_and_the_new_in_rolls_back(
    tmp_path, old_report, monkeypatch, error
):
    """The old report is renamed aside; renaming the new one in fails: the old comes back."""
    out = old_report[0]
    real = Path.rename

    def rename(self, target):
        if Path(target) == out and ".partial-" in self.name:
            raise error("between the two renames")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(error):
        build([OK], Context(seed=5), out, progress=False)
    _only_the_report_is_left(tmp_path, old_report)


def test_ctrl_c_during_the_swap_is_held_until_the_new_report_is_in_place(
    tmp_path, old_report, monkeypatch
):
    out = old_report[0]
    real = Path.rename

    def rename(self, target):
        if self == out:  # the old report is about to go aside: the user presses Ctrl-C
            os.kill(os.getpid(), signal.SIGINT)
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        build([OK], Context(seed=5), out, progress=False)
    assert json.loads((out / "claims.json").read_text())["seed"] == 5  # the new one, complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]
