"""The service: one instance of one plan, a fleet of backends, its sessions and jobs, behind one lock.

No HTTP here. Every public method takes the lock, brings the model up to the clock's now, and then
acts; a domain error is raised as a `ServiceError` subclass carrying IBM's code.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fakeqpu import execution
from fakeqpu.backend_data import BackendData, UnknownBackendError, get_backend_data
from fakeqpu.service import errors
from fakeqpu.service.engine import Engine
from fakeqpu.service.ids import IdFactory
from fakeqpu.service.jobs import FINAL_STATUSES, PENDING_STATUSES, Job, Reason
from fakeqpu.service.plans import Plan
from fakeqpu.service.sessions import DEDICATED, MODES, Session
from fakeqpu.service.timeline import Timeline, Transitions
from fakeqpu.service.validation import (
    MAX_SECONDS,
    boolean,
    finite_seconds,
    optional_string,
    positive_int_seconds,
)

PROGRAMS = ("sampler", "estimator")
MAX_TAGS = 8
MAX_TAG_LENGTH = 86
USAGE_WINDOW = timedelta(days=28)

JobDuration = float | Callable[[Job], float] | None


@dataclass(frozen=True)
class Instance:
    crn: str
    name: str
    plan: Plan


@dataclass
class BackendState:
    data: BackendData
    status: str = "online"  # online | paused | offline
    reason: str | None = None


@dataclass(frozen=True)
class JobFilter:
    limit: int = 200
    offset: int = 0
    pending: bool | None = None
    program: str | None = None
    backend: str | None = None
    session_id: str | None = None
    tags: tuple[str, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
    descending: bool = True


class RuntimeService:
    def __init__(
        self,
        *,
        instance: Instance,
        backends: Sequence[str],
        now: Callable[[], datetime],
        seed: int | None = None,
        job_duration: JobDuration = None,
        open_plan_sessions: str = "job_mode",
    ) -> None:
        if open_plan_sessions not in ("job_mode", "reject"):
            raise ValueError("open_plan_sessions must be 'job_mode' or 'reject'")
        self.instance = instance
        self.plan = instance.plan
        self._now = now
        self._ids = IdFactory(seed)
        self._job_duration = job_duration
        self._open_plan_sessions = open_plan_sessions
        self.lock = threading.RLock()
        self.timeline = Timeline()
        self.engine = Engine(self.plan, now(), self.timeline)
        self.backends: dict[str, BackendState] = {}
        for name in backends:
            try:
                self.backends[name] = BackendState(get_backend_data(name))
            except UnknownBackendError:
                raise ValueError(
                    f"unknown backend {name!r}: no snapshot in qiskit_ibm_runtime.fake_provider"
                ) from None
            self.engine.add_backend(name)
        if not self.backends:
            raise ValueError("a fake runtime needs at least one backend")
        self._background_count = 0
        self._visible_jobs = 0  # jobs a listing shows: neither deleted nor background

    # -- time ----------------------------------------------------------------------------------

    def sync(self) -> datetime:
        """Bring the model to the clock's now (never backwards). Returns the model's now."""
        with self.lock:
            self.engine.advance_to(self._now())
            return self.engine.now

    @property
    def now(self) -> datetime:
        return self.engine.now

    def trace_id(self) -> str:
        with self.lock:
            return self._ids.trace_id()

    # -- backends --------------------------------------------------------------------------------

    def backend(self, name: str) -> BackendState:
        state = self.backends.get(name)
        if state is None:
            raise errors.backend_not_found(name)
        return state

    def queue_length(self, name: str) -> int:
        with self.lock:
            self.sync()
            return self.engine.queue_length(self.backend(name).data.name)

    def set_backend_status(self, name: str, status: str, reason: str | None = None) -> None:
        if status not in ("online", "paused", "offline"):
            raise ValueError("status must be 'online', 'paused' or 'offline'")
        with self.lock:
            state = self.backend(name)
            state.status, state.reason = status, reason

    def add_background_load(self, backend: str, jobs: int = 1, duration: float = 60.0) -> None:
        """Queue other users' jobs on a backend, so that `Pending` and `queue_length` are observable."""
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

    # -- sessions --------------------------------------------------------------------------------

    def create_session(self, *, mode: Any, backend: Any, max_ttl: Any = None) -> Session:
        with self.lock:
            self.sync()
            if mode not in MODES:
                raise errors.validation_error(f"mode must be 'dedicated' or 'batch', not {mode!r}.")
            if not isinstance(backend, str) or not backend:
                raise errors.validation_error("the backend field is required.")
            self.backend(backend)
            job_mode = False
            if mode == DEDICATED and not self.plan.sessions_allowed:
                if self._open_plan_sessions == "reject":
                    raise errors.open_plan_session(self.plan.name)
                job_mode = True
            limit = self.plan.max_ttl if mode == DEDICATED else self.plan.batch_max_ttl
            ttl = limit if max_ttl is None else _max_ttl(max_ttl)
            session = Session(
                id=self._ids.session_id(),
                mode=mode,
                backend_name=backend,
                instance=self.instance.crn,
                created_at=self.now,
                max_ttl=min(ttl, limit),
                interactive_ttl=self.plan.interactive_ttl
                if mode == DEDICATED
                else self.plan.batch_interactive_ttl,
                job_mode=job_mode,
            )
            self.engine.add_session(session)
            return session

    def session(self, session_id: str) -> Session:
        with self.lock:
            self.sync()
            found = self.engine.sessions.get(session_id)
            if found is None:
                raise errors.session_not_found(session_id)
            return found

    def session_usage(self, session: Session) -> float | None:
        with self.lock:
            return self.engine.session_usage(session)

    def set_accepting_jobs(self, session_id: str, accepting: Any) -> None:
        with self.lock:
            if not isinstance(accepting, bool):
                raise errors.validation_error("accepting_jobs must be a boolean.")
            session = self.session(session_id)
            if accepting:
                self.engine.resume_accepting(session)
            else:
                self.engine.stop_accepting(session)

    def cancel_session(self, session_id: str) -> None:
        with self.lock:
            self.engine.cancel_session(self.session(session_id))

    def has_outstanding_jobs(self, session: Session) -> bool:
        with self.lock:
            return self.engine.has_outstanding(session)

    # -- jobs ----------------------------------------------------------------------------------

    def submit_job(
        self,
        *,
        program_id: Any,
        backend: Any,
        params_wire: Any,
        params: Any,
        session_id: Any = None,
        tags: Any = None,
        private: Any = False,
        cost: Any = None,
        log_level: Any = "WARNING",
        runtime: Any = "",
        calibration_id: Any = None,
    ) -> Job:
        with self.lock:
            self.sync()
            if program_id not in PROGRAMS:
                raise errors.program_not_found(str(program_id))
            if not isinstance(backend, str) or not backend:
                raise errors.validation_error("the backend field is required.")
            state = self.backend(backend)
            if state.status != "online":
                raise errors.backend_not_available()
            if not isinstance(params, dict) or not isinstance(params.get("pubs"), list):
                raise errors.validation_error("params.pubs is required.")
            session = self._session_for_job(session_id, backend)
            job_tags = _tags(tags)
            max_time = self._max_execution_time(cost)
            fields = _job_fields(private, log_level, runtime, calibration_id)
            self._check_usage_limit()
            invalid: Reason | None = None
            prepared: execution.PreparedJob | None = None
            try:
                prepared = execution.prepare(program_id, params, backend)
                estimate = prepared.estimated_seconds
            except execution.ExecutionError as exc:
                invalid = Reason(exc.code, exc.message, exc.solution)
                estimate = 0.0
            job = Job(
                id=self._ids.job_id(),
                seq=len(self.engine.jobs),
                program_id=program_id,
                backend_name=backend,
                session_id=session.id if session else None,
                created=self.now,
                duration=0.0,
                max_execution_time=max_time,
                estimated_seconds=_estimate(estimate),
                params_wire=params_wire if isinstance(params_wire, dict) else {},
                prepared=prepared,
                invalid=invalid,
                tags=job_tags,
                simulation_seed=self._ids.simulation_seed(),
                **fields,
            )
            job.duration = 0.0 if invalid else self._duration_of(job)
            self.engine.submit(job)
            self._visible_jobs += 1
            return job

    def _session_for_job(self, session_id: Any, backend: str) -> Session | None:
        if session_id is None:
            return None
        if not isinstance(session_id, str):
            raise errors.validation_error("session_id must be a string.")
        session = self.engine.sessions.get(session_id)
        if session is None:
            raise errors.session_not_found(session_id)
        if session.closed or not session.accepting_jobs:
            raise errors.session_not_accepting(session.closed)
        if session.backend_name != backend:
            raise errors.validation_error(
                f"session {session_id} runs on {session.backend_name}, not on {backend}."
            )
        return session

    def _max_execution_time(self, cost: Any) -> float:
        limit = float(self.plan.max_execution_time)
        if cost is None:
            return limit
        if isinstance(cost, int) and not isinstance(cost, bool) and cost > MAX_SECONDS:
            return limit  # an integer of any size is a valid (huge) cost: capped, like any cost
        seconds = finite_seconds(cost, "cost (max_execution_time)", allow_zero=False)
        return min(seconds, limit)

    def _check_usage_limit(self) -> None:
        limit = self.plan.usage_limit_seconds
        if limit is not None and self._usage_consumed() >= limit:
            raise errors.usage_limit_reached()

    def _duration_of(self, job: Job) -> float:
        configured = self._job_duration
        if configured is None:
            return job.estimated_seconds
        value = configured(job) if callable(configured) else configured
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(f"job_duration gave {value!r} seconds: a duration must be finite")
        return min(max(0.0, seconds), float(MAX_SECONDS))

    def job(self, job_id: str) -> Job:
        with self.lock:
            self.sync()
            found = self.engine.jobs.get(job_id)
            if found is None or found.deleted or found.background:
                raise errors.job_not_found(job_id)
            return found

    def jobs(self, query: JobFilter) -> tuple[list[Job], int]:
        """Matching jobs in the requested page, and how many match in all.

        Jobs are stored in (created, seq) order; candidates come from the narrowest index (a session's
        jobs, or the jobs not final yet), so a filtered listing does not walk the whole history.
        """
        with self.lock:
            self.sync()
            if query == JobFilter(limit=query.limit, offset=query.offset, descending=query.descending):
                return self._page_of_all(query), self._visible_jobs
            if query.session_id is not None:
                candidates: Sequence[Job] = self.engine.jobs_by_session.get(query.session_id, [])
            elif query.pending is True:
                candidates = self.engine.outstanding_jobs()
            else:
                candidates = list(self.engine.jobs.values())
            ordered = reversed(candidates) if query.descending else iter(candidates)
            matches = [job for job in ordered if _matches(job, query)]
            return matches[query.offset : query.offset + query.limit], len(matches)

    def _page_of_all(self, query: JobFilter) -> list[Job]:
        """An unfiltered page, read from the end it starts at: cost of the page, not of the history."""
        jobs = self.engine.jobs.values()
        ordered = reversed(jobs) if query.descending else iter(jobs)
        visible = (job for job in ordered if not job.deleted and not job.background)
        return list(itertools.islice(visible, query.offset, query.offset + query.limit))

    def cancel_job(self, job_id: str) -> None:
        with self.lock:
            job = self.job(job_id)
            if job.final:
                raise errors.job_not_cancellable()
            self.engine.cancel_job(job)

    def delete_job(self, job_id: str) -> None:
        with self.lock:
            job = self.job(job_id)
            if not job.final:
                raise errors.job_not_final()
            job.deleted = True
            self._visible_jobs -= 1

    def update_tags(self, job_id: str, tags: Any) -> None:
        with self.lock:
            job = self.job(job_id)
            job.tags = _tags(tags)

    def job_result_text(self, job_id: str) -> str | None:
        """The results body: the encoded PrimitiveResult, an error text, or None while not final."""
        with self.lock:
            job = self.job(job_id)
            if not job.final:
                return None
            if job.result_text is None:
                job.result_text = self._result_text(job)
                job.compact()
            return job.result_text

    def _result_text(self, job: Job) -> str:
        if job.status == "Completed" and job.prepared is not None:
            assert job.started_at is not None and job.finished_at is not None
            try:
                return execution.run(
                    job.prepared, seed=job.simulation_seed, start=job.started_at, stop=job.finished_at
                )
            except execution.ExecutionError as exc:
                return f"Error code {exc.code}; {exc.message}"
        if job.reason is not None:
            return f"Error code {job.reason.code}; {job.reason.message}"
        return f"Job {job.id} was {job.status.lower()}."

    def job_logs(self, job_id: str) -> str:
        with self.lock:
            job = self.job(job_id)
            lines = [f"{job.created.isoformat()} job {job.id} queued on {job.backend_name}"]
            if job.started_at:
                lines.append(f"{job.started_at.isoformat()} job {job.id} running")
            if job.finished_at:
                lines.append(f"{job.finished_at.isoformat()} job {job.id} {job.status.lower()}")
            return "\n".join(lines) + "\n"

    # -- instance --------------------------------------------------------------------------------

    def _usage_consumed(self) -> float:
        return self.engine.usage.consumed(self.now, self.now - USAGE_WINDOW)

    def usage(self) -> dict[str, Any]:
        with self.lock:
            self.sync()
            consumed = self._usage_consumed()
            limit = self.plan.usage_limit_seconds
            return {
                "consumed": consumed,
                "limit": limit,
                "limit_reached": limit is not None and consumed >= limit,
                "period_start": self.now - USAGE_WINDOW,
                "period_end": self.now,
            }

    def timeline_entries(self) -> Transitions:
        with self.lock:
            self.sync()
            return self.timeline.entries()


