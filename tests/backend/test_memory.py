"""keep_freed_memory: an explicit opt-in, applied on glibc only, never by convlab itself."""

import platform

import pytest

from convlab.backend import memory


@pytest.fixture(autouse=True)
def fresh():
    memory.keep_freed_memory.cache_clear()
    yield
    memory.keep_freed_memory.cache_clear()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_accepts_both_thresholds():
    assert memory.keep_freed_memory() is True


def test_it_does_nothing_on_another_c_library(monkeypatch):
    monkeypatch.setattr(memory.platform, "libc_ver", lambda: ("", ""))
    monkeypatch.setattr(memory.ctypes, "CDLL", lambda *a: pytest.fail("libc loaded"))
    assert memory.keep_freed_memory() is False


def test_run_leaves_the_allocator_alone(monkeypatch):
    import convlab
    from convlab.problems import Quadratic

    monkeypatch.setattr(memory.ctypes, "CDLL", lambda *a: pytest.fail("mallopt called"))
    convlab.run(Quadratic.from_spectrum([1.0, 2.0]), convlab.optim.GD(0.1), steps=2)
    assert memory.keep_freed_memory.cache_info().currsize == 0
