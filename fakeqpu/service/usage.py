"""The instance's usage over IBM's rolling window, kept as a ledger: no walk over past jobs or sessions.

A job counts its QPU time, unless it belongs to a dedicated session (not Open Plan's job mode),
whose usage is its own wall-clock active time instead. Only what is still moving is looked at:
outstanding jobs and unfinished sessions. Whatever has ended is entered once, in integer
microseconds, in a heap ordered by when it ended, and leaves it when it falls out of the window.
"""

from __future__ import annotations

import heapq
from datetime import datetime

from fakeqpu.service.jobs import Job
from fakeqpu.service.sessions import DEDICATED, Session


def usage_is_the_sessions(session: Session) -> bool:
    return session.mode == DEDICATED and not session.job_mode


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)


class UsageLedger:
    def __init__(self) -> None:
        self._live_jobs: dict[str, Job] = {}  # counted jobs not final yet
        self._live_sessions: dict[str, Session] = {}  # dedicated sessions whose usage may still grow
        self._ended: list[tuple[datetime, int]] = []  # (ended at, microseconds): a heap
        self._ended_total = 0

    def add_job(self, job: Job) -> None:
        self._live_jobs[job.id] = job

    def add_session(self, session: Session) -> None:
        if usage_is_the_sessions(session):
            self._live_sessions[session.id] = session

    def consumed(self, now: datetime, since: datetime) -> float:
        """Seconds used by what ended at or after `since`, and by what is still going on."""
        self._settle()
        while self._ended and self._ended[0][0] < since:
            self._ended_total -= heapq.heappop(self._ended)[1]
        live = sum(_micros(job.qpu_seconds(now)) for job in self._live_jobs.values())
        for session in self._live_sessions.values():
            live += _micros(session.elapsed_time(now) or 0.0)
        return round((self._ended_total + live) / 1_000_000, 3)

    def absorb(self, other: UsageLedger) -> None:
        """Take in what another ledger saw end (an account's history, lived on its own engine)."""
        other._settle()
        for ended, micros in other._ended:
            self._enter(ended, micros)

    def _settle(self) -> None:
        """Move what has ended from the live sets to the heap."""
        for job in [job for job in self._live_jobs.values() if job.final]:
            del self._live_jobs[job.id]
            if job.started_at is not None and job.finished_at is not None:
                self._enter(job.finished_at, _micros(job.qpu_seconds(job.finished_at)))
        for session in [s for s in self._live_sessions.values() if s.closed and s.active_since is None]:
            del self._live_sessions[session.id]
            if session.started_at is not None and session.closed_at is not None:
                self._enter(session.closed_at, _micros(session.usage_seconds))

    def _enter(self, ended: datetime, micros: int) -> None:
        heapq.heappush(self._ended, (ended, micros))
        self._ended_total += micros
