"""Session records. The state word is derived from a few facts, and every change is time-stamped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

OPEN = "open"
ACTIVE = "active"
INACTIVE = "inactive"
PENDING_CLOSED = "pending_closed"
CLOSED = "closed"

DEDICATED = "dedicated"
BATCH = "batch"
MODES = (DEDICATED, BATCH)

# state_reason values. "session_closed_early" is observed on the real service; the others are
# fakeqpu's words (docs/fidelity.md).
REASON_CLOSED_EARLY = "session_closed_early"
REASON_MAX_TTL = "max_ttl_reached"
REASON_IDLE = "idle_timeout"
REASON_CANCELLED = "cancelled"
REASON_JOBS_DONE = "jobs_completed"


@dataclass
class Session:
    id: str
    mode: str
    backend_name: str
    instance: str
    created_at: datetime
    max_ttl: int
    interactive_ttl: int
    job_mode: bool = False  # Open Plan "job_mode": accepted, but its jobs run as plain jobs
    accepting_jobs: bool = True
    holds_priority: bool = False  # activated and not yet deactivated
    closed: bool = False
    state_reason: str | None = None
    started_at: datetime | None = None
    activated_at: datetime | None = None
    closed_at: datetime | None = None
    last_job_started: datetime | None = None
    last_job_completed: datetime | None = None
    last_job_submitted: datetime | None = None
    usage_seconds: float = 0.0  # finished active periods
    active_since: datetime | None = None
    timestamps: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.closed:
            return CLOSED
        if not self.accepting_jobs:
            return PENDING_CLOSED
        if self.holds_priority:
            return ACTIVE
        return INACTIVE if self.started_at is not None else OPEN

    @property
    def max_ttl_deadline(self) -> datetime | None:
        if self.started_at is None or self.job_mode:
            return None
        return self.started_at + timedelta(seconds=self.max_ttl)

    def elapsed_time(self, now: datetime) -> float | None:
        """Usage: wall clock while the session holds priority (None before it first starts)."""
        if self.started_at is None:
            return None
        running = (now - self.active_since).total_seconds() if self.active_since else 0.0
        return round(self.usage_seconds + running, 3)

    def record(self, now: datetime) -> None:
        """Time-stamp the current state if it differs from the last one recorded."""
        state = self.state
        if not self.timestamps or self.timestamps[-1][0] != state:
            self.timestamps.append((state, now))

    def activate(self, now: datetime) -> None:
        self.holds_priority = True
        self.activated_at = now
        if self.started_at is None:
            self.started_at = now
        if self.active_since is None:
            self.active_since = now

    def deactivate(self, now: datetime) -> None:
        self.holds_priority = False
        self.stop_usage(now)

    def stop_usage(self, now: datetime) -> None:
        if self.active_since is not None:
            self.usage_seconds += (now - self.active_since).total_seconds()
            self.active_since = None

    def close(self, now: datetime, reason: str, *, job_running: bool = False) -> None:
        """Close at `now`. While a job still runs, usage goes on until the job ends (sem §1.6)."""
        self.holds_priority = False
        if not job_running:
            self.stop_usage(now)
        self.accepting_jobs = False
        self.closed = True
        self.closed_at = now
        self.state_reason = reason


def jump_hint(
    session: Session, user_jumps: Callable[[], Sequence[tuple[datetime, datetime]]] | None
) -> str | None:
    """Why a session closed on its own, when a freezegun/time-machine jump of the user's did it."""
    closed = session.closed_at
    if closed is None or user_jumps is None or session.state_reason not in (REASON_IDLE, REASON_MAX_TTL):
        return None
    for before, after in user_jumps():
        if before < closed <= after:
            why = "with no job for 30 minutes" if session.state_reason == REASON_IDLE else "at its max TTL"
            return (
                f"fakeqpu: session {session.id} closed {why} during a jump of the clock from "
                f"{before:%H:%M:%S} to {after:%H:%M:%S} made by freezegun or time-machine in your code. "
                "Move time with qpu_clock.advance() in smaller steps, or keep a job running across it."
            )
    return None
