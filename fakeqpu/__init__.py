"""fakeqpu: a faithful, offline fake of the IBM Quantum Platform (Qiskit Runtime) for test suites."""

from fakeqpu.clock import Clock
from fakeqpu.mock import FakeRuntime, current, mock_runtime
from fakeqpu.options import OptionError, RuntimeOptions
from fakeqpu.serving import FakeServer, serve

__all__ = [
    "Clock",
    "FakeRuntime",
    "FakeServer",
    "OptionError",
    "RuntimeOptions",
    "current",
    "mock_runtime",
    "serve",
]
__version__ = "0.1.0"
