"""Testing aids for suites that use fakeqpu.

- :mod:`fakeqpu.testing.model`: :class:`SessionModel`, a small reference model of the documented
  session lifecycle (sessions, batches, jobs, TTLs, close and cancel, usage) to compare a system with.
- :mod:`fakeqpu.testing.strategies`: Hypothesis strategies (ISA circuits, PUBs, clock moves near the
  TTL boundaries, session operations). Imported on first use, as it needs Hypothesis (and Qiskit):
  ``from fakeqpu.testing import strategies`` or ``from fakeqpu.testing import sampler_pubs``.
"""

from __future__ import annotations

import importlib
from typing import Any

from fakeqpu.testing.model import (
    JobNotCancellable,
    JobView,
    ModelError,
    Rules,
    SessionModel,
    SessionNotAccepting,
    SessionView,
    client_session_status,
)

_STRATEGIES = (
    "Advance",
    "CancelJob",
    "CancelSession",
    "CloseSession",
    "FromId",
    "OpenSession",
    "SessionOp",
    "Sleep",
    "Submit",
    "boundary_moves",
    "clock_moves",
    "estimator_pubs",
    "isa_circuits",
    "isa_template",
    "sampler_pubs",
    "session_operations",
    "session_scripts",
    "ttl_boundaries",
)

__all__ = [
    "JobNotCancellable",
    "JobView",
    "ModelError",
    "Rules",
    "SessionModel",
    "SessionNotAccepting",
    "SessionView",
    "client_session_status",
    "strategies",
    *_STRATEGIES,
]


def __getattr__(name: str) -> Any:
    if name == "strategies" or name in _STRATEGIES:
        module = importlib.import_module("fakeqpu.testing.strategies")
        return module if name == "strategies" else getattr(module, name)
    raise AttributeError(f"module 'fakeqpu.testing' has no attribute {name!r}")