def _max_ttl(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SECONDS:
        return MAX_SECONDS  # capped at the plan's limit right after, like any too-long max_ttl
    return positive_int_seconds(value, "max_ttl")


def _estimate(seconds: float) -> float:
    """IBM's duration estimate, kept finite: an absurd option (a huge rep_delay) cannot break time."""
    if not math.isfinite(seconds) or seconds < 0:
        raise errors.validation_error("the job's options give no finite duration estimate.")
    return round(min(seconds, float(MAX_SECONDS)), 3)


def _job_fields(private: Any, log_level: Any, runtime: Any, calibration_id: Any) -> dict[str, Any]:
    return {
        "private": boolean(False if private is None else private, "private"),
        "log_level": optional_string(log_level, "log_level", max_length=16) or "WARNING",
        "runtime": optional_string(runtime, "runtime") or "",
        "calibration_id": optional_string(calibration_id, "calibration_id"),
    }


def _tags(tags: Any) -> list[str]:
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise errors.validation_error("tags must be a list of strings.")
    if len(tags) > MAX_TAGS:
        raise errors.too_many_tags(MAX_TAGS)
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise errors.tag_too_long(MAX_TAG_LENGTH)
    return list(tags)


def _matches(job: Job, q: JobFilter) -> bool:
    if job.deleted or job.background:
        return False
    if q.pending is not None and (job.status in PENDING_STATUSES) != q.pending:
        return False
    if q.pending is False and job.status not in FINAL_STATUSES:
        return False
    if q.program is not None and job.program_id != q.program:
        return False
    if q.backend is not None and job.backend_name != q.backend:
        return False
    if q.session_id is not None and job.session_id != q.session_id:
        return False
    if q.tags and not all(tag in job.tags for tag in q.tags):
        return False
    if q.created_after is not None and job.created < q.created_after:
        return False
    return not (q.created_before is not None and job.created > q.created_before)
