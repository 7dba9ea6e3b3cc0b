"""The reference model's engine: the log of what the caller did, and its replay on one QPU.

Every answer is read off the job intervals a replay of the log produces (the rules are in `rules`)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from fakeqpu.testing.rules import (
    ACTIVE,
    BATCH,
    CANCELLED,
    CLOSED,
    COMPLETED,
    DEDICATED,
    FAILED,
    FINAL,
    INACTIVE,
    OPEN,
    PENDING_CLOSED,
    QUEUED,
    REASON_CANCELLED,
    REASON_CLOSED_EARLY,
    REASON_IDLE,
    REASON_JOBS_DONE,
    REASON_MAX_TTL,
    RUNNING,
    SESSION_CLOSED_CODE,
    JobNotCancellable,
    Rules,
    SessionNotAccepting,
)
from fakeqpu.testing.views import JobView, SessionView

# -- the log ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Create:
    at: datetime
    session_id: str
    mode: str
    max_ttl: float


@dataclass(frozen=True)
class _Submit:
    at: datetime
    job_id: str
    session_id: str | None
    duration: float


@dataclass(frozen=True)
class _CancelJob:
    at: datetime
    job_id: str


@dataclass(frozen=True)
class _Close:
    at: datetime
    session_id: str


@dataclass(frozen=True)
class _Cancel:
    at: datetime
    session_id: str


_Command = _Create | _Submit | _CancelJob | _Close | _Cancel


# -- one replay ------------------------------------------------------------------------------------


@dataclass
class _Job:
    id: str
    session_id: str | None
    created: datetime
    duration: float
    status: str = QUEUED
    reason_code: int | None = None
    started: datetime | None = None
    finished: datetime | None = None

    @property
    def end(self) -> datetime | None:
        """When a running job will end."""
        if self.status != RUNNING or self.started is None:
            return None
        return self.started + timedelta(seconds=self.duration)


@dataclass
class _Session:
    id: str
    mode: str
    created: datetime
    max_ttl: float
    window: float
    accepting: bool = True
    active: bool = False
    closed_at: datetime | None = None
    reason: str | None = None
    # Usage periods (R11): [activation, end]; the last one stays open while the session is active,
    # and past a close while the session's job is still running.
    periods: list[list[datetime | None]] = field(default_factory=list)
    last_submitted: datetime | None = None
    timestamps: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def started_at(self) -> datetime | None:
        return self.periods[0][0] if self.periods else None

    @property
    def activated_at(self) -> datetime | None:
        return self.periods[-1][0] if self.periods else None

    @property
    def state(self) -> str:  # R13
        if self.closed:
            return CLOSED
        if not self.accepting:
            return PENDING_CLOSED
        if self.active:
            return ACTIVE
        return INACTIVE if self.periods else OPEN


class _Replay:
    """The world after replaying a log: sessions, jobs, and the QPU's job intervals."""

    def __init__(self, rules: Rules, start: datetime) -> None:
        self.rules = rules
        self.now = start
        self.sessions: dict[str, _Session] = {}
        self.jobs: dict[str, _Job] = {}  # in submission order: the queue order (R2)
        self.running: _Job | None = None

    def clone(self) -> _Replay:
        """An independent copy, to look ahead without changing this one."""
        other = _Replay(self.rules, self.now)
        other.jobs = {jid: replace(job) for jid, job in self.jobs.items()}
        other.sessions = {
            sid: replace(s, periods=[list(p) for p in s.periods], timestamps=list(s.timestamps))
            for sid, s in self.sessions.items()
        }
        other.running = other.jobs[self.running.id] if self.running else None
        return other

    # -- queries ---------------------------------------------------------------------------------

    def jobs_of(self, session: _Session) -> Iterator[_Job]:
        return (job for job in self.jobs.values() if job.session_id == session.id)

    def outstanding(self, session: _Session) -> bool:
        return any(job.status in (QUEUED, RUNNING) for job in self.jobs_of(session))

    def last_end(self, session: _Session) -> datetime | None:  # R15
        ends = [job.finished for job in self.jobs_of(session) if job.started and job.finished]
        return max(ends, default=None)

    def last_start(self, session: _Session) -> datetime | None:  # R15
        return max((job.started for job in self.jobs_of(session) if job.started), default=None)

    def holder(self) -> _Session | None:  # R2
        for session in self.sessions.values():
            if session.mode == DEDICATED and session.active and not session.closed:
                return session
        return None

    def deadlines(self, session: _Session) -> list[tuple[datetime, str]]:
        """The session's timers (R5, R4, R6), due instant first."""
        if session.closed:
            return []
        found: list[tuple[datetime, str]] = []
        if session.started_at is not None:
            found.append((session.started_at + timedelta(seconds=session.max_ttl), "max_ttl"))
        if self.outstanding(session):
            return found
        last_end = self.last_end(session)
        if session.active and last_end is not None:
            found.append((last_end + timedelta(seconds=session.window), "interactive"))
        elif not session.active:
            idle = timedelta(seconds=self.rules.idle_timeout)
            if session.mode == DEDICATED:
                since = max(t for t in (session.created, session.last_submitted, last_end) if t is not None)
                found.append((since + idle, "idle"))
            elif session.last_submitted is None:
                found.append((session.created + idle, "idle"))
        return found

    def next_instant(self) -> datetime | None:
        times = [end for end in [self.running.end if self.running else None] if end is not None]
        for session in self.sessions.values():
            times.extend(at for at, _ in self.deadlines(session))
        return min(times, default=None)

    # -- time ----------------------------------------------------------------------------------------

    def run_until(self, target: datetime) -> None:
        while (due := self.next_instant()) is not None and due <= target:
            self.now = max(self.now, due)
            self.settle()
        self.now = max(self.now, target)

    def settle(self) -> None:
        """R12: at this instant, job ends, then session timers, then job starts."""
        self._end_due_job()
        self._fire_timers()
        self._start_jobs()

    def _end_due_job(self) -> None:
        job = self.running
        end = job.end if job else None
        if job is not None and end is not None and end <= self.now:
            self._job_ended(job, COMPLETED)

    def _fire_timers(self) -> None:
        for session in self.sessions.values():
            for due, kind in sorted(self.deadlines(session), key=lambda d: (d[0], d[1] != "max_ttl")):
                if due > self.now:
                    continue
                if kind == "max_ttl":
                    self._close(session, REASON_MAX_TTL, queued_end=FAILED)
                elif kind == "interactive":
                    session.active = False
                    session.periods[-1][1] = self.now
                    self._record(session)
                else:
                    self._close(session, REASON_IDLE, queued_end=FAILED)
                break  # one timer per session and instant: each of them ends the others

    def _start_jobs(self) -> None:
        while self.running is None:
            holder = self.holder()
            queue = [j for j in self.jobs.values() if j.status == QUEUED]
            if holder is not None:
                queue = [j for j in queue if j.session_id == holder.id]
            if not queue:
                return
            job = queue[0]
            job.status, job.started = RUNNING, self.now
            self.running = job
            session = self.sessions.get(job.session_id) if job.session_id else None
            if session is not None and not session.active:  # R3
                session.active = True
                session.periods.append([self.now, None])
                self._record(session)

    def _job_ended(self, job: _Job, status: str) -> None:
        job.status, job.finished = status, self.now
        if self.running is job:
            self.running = None
        session = self.sessions.get(job.session_id) if job.session_id else None
        if session is None:
            return
        if session.closed:
            if job.started is not None and session.periods and session.periods[-1][1] is None:
                session.periods[-1][1] = self.now  # R11: usage ends with the last running job
        elif not session.accepting and not self.outstanding(session):
            self._close(session, REASON_JOBS_DONE, queued_end=FAILED)  # R7 (nothing is queued)

    def _close(self, session: _Session, reason: str, *, queued_end: str) -> None:
        session.closed_at, session.reason, session.accepting = self.now, reason, False
        for job in self.jobs_of(session):
            if job.status == QUEUED:
                job.status, job.reason_code, job.finished = queued_end, SESSION_CLOSED_CODE, self.now
        running_here = (
            self.rules.usage_until_last_job
            and self.running is not None
            and self.running.session_id == session.id
        )
        if session.active:
            session.active = False
            if not running_here:
                session.periods[-1][1] = self.now
        self._record(session)

    def _record(self, session: _Session) -> None:  # R14
        state = session.state
        if not session.timestamps or session.timestamps[-1][0] != state:
            session.timestamps.append((state, self.now))

    # -- commands ------------------------------------------------------------------------------------

    def apply(self, command: _Command) -> None:
        self.run_until(command.at)
        if isinstance(command, _Create):
            session = _Session(
                command.session_id,
                command.mode,
                command.at,
                command.max_ttl,
                self.rules.window(command.mode),
            )
            self.sessions[session.id] = session
            self._record(session)
        elif isinstance(command, _Submit):
            if command.session_id is not None:
                session = self.sessions[command.session_id]
                if not session.accepting:  # R9
                    raise SessionNotAccepting(f"session {session.id} is {session.state}")
                session.last_submitted = self.now
            self.jobs[command.job_id] = _Job(command.job_id, command.session_id, self.now, command.duration)
        elif isinstance(command, _CancelJob):
            job = self.jobs[command.job_id]
            if job.status in FINAL:
                raise JobNotCancellable(f"job {job.id} is {job.status}")
            self._job_ended(job, CANCELLED)  # R10
        elif isinstance(command, _Close):
            session = self.sessions[command.session_id]
            if not session.closed:  # R7
                session.accepting = False
                if self.outstanding(session):
                    self._record(session)
                else:
                    self._close(session, REASON_CLOSED_EARLY, queued_end=FAILED)
        else:
            session = self.sessions[command.session_id]
            if not session.closed:  # R8
                self._close(session, REASON_CANCELLED, queued_end=CANCELLED)
        self._start_jobs()

    # -- views ---------------------------------------------------------------------------------------

    def session_view(self, session: _Session) -> SessionView:
        started = session.started_at
        active_ttl: int | None = None
        if not session.closed:
            elapsed = 0.0 if started is None else (self.now - started).total_seconds()
            active_ttl = max(0, int(session.max_ttl) - math.floor(elapsed))
        return SessionView(
            id=session.id,
            mode=session.mode,
            state=session.state,
            accepting_jobs=session.accepting,
            state_reason=session.reason,
            interactive_ttl=session.window,
            max_ttl=session.max_ttl,
            active_ttl=active_ttl,
            created_at=session.created,
            started_at=started,
            activated_at=session.activated_at,
            closed_at=session.closed_at,
            last_job_started=self.last_start(session),
            last_job_completed=self.last_end(session),
            usage=self._usage(session),
            timestamps=tuple(session.timestamps),
            outstanding=sum(1 for job in self.jobs_of(session) if job.status in (QUEUED, RUNNING)),
        )

    def _usage(self, session: _Session) -> float | None:  # R11
        if session.started_at is None:
            return None
        if session.mode == BATCH:
            spans = [(job.started, job.finished) for job in self.jobs_of(session) if job.started]
        else:
            spans = [(start, end) for start, end in session.periods if start is not None]
        return sum(((end or self.now) - start).total_seconds() for start, end in spans)

    @staticmethod
    def job_view(job: _Job) -> JobView:
        return JobView(
            job.id, job.session_id, job.status, job.reason_code, job.created, job.started, job.finished
        )
