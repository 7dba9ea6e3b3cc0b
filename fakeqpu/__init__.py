"""fakeqpu: a faithful, offline fake of the IBM Quantum Platform (Qiskit Runtime) for test suites."""

from fakeqpu.clock import Clock
from fakeqpu.mock import FakeRuntime, current, mock_runtime
from fakeqpu.options import OptionError, RuntimeOptions

__all__ = ["Clock", "FakeRuntime", "OptionError", "RuntimeOptions", "current", "mock_runtime"]
__version__ = "0.1.0"
