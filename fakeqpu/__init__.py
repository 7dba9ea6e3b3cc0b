"""fakeqpu: a faithful, offline fake of the IBM Quantum Platform (Qiskit Runtime) for test suites."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fakeqpu.options import OptionError, RuntimeOptions

if TYPE_CHECKING:
    from fakeqpu.clock import Clock
    from fakeqpu.mock import FakeRuntime, current, mock_runtime
    from fakeqpu.serving import FakeServer, serve
    from fakeqpu.state import StateDirError

__all__ = [
    "Clock",
    "FakeRuntime",
    "FakeServer",
    "OptionError",
    "RuntimeOptions",
    "StateDirError",
    "current",
    "mock_runtime",
    "serve",
]
__version__ = "0.1.0"

# Loaded on first use: the fake pulls in qiskit and Aer, which a pytest run's controller process
# (and any `import fakeqpu` that only reads options) does not need.
_LAZY = {"Clock": "fakeqpu.clock", "FakeRuntime": "fakeqpu.mock", "current": "fakeqpu.mock"}
_LAZY.update(mock_runtime="fakeqpu.mock", FakeServer="fakeqpu.serving", serve="fakeqpu.serving")
_LAZY.update(StateDirError="fakeqpu.state")
# `%load_ext fakeqpu` (IPython looks these up on the package)
_LAZY.update(load_ipython_extension="fakeqpu.notebook", unload_ipython_extension="fakeqpu.notebook")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fakeqpu' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
