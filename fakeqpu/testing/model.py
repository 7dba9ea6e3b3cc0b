"""A small reference model of the documented session lifecycle, for property-based tests.

Written from the rules, not from fakeqpu's engine: the seed ("Run jobs in a session"),
``shared/reference/semantics.md`` §1–3 and ``docs/fidelity.md`` (its CHOSEN rules included). The model
keeps nothing but a log of what the caller did and when; every question is answered by replaying that
log on one QPU and reading the answer off the resulting job intervals. Replaying from scratch makes the
model independent of how time was stepped.

The rules, as modelled (``sem`` = semantics.md, ``fid`` = docs/fidelity.md):

R1  A new session is ``open``, accepts jobs, has no start, activation or close instant, no usage, and
    one timestamp, ``open`` at its creation. Its max TTL is the one asked for, capped silently at the
    system maximum (sem §1.3, fid).
R2  One job at a time on the QPU, in submission order; but while a *dedicated* session is ``active``
    it holds the QPU, during its jobs and its interactive window: only its own jobs start (fid,
    sem §2). Batch jobs hold nothing; they queue with everyone else (sem §2).
R3  A session job that starts while its session is not active activates it: ``activated_at`` is that
    instant, and the first one is also ``started_at``, when the max TTL timer starts; it never pauses
    (seed, sem §1.2).
R4  An active session with no job queued or running deactivates (``inactive``) when its interactive
    TTL has passed since its last job ended; a job submitted within the window keeps it active. The
    window is half-open: a job submitted at the very instant it lapses finds the session inactive (the
    documented order, R12). Dedicated sessions: 60 s; batches: 1 s (sem §1.3).
R5  At ``started_at + max_ttl`` the session closes (``max_ttl_reached``): the running job finishes,
    queued jobs end ``Failed`` with reason code 1217 (seed, sem §1.4, fid).
R6  Idle close after 30 minutes (``idle_timeout``): a dedicated session that is not active and has
    nothing queued or running closes 30 minutes after the latest of its creation, its last job
    submission and the end of its last job that ran ("do not submit any jobs to it for 30 minutes",
    seed; fid). A batch closes so only if it was never given a job; an inactive batch stays inactive
    (fid, sem §1.2 issue #1822).
R7  ``close()``: the session stops accepting jobs. With nothing queued or running it is ``closed`` at
    once (``session_closed_early``); otherwise ``pending_closed``, its jobs still run, and it closes
    when the last of them ends (``jobs_completed``) (seed, sem §1.2, fid).
R8  ``cancel()``: ``closed`` at once (``cancelled``); queued jobs end ``Cancelled`` with 1217; the
    running job finishes (seed, sem §1.4, fid).
R9  A job is accepted only by a session that accepts jobs: not closed, not closing (seed, sem §1.5).
R10 ``job.cancel()`` on a queued or running job: ``Cancelled`` at once, no reason; a cancelled running
    job frees the QPU and its end counts as the session's last job end. A final job cannot be
    cancelled (fid, sem §4.3). Ending the last job of a ``pending_closed`` session closes it (R7).
R11 Usage. Dedicated: wall clock from each activation until it ends; it ends at the deactivation or
    the close, or when the session's last running job completes, whichever happens last (sem §1.6:
    "It starts when the first session job starts and ends when the session goes inactive, is closed,
    or when the last job completes, whichever happens last"). Batch: the sum of its jobs' QPU time
    (sem §1.6). ``None`` until the session first starts (fid).
R12 Events of one instant: job ends, then session timers (a max TTL before the others), then job
    starts. A request made at ``t`` sees every event due at or before ``t`` (fid, "Time").
R13 State words: ``closed``; else ``pending_closed`` when not accepting; else ``active``; else
    ``inactive`` once started; else ``open``. ``pending_inactive`` is never used (fid). The client's
    ``status()`` words follow sem §1.1.
R14 ``timestamps`` list every state the session enters, with the instant (fid, sem §1.7).
R15 ``last_job_started`` / ``last_job_completed``: the latest start / end of a session job that ran
    on the QPU; a job that never ran has neither (sem §4.2).
R16 ``active_ttl``: the max TTL left, in whole seconds: all of it before the start, then
    ``max_ttl - floor(seconds since started_at)`` (fid, CHOSEN). Only defined while not closed.

Not modelled: the Open Plan (sessions in job mode), max execution time (1305), invalid input, usage
limits, other users' load, more than one backend.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

__all__ = [
    "ACTIVE",
    "BATCH",
    "CANCELLED",
    "CLIENT_JOB_STATUS",
    "CLOSED",
    "COMPLETED",
    "DEDICATED",
    "FAILED",
    "FINAL",
    "INACTIVE",
    "OPEN",
    "PENDING_CLOSED",
    "QUEUED",
    "REASON_CANCELLED",
    "REASON_CLOSED_EARLY",
    "REASON_IDLE",
    "REASON_JOBS_DONE",
    "REASON_MAX_TTL",
    "RUNNING",
    "SESSION_CLOSED_CODE",
    "JobNotCancellable",
    "JobView",
    "ModelError",
    "Rules",
    "SessionModel",
    "SessionNotAccepting",
    "SessionView",
    "client_session_status",
]

DEDICATED = "dedicated"
BATCH = "batch"

OPEN = "open"
ACTIVE = "active"
INACTIVE = "inactive"
PENDING_CLOSED = "pending_closed"
CLOSED = "closed"

QUEUED = "Queued"
RUNNING = "Running"
COMPLETED = "Completed"
FAILED = "Failed"
CANCELLED = "Cancelled"
FINAL = frozenset({COMPLETED, FAILED, CANCELLED})

SESSION_CLOSED_CODE = 1217  # "Session has been closed." (sem §1.4)

# state_reason words: the first is IBM's (sem §1.2), the others fakeqpu's CHOSEN ones (fid).
REASON_CLOSED_EARLY = "session_closed_early"
REASON_MAX_TTL = "max_ttl_reached"
REASON_IDLE = "idle_timeout"
REASON_CANCELLED = "cancelled"
REASON_JOBS_DONE = "jobs_completed"

# What RuntimeJobV2.status() shows for each server status word (sem §3.1).
CLIENT_JOB_STATUS: dict[str, str] = {
    QUEUED: "QUEUED",
    RUNNING: "RUNNING",
    COMPLETED: "DONE",
    FAILED: "ERROR",
    CANCELLED: "CANCELLED",
}

HOUR = 3600.0


def client_session_status(state: str, accepting_jobs: bool) -> str:
    """What ``Session.status()`` shows for a session's state word (sem §1.1)."""
    if state in (OPEN, INACTIVE):
        return "Pending"
    if (state == ACTIVE and accepting_jobs) or state == "pending_inactive":
        return "In progress, accepting new jobs"
    if (state == ACTIVE and not accepting_jobs) or state == PENDING_CLOSED:
        return "In progress, not accepting new jobs"
    return state.capitalize()


