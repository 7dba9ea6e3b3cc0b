"""The test author's toolkit on the service: backend status, other users' load, job faults, the
read-only records and the timeline. Mixed into `RuntimeService`, whose lock and clock it shares.

Faults and inspection are the service's, not the wire's: a job fault or a backend status changes
what the engine does at an instant; the records are views built from the model.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fakeqpu.service.engine import BACKEND_STATUSES, Engine
from fakeqpu.service.faults import JobFaults
from fakeqpu.service.history import add_history, summary
from fakeqpu.service.history_spec import PROGRAMS, HistorySpec, history_spec
from fakeqpu.service.ids import IdFactory
from fakeqpu.service.jobs import Job
from fakeqpu.service.records import JobRecord, SessionRecord, job_record, session_record
from fakeqpu.service.timeline import Subject, Timeline, Transitions
from fakeqpu.service.validation import MAX_SECONDS

if TYPE_CHECKING:
    from fakeqpu.service.runtime import BackendState


class Toolkit:
    lock: threading.RLock
    engine: Engine
    job_faults: JobFaults
    timeline: Timeline
    _background_count: int
    _ids: IdFactory
    _history_ids: IdFactory | None = None
    created_at: datetime  # when the instance was provisioned: an account's history is older

    def sync(self) -> datetime:
        raise NotImplementedError

    @property
    def now(self) -> datetime:
        raise NotImplementedError

    def backend(self, name: str) -> BackendState:
        raise NotImplementedError

    def set_backend_status(
        self, name: str, status: str, reason: str | None = None, *, at: Any = None, until: Any = None
    ) -> None:
        """`paused`/`offline` stop the QPU (queued jobs wait, the running one finishes), `online` resumes.

        `at` and `until` (a datetime, an ISO 8601 string, or seconds from now) schedule it on the
        virtual clock; at `until` the backend is `online` again.
        """
        if status not in BACKEND_STATUSES:
            raise ValueError("status must be 'online', 'paused' or 'offline'")
        if reason is not None and not isinstance(reason, str):
            raise ValueError("reason must be a string or None")
        with self.lock:
            self.sync()
            self.backend(name)
            start = self._instant(at, "at")
            end = self._instant(until, "until")
            if end is not None and end <= (start or self.now):
                raise ValueError("until must come after at (or after now)")
            self.engine.set_backend_status(name, status, reason, start)
            if end is not None:
                self.engine.set_backend_status(name, "online", None, end)

    def _instant(self, value: Any, name: str) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.now.tzinfo)
        if isinstance(value, timedelta):
            return self.now + value
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 and value == value:
            if value == float("inf"):
                raise ValueError(f"{name} must be finite")
            return self.now + timedelta(seconds=value)
        raise ValueError(f"{name} must be a datetime, an ISO 8601 string or seconds from now, not {value!r}")

    def add_background_load(self, backend: str, jobs: int = 1, duration: float = 60.0) -> None:
        """Queue other users' jobs on a backend, so that `Pending` and `queue_length` are observable."""
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
            raise ValueError(f"jobs must be a count >= 0, not {jobs!r}")
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise ValueError(f"duration must be a number of seconds, not {duration!r}")
        seconds = float(duration)
        if not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
            raise ValueError(f"duration must be a finite number of seconds in [0, {MAX_SECONDS}]")
        with self.lock:
            self.sync()
            self.backend(backend)
            for _ in range(jobs):
                self._background_count += 1
                job = Job(
                    id=f"background-{self._background_count}",
                    seq=-1,
                    program_id="sampler",
                    backend_name=backend,
                    session_id=None,
                    created=self.now,
                    duration=seconds,
                    max_execution_time=float("inf"),
                    estimated_seconds=seconds,
                    params_wire={},
                    prepared=None,
                    background=True,
                )
                self.engine.submit(job)

    def add_history(
        self,
        jobs: int = 0,
        sessions: int = 0,
        batches: int = 0,
        *,
        jobs_per_session: int = 3,
        days: float = 90.0,
        failed: int = 0,
        cancelled: int = 0,
        tags: list[str] | None = None,
        backends: list[str] | None = None,
        programs: list[str] | None = None,
    ) -> dict[str, list[str]]:
        """Give the account a past: `jobs` in job mode (`failed` of them Failed, `cancelled` cancelled
        while queued), `sessions` and `batches` of `jobs_per_session` jobs each, spread over the `days`
        before the fake started, all Completed with results. Returns their ids, oldest first."""
        spec = history_spec(
            {
                "jobs": jobs,
                "sessions": sessions,
                "batches": batches,
                "jobs_per_session": jobs_per_session,
                "days": days,
                "failed": failed,
                "cancelled": cancelled,
                "tags": list(tags or ()),
                "backends": None if backends is None else list(backends),
                "programs": list(programs) if programs is not None else list(PROGRAMS),
            }
        )
        return self.add_history_spec(spec)

    def add_history_spec(self, spec: HistorySpec) -> dict[str, list[str]]:
        with self.lock:
            self.sync()
            if self._history_ids is None:
                self._history_ids = self._ids.derived("history")
            made_jobs, made_sessions = add_history(self, spec, self._history_ids)  # type: ignore[arg-type]
            return summary(made_jobs, made_sessions)

    def fail_jobs(
        self, code: int, message: str | None = None, *, match: Any = None, times: int = 1, at: str = "start"
    ) -> dict[str, Any]:
        """The next `times` jobs that `match` (a callable of a `JobRecord`, or None for any) fail with
        IBM `code`: when submitted (the POST answers the error), when they start, or half-way through."""
        with self.lock:
            return self.job_faults.add(code, message, match=match, times=times, at=at).describe()

    def faults(self) -> list[dict[str, Any]]:
        """The job faults not yet used up, JSON-friendly."""
        with self.lock:
            return [fault.describe() for fault in self.job_faults.pending]

    def clear_faults(self) -> None:
        with self.lock:
            self.job_faults.clear()

    def job_records(self) -> list[JobRecord]:
        """Every job of this instance, in submission order, as read-only records."""
        with self.lock:
            self.sync()
            mine = [job for job in self.engine.jobs.values() if not job.background]
            return [job_record(job, self.now) for job in sorted(mine, key=lambda j: j.seq)]

    def usage_totals(self) -> tuple[int, int, float]:
        """(jobs, sessions, QPU seconds) of this instance since it started (its history left out),
        without building records."""
        with self.lock:
            self.sync()
            start = self.created_at
            mine = [job for job in self.engine.jobs.values() if not job.background and job.created >= start]
            seconds = round(sum(job.qpu_seconds(self.now) for job in mine), 3)
            sessions = sum(1 for session in self.engine.sessions.values() if session.created_at >= start)
            return len(mine), sessions, seconds

    def leftover_lines(self) -> list[str]:
        """Sessions not closed and jobs not final, one line each, without building records (an
        account's history of thousands of jobs costs a walk, not a decoding of every job)."""
        with self.lock:
            self.sync()
            sessions = self.engine.sessions.values()
            found = [f"session {s.id} ({s.mode}) is {s.state}" for s in sessions if not s.closed]
            jobs = sorted(self.engine.jobs.values(), key=lambda j: j.seq)
            return found + [f"job {j.id} is {j.status}" for j in jobs if not j.background and not j.final]

    def session_records(self) -> list[SessionRecord]:
        """Every session and batch, in creation order, as read-only records."""
        with self.lock:
            self.sync()
            members: dict[str, list[str]] = {sid: [] for sid in self.engine.sessions}
            for job in sorted(self.engine.jobs.values(), key=lambda j: j.seq):
                if job.session_id in members:
                    members[job.session_id].append(job.id)
            return [
                session_record(session, tuple(members[sid]), self.engine.session_usage(session))
                for sid, session in self.engine.sessions.items()
            ]

    def timeline_entries(self) -> Transitions:
        with self.lock:
            self.sync()
            subjects = {
                s.id: Subject("session", s.backend_name, mode=s.mode, max_ttl_deadline=s.max_ttl_deadline)
                for s in self.engine.sessions.values()
            }
            for job in self.engine.jobs.values():
                if not job.background:
                    subjects[job.id] = Subject("job", job.backend_name, session_id=job.session_id)
            return self.timeline.entries(subjects, self.now)
