"""Job records and their status words (IBM's own: Queued, Running, Completed, Failed, Cancelled)."""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fakeqpu.memo import Bounded

QUEUED = "Queued"
RUNNING = "Running"
COMPLETED = "Completed"
FAILED = "Failed"
CANCELLED = "Cancelled"
FINAL_STATUSES = frozenset({COMPLETED, FAILED, CANCELLED})
PENDING_STATUSES = frozenset({QUEUED, RUNNING})
_ZIPPED: Bounded[bytes] = Bounded(64)


@dataclass(frozen=True)
class Reason:
    code: int
    message: str
    solution: str = ""


SESSION_CLOSED = Reason(
    1217,
    "Session has been closed.",
    "Increase the session max_time if possible, or keep session active by reducing the time between jobs. "
    "For details, see the Session length guide.",
)
RAN_TOO_LONG = Reason(
    1305,
    "Ran too long",
    "Increase the max_execution_time of the job, up to the system maximum, or reduce the job's work.",
)


@dataclass
class Job:
    id: str
    seq: int  # submission order, the queue's tie-breaker
    program_id: str
    backend_name: str
    session_id: str | None
    created: datetime
    duration: float  # seconds of QPU time this job needs
    max_execution_time: float  # seconds; the job is cancelled with 1305 when it would run longer
    estimated_seconds: float
    params_wire: dict[str, Any]  # as posted (plain JSON), served back by GET /jobs/{id}
    prepared: Any  # an execution.PreparedJob, or None for background load
    invalid: Reason | None = None  # input that fails when the job reaches the QPU
    tags: list[str] = field(default_factory=list)
    private: bool = False
    log_level: str = "WARNING"
    runtime: str = ""
    calibration_id: str | None = None
    simulation_seed: int = 0
    background: bool = False  # another user's job: occupies the QPU, invisible to this instance
    status: str = QUEUED
    reason: Reason | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result_text: str | None = None
    result_deleted: bool = False  # a private job's result, once read
    deleted: bool = False
    fault: Reason | None = None  # injected by `fail_jobs(at="run")`: fails after `fault_after` seconds
    fault_after: float | None = None
    params_zip: bytes | None = None  # params_wire, compressed once the job is compacted
    simulation: list[dict[str, Any]] | None = None  # method reports, once the result is computed

    def wire_params(self) -> dict[str, Any]:
        """The params as posted, whether compacted or not."""
        if self.params_zip is not None:
            params: dict[str, Any] = json.loads(zlib.decompress(self.params_zip))
            return params
        return self.params_wire

    def compact(self) -> None:
        """Once its results are known: drop the prepared PUBs, keep the inputs compressed."""
        self.prepared = None
        if self.params_zip is None:
            text = json.dumps(self.params_wire, separators=(",", ":")).encode()
            # Jobs with the same params share one compressed copy (a suite resubmits the same circuits).
            key = hashlib.sha256(text).digest()
            self.params_zip = _ZIPPED.get_or_build(key, lambda: zlib.compress(text))
            self.params_wire = {}

    @property
    def run_seconds(self) -> float:
        """Seconds this job occupies the QPU once started."""
        seconds = min(self.duration, self.max_execution_time)
        return seconds if self.fault_after is None else min(seconds, self.fault_after)

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def pending(self) -> bool:
        return self.status in PENDING_STATUSES

    def qpu_seconds(self, now: datetime) -> float:
        """QPU time used so far (the whole run once final)."""
        if self.started_at is None:
            return 0.0
        end = self.finished_at or now
        return max(0.0, (end - self.started_at).total_seconds())