class ModelError(Exception):
    """An operation the documented rules refuse."""


class SessionNotAccepting(ModelError):
    """R9: the session is closed or closing; the job is rejected and never exists."""


class JobNotCancellable(ModelError):
    """R10: the job is already final."""


@dataclass(frozen=True)
class Rules:
    """The numbers of one plan instance (sem §1.3; idle time from the seed)."""

    interactive_ttl: float = 60.0  # dedicated sessions
    max_ttl: float = 8 * HOUR  # dedicated sessions: the default and the system maximum
    batch_interactive_ttl: float = 1.0
    batch_max_ttl: float = 8 * HOUR
    idle_timeout: float = 30 * 60.0
    # R11: a dedicated session's usage runs on past a close (max TTL, cancel) until the session's running
    # job completes, "whichever happens last" (sem §1.6). False: it stops at the close.
    usage_until_last_job: bool = True

    @classmethod
    def for_plan(
        cls, plan: str = "premium", *, interactive_ttl: float | None = None, max_ttl: float | None = None
    ) -> Rules:
        """A paid plan's defaults, with an instance's configured values ("might be configured", seed).

        ``interactive_ttl`` changes the dedicated sessions' window (a batch's cannot be configured,
        sem §1.3); ``max_ttl`` is the instance's system maximum, for sessions and batches alike.
        """
        if plan not in ("premium", "flex", "paygo"):
            raise ValueError(f"the model covers the paid plans (premium, flex, paygo), not {plan!r}")
        rules = cls()
        if interactive_ttl is not None:
            rules = replace(rules, interactive_ttl=float(interactive_ttl))
        if max_ttl is not None:
            rules = replace(rules, max_ttl=float(max_ttl), batch_max_ttl=float(max_ttl))
        return rules

    def window(self, mode: str) -> float:
        return self.interactive_ttl if mode == DEDICATED else self.batch_interactive_ttl

    def cap(self, mode: str) -> float:
        return self.max_ttl if mode == DEDICATED else self.batch_max_ttl


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


# -- the public model ------------------------------------------------------------------------------


