"""What the reference model answers, to compare a system with: a session or job at one instant, and
the client's status words for them (sem §1.1, §3.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fakeqpu.testing.rules import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    FAILED,
    FINAL,
    INACTIVE,
    OPEN,
    PENDING_CLOSED,
    QUEUED,
    RUNNING,
)

# What RuntimeJobV2.status() shows for each server status word (sem §3.1).
CLIENT_JOB_STATUS: dict[str, str] = {
    QUEUED: "QUEUED",
    RUNNING: "RUNNING",
    COMPLETED: "DONE",
    FAILED: "ERROR",
    CANCELLED: "CANCELLED",
}


def client_session_status(state: str, accepting_jobs: bool) -> str:
    """What ``Session.status()`` shows for a session's state word (sem §1.1)."""
    if state in (OPEN, INACTIVE):
        return "Pending"
    if (state == ACTIVE and accepting_jobs) or state == "pending_inactive":
        return "In progress, accepting new jobs"
    if (state == ACTIVE and not accepting_jobs) or state == PENDING_CLOSED:
        return "In progress, not accepting new jobs"
    return state.capitalize()


@dataclass(frozen=True)
class SessionView:
    """A session as the model sees it at one instant (the fields of ``Session.details()`` and more)."""

    id: str
    mode: str
    state: str
    accepting_jobs: bool
    state_reason: str | None
    interactive_ttl: float
    max_ttl: float
    active_ttl: int | None  # None once closed (R16)
    created_at: datetime
    started_at: datetime | None
    activated_at: datetime | None
    closed_at: datetime | None
    last_job_started: datetime | None
    last_job_completed: datetime | None
    usage: float | None
    timestamps: tuple[tuple[str, datetime], ...]
    outstanding: int  # jobs queued or running

    @property
    def client_status(self) -> str:
        return client_session_status(self.state, self.accepting_jobs)


@dataclass(frozen=True)
class JobView:
    id: str
    session_id: str | None
    status: str
    reason_code: int | None
    created: datetime
    started: datetime | None
    finished: datetime | None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def client_status(self) -> str:
        return CLIENT_JOB_STATUS[self.status]
