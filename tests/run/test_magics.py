"""`%load_ext fakeqpu` and the `%fakeqpu` magics, on a stand-in shell (a real kernel: test_notebooks.py)."""

from __future__ import annotations

import os
from datetime import timedelta
from types import SimpleNamespace

import pytest

import fakeqpu
from fakeqpu.notebook import duration, magic, runtime


class Shell:
    """What the extension uses of an IPython shell."""

    def __init__(self) -> None:
        self.magics_manager = SimpleNamespace(magics={"line": {}})

    def register_magic_function(self, func, magic_kind, magic_name):
        self.magics_manager.magics[magic_kind][magic_name] = func


def test_durations_read_as_a_person_writes_them():
    assert duration("8h") == timedelta(hours=8)
    assert duration("1h30m") == duration("90m") == duration("5400") == timedelta(minutes=90)
    assert duration("2d 0.5h") == timedelta(days=2, minutes=30)
    for bad in ("", "8x", "h", "1h and more"):
        with pytest.raises(ValueError, match="not a duration"):
            duration(bad)


def test_load_magics_and_unload(monkeypatch, capsys):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "the user's own")
    shell = Shell()
    fakeqpu.load_ipython_extension(shell)  # what `%load_ext fakeqpu` calls, found lazily on the package
    try:
        fake = runtime(shell)
        assert os.environ["QISKIT_IBM_TOKEN"] == fake.token and fakeqpu.current() is fake
        line = shell.magics_manager.magics["line"]["fakeqpu"]
        start = line("now")
        assert line("advance 1h30m") == start + timedelta(minutes=90)
        line("reset seed=7 plan=open job_duration=30")
        assert runtime(shell) is not fake and runtime(shell).options.plan == "open"
        assert not fake.active and runtime(shell).options.seed == 7
        assert "<svg" in line("timeline").data
        line("help")
        assert "%fakeqpu advance 8h" in capsys.readouterr().out
        with pytest.raises(ValueError, match="not an option"):
            magic(shell, "reset colour=blue")
        with pytest.raises(ValueError, match="unknown"):
            magic(shell, "rewind 1h")
    finally:
        fakeqpu.unload_ipython_extension(shell)
    assert os.environ["QISKIT_IBM_TOKEN"] == "the user's own"
    assert "fakeqpu" not in shell.magics_manager.magics["line"]
    with pytest.raises(RuntimeError, match="no fake in this kernel"):
        runtime(shell)
