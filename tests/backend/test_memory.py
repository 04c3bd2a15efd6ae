"""keep_freed_memory: applied once on glibc, skipped when the user says so."""

import platform

import pytest

from convlab.backend import memory


@pytest.fixture(autouse=True)
def fresh():
    memory.keep_freed_memory.cache_clear()
    yield
    memory.keep_freed_memory.cache_clear()


def test_the_environment_variable_turns_it_off(monkeypatch):
    monkeypatch.setenv(memory.ENV_VAR, "0")
    assert memory.keep_freed_memory() is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_accepts_both_thresholds(monkeypatch):
    monkeypatch.delenv(memory.ENV_VAR, raising=False)
    assert memory.keep_freed_memory() is True


def test_run_applies_it(monkeypatch):
    import convlab
    from convlab.problems import Quadratic

    calls = []
    monkeypatch.setattr("convlab.optim.loop.keep_freed_memory", lambda: calls.append(1))
    convlab.run(Quadratic.from_spectrum([1.0, 2.0]), convlab.optim.GD(0.1), steps=2)
    assert calls == [1]
