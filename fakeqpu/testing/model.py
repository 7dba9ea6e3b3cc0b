"""A small reference model of the documented session lifecycle, for property-based tests.

Written from the documented rules (IBM's "Run jobs in a session" and ``docs/fidelity.md``, its CHOSEN
rules included), not from fakeqpu's engine. The model keeps nothing but a log of what the caller did
and when; every question is answered by replaying that log on one QPU and reading the answer off the
resulting job intervals. Replaying from scratch makes the model independent of how time was stepped.

The rules, R1 to R16, are listed in :mod:`fakeqpu.testing.rules`; the replay is
:mod:`fakeqpu.testing.replay`; the answers (:class:`SessionView`, :class:`JobView`) are
:mod:`fakeqpu.testing.views`. This module is the public face: :class:`SessionModel` and every name
in ``__all__``.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from fakeqpu.testing.replay import _Cancel, _CancelJob, _Close, _Command, _Create, _Replay, _Submit
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
    ModelError,
    Rules,
    SessionNotAccepting,
)
from fakeqpu.testing.views import CLIENT_JOB_STATUS, JobView, SessionView, client_session_status

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