class SessionModel:
    """The documented lifecycle of sessions, batches and jobs on one backend, on a clock you move.

    Drive it with the same operations, at the same instants, as the system under test, then compare::

        model = SessionModel(start=t0, job_duration=10)
        sid = model.create_session("dedicated", session_id=session.session_id)
        model.submit(sid, job_id=job.job_id())
        model.advance_to(t0 + timedelta(seconds=75))
        assert model.session(sid).state == "inactive"

    Operations happen at the model's ``now``; move it with :meth:`advance_to` / :meth:`advance` first.
    Ids are the caller's (pass the real ones), or made up when omitted. An operation the rules refuse
    raises a :class:`ModelError` and leaves no trace. :attr:`log` is every accepted operation;
    :meth:`replayed` rebuilds the model from it alone.
    """

    def __init__(self, rules: Rules | None = None, *, start: datetime, job_duration: float = 10.0) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be a timezone-aware datetime")
        if job_duration < 0:
            raise ValueError("job_duration must be >= 0 seconds")
        self.rules = rules or Rules()
        self.start = start
        self.job_duration = float(job_duration)
        self._now = start
        self._log: list[_Command] = []
        self._ids = itertools.count(1)
        self._live = _Replay(self.rules, start)

    # -- time ----------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    def advance_to(self, when: datetime) -> None:
        """Move to ``when``; the model never goes back (an earlier instant is ignored)."""
        self._now = max(self._now, when)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("cannot go back in time")
        self._now += timedelta(seconds=seconds)

    # -- operations ----------------------------------------------------------------------------------

    def create_session(
        self, mode: str = DEDICATED, *, max_ttl: float | None = None, session_id: str | None = None
    ) -> str:
        """``Session(backend, max_time=...)`` / ``Batch(...)`` (R1)."""
        if mode not in (DEDICATED, BATCH):
            raise ValueError(f"mode must be {DEDICATED!r} or {BATCH!r}")
        if max_ttl is not None and max_ttl < 1:
            raise ValueError("max_ttl must be at least 1 second")
        cap = self.rules.cap(mode)
        ttl = cap if max_ttl is None else min(float(max_ttl), cap)
        sid = session_id or f"session-{next(self._ids)}"
        if sid in self._live.sessions:
            raise ValueError(f"session id {sid!r} is taken")
        self._do(_Create(self._now, sid, mode, ttl))
        return sid

    def submit(
        self, session_id: str | None = None, *, job_id: str | None = None, duration: float | None = None
    ) -> str:
        """A Sampler/Estimator job, in a session or (``None``) in job mode. Raises SessionNotAccepting."""
        if session_id is not None and session_id not in self._live.sessions:
            raise KeyError(session_id)
        jid = job_id or f"job-{next(self._ids)}"
        if jid in self._live.jobs:
            raise ValueError(f"job id {jid!r} is taken")
        self._do(_Submit(self._now, jid, session_id, self.job_duration if duration is None else duration))
        return jid

    def cancel_job(self, job_id: str) -> None:
        """``job.cancel()``. Raises JobNotCancellable for a final job (R10)."""
        if job_id not in self._live.jobs:
            raise KeyError(job_id)
        self._do(_CancelJob(self._now, job_id))

    def close_session(self, session_id: str) -> None:
        """``session.close()``, the context manager's exit (R7)."""
        if session_id not in self._live.sessions:
            raise KeyError(session_id)
        self._do(_Close(self._now, session_id))

    def cancel_session(self, session_id: str) -> None:
        """``session.cancel()`` (R8)."""
        if session_id not in self._live.sessions:
            raise KeyError(session_id)
        self._do(_Cancel(self._now, session_id))

    def _do(self, command: _Command) -> None:
        self._live.apply(command)  # checks the rules before it changes anything
        self._log.append(command)

    # -- queries -------------------------------------------------------------------------------------

    @property
    def log(self) -> tuple[object, ...]:
        return tuple(self._log)

    def session(self, session_id: str) -> SessionView:
        world = self._world()
        return world.session_view(world.sessions[session_id])

    def sessions(self) -> list[SessionView]:
        world = self._world()
        return [world.session_view(s) for s in world.sessions.values()]

    def job(self, job_id: str) -> JobView:
        return _Replay.job_view(self._world().jobs[job_id])

    def jobs(self) -> list[JobView]:
        return [_Replay.job_view(job) for job in self._world().jobs.values()]

    def accepting(self, session_id: str) -> bool:
        return self.session(session_id).accepting_jobs

    def upcoming(self, limit: int = 32) -> list[datetime]:
        """The next instants at which something happens if nobody acts: a job ends, a TTL lapses,
        a session closes. The boundaries worth probing just before and just after."""
        world = self._world().clone()
        found: list[datetime] = []
        while len(found) < limit and (due := world.next_instant()) is not None:
            world.run_until(due)
            found.append(due)
        return found

    def finishes_at(self, job_id: str) -> datetime | None:
        """When the job reaches its final state if nobody acts (``None``: never)."""
        world = self._world().clone()
        job = world.jobs[job_id]
        while job.status not in FINAL and (due := world.next_instant()) is not None:
            world.run_until(due)
        return job.finished

    def quiescent_at(self) -> datetime:
        """The instant after which nothing more happens unless someone acts."""
        world = self._world().clone()
        last = self._now
        while (due := world.next_instant()) is not None:
            world.run_until(due)
            last = max(last, due)
        return last

    def replayed(self) -> SessionModel:
        """A new model built from :attr:`log` alone, at the same instant (a check of determinism)."""
        other = SessionModel(self.rules, start=self.start, job_duration=self.job_duration)
        for command in self._log:
            other._live.run_until(command.at)
            other._do(command)
        other.advance_to(self._now)
        return other

    def _world(self) -> _Replay:
        self._live.run_until(self._now)
        return self._live
