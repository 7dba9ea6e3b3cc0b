"""How a job is simulated: the policy it runs under and the record of what each circuit got.

Every simulation of a job runs inside `simulating(policy)`. Code deep in the simulation reads the
policy (`policy()`: the wall-time budget per job, whether only exact methods are allowed) and
reports the method it chose for each circuit (`report(...)`). The program puts the reports in the
result's metadata under `METADATA_KEY`; the service keeps them on the job's record.
"""

from __future__ import annotations

import contextvars
import itertools
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from fakeqpu.execution.errors import SYSTEM_LIMITS, ExecutionError

METADATA_KEY = "fakeqpu"
"""The key of the result metadata (top level) that holds `{"simulation": [report, ...]}`."""

DEFAULT_BUDGET_SECONDS = 10.0
"""Wall seconds one job's simulation may take before a cheaper method is chosen."""

EXACT = "exact"
AUTO = "auto"


@dataclass(frozen=True)
class SimulationPolicy:
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    mode: str = AUTO
    """`"auto"`: the most faithful method that fits the budget; `"exact"`: fail rather than approximate."""
    job_id: str = ""
    """The job simulated, for `running()` and the progress log."""

    @property
    def exact_only(self) -> bool:
        return self.mode == EXACT


@dataclass(frozen=True)
class MethodReport:
    """What ran one circuit (or one PUB / item) of a job, and how approximate it was."""

    method: str
    """e.g. "statevector", "density_matrix", "stabilizer", "matrix_product_state", "mps_trajectories",
    "light_cone", "pauli_propagation", "single_qubit_exact"."""
    exact: bool
    qubits: int
    predicted_seconds: float
    seconds: float = 0.0
    where: str = ""
    """Which part of the job: "pub 0", "item 1", ..."""
    details: Mapping[str, float | int | str] = field(default_factory=dict)
    """bond_dimension, truncation_error, trajectories, truncated_pauli_weight, light_cone_qubits, ..."""

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["details"] = dict(self.details)
        return out


_DEFAULT_POLICY = SimulationPolicy()
_POLICY: contextvars.ContextVar[SimulationPolicy | None] = contextvars.ContextVar(
    "fakeqpu_simulation_policy", default=None
)
_REPORTS: contextvars.ContextVar[list[MethodReport] | None] = contextvars.ContextVar(
    "fakeqpu_simulation_reports", default=None
)


def policy() -> SimulationPolicy:
    return _POLICY.get() or _DEFAULT_POLICY


def report(entry: MethodReport) -> None:
    reports = _REPORTS.get()
    if reports is not None:
        reports.append(entry)


def reports() -> list[MethodReport]:
    """The reports of the simulation under way (empty outside `simulating`)."""
    return list(_REPORTS.get() or ())


@contextmanager
def simulating(chosen: SimulationPolicy) -> Iterator[list[MethodReport]]:
    """Run a job's simulation under `chosen`; yields the list its reports are appended to."""
    collected: list[MethodReport] = []
    policy_token = _POLICY.set(chosen)
    reports_token = _REPORTS.set(collected)
    try:
        yield collected
    finally:
        _REPORTS.reset(reports_token)
        _POLICY.reset(policy_token)


def with_sampling(entry: MethodReport, sampled: Sequence[MethodReport]) -> MethodReport:
    """`entry` (a program's report of one part of a job) with what the sampling ladder did for it:
    which methods sampled it, whether they were exact, and their approximation."""
    if not sampled:
        return entry
    details = dict(entry.details)
    details["sampled_with"] = ",".join(sorted({part.method for part in sampled}))
    for part in sampled:
        for key in ("trajectories", "bond_dimension", "truncation_error"):
            if key in part.details:
                details[key] = part.details[key]
    return replace(entry, exact=entry.exact and all(part.exact for part in sampled), details=details)


def metadata_entry() -> dict[str, Any]:
    """What a program puts in its result metadata under `METADATA_KEY`: every report but its measured
    wall `seconds` (the job's record has them), so that the same seed still gives the same result text."""
    entries = []
    for entry in reports():
        as_json = entry.as_json()
        as_json.pop("seconds", None)
        entries.append(as_json)
    return {"simulation": entries}


def not_exact(method: str, predicted_seconds: float, where: str = "") -> ExecutionError:
    """The job failure for `simulation="exact"` when only an approximate method fits the budget."""
    part = f" ({where})" if where else ""
    return ExecutionError(
        SYSTEM_LIMITS,
        f"fakeqpu cannot simulate this job exactly within its budget{part}: exact simulation is predicted "
        f"to take {predicted_seconds:.0f} s (simulation_budget {policy().budget_seconds:g} s); "
        f"it would need the approximate method {method!r}.",
        'Allow approximation (simulation="auto"), raise simulation_budget, or use fewer/narrower circuits.',
    )


# -- what is simulating now (for `GET /_fakeqpu/simulations` and the server's progress lines) ------

_running_lock = threading.Lock()
_running: dict[int, dict[str, Any]] = {}
_next_id = itertools.count()


def running() -> list[dict[str, Any]]:
    """The simulations under way in this process: job, part, method, qubits, predicted and elapsed
    wall seconds."""
    now = time.monotonic()
    with _running_lock:
        entries = [dict(entry) for entry in _running.values()]
    for entry in entries:
        entry["elapsed_seconds"] = round(now - entry.pop("_started"), 3)
    return entries


@contextmanager
def under_way(entry: Mapping[str, Any]) -> Iterator[None]:
    """List `entry` (plus the job id of the policy) in `running()` while the block runs."""
    key = next(_next_id)
    with _running_lock:
        _running[key] = {"job": policy().job_id, **entry, "_started": time.monotonic()}
    try:
        yield
    finally:
        with _running_lock:
            _running.pop(key, None)
