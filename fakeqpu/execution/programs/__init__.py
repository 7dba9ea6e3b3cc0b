"""The programs fakeqpu runs, one module each behind one small interface.

A program checks the shape of its params at submission (a problem there is a 400), prepares a
job (decodes and validates its params with the client's own converters and models, estimates its
QPU seconds) and runs it (returns the results body text). Adding a program is adding a module and
a line to `PROGRAMS`; nothing above this layer knows which programs exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from fakeqpu.execution.prepared import PreparedJob


class Program(Protocol):
    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        """Why the service refuses these params outright (400), or None."""

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        """Validate and size the job; raise `ExecutionError` for a job IBM would fail."""

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        """The results body; same seed, same text."""


def registry() -> dict[str, Program]:
    from fakeqpu.execution.programs import calibrate, estimator, executor, noise_learner, sampler

    return {
        "sampler": sampler.PROGRAM,
        "estimator": estimator.PROGRAM,
        "executor": executor.PROGRAM,
        "calibrate": calibrate.PROGRAM,
        "noise-learner": noise_learner.PROGRAM,
    }
