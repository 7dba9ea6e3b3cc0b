"""What `prepare` hands the service: a validated job, cheap to build, nothing simulated yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakeqpu.execution.options import JobOptions


@dataclass(frozen=True)
class PreparedJob:
    """A validated job, cheap to build: nothing has been simulated yet."""

    program_id: str
    backend_name: str
    num_executions: int
    estimated_seconds: float
    pubs: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    """SamplerPubs with shots resolved, or EstimatorTasks (pub with precision, and shots)."""
    options: JobOptions = field(default_factory=JobOptions, compare=False, repr=False)
    quantum_program: Any = field(default=None, compare=False, repr=False)
    """For `executor` jobs: the decoded client `QuantumProgram` (`.shots`, `.items` with `.circuit`
    and `.shape`), as the client's own params converter rebuilt it."""
    payload: Any = field(default=None, compare=False, repr=False)
    """Whatever else the program needs to run the job (the result schema version, its options)."""
