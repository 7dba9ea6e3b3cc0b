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
from fakeqpu.backend_data import BackendData, UnknownBackendError, get_backend_data, is_mock, mock_name
from fakeqpu.service import errors
from fakeqpu.service.engine import BACKEND_STATUSES, Engine, Qpu
from fakeqpu.service.faults import JobFaults
from fakeqpu.service.ids import IdFactory
from fakeqpu.service.jobs import FINAL_STATUSES, PENDING_STATUSES, QUEUED, RUNNING, Job, Reason
from fakeqpu.service.plans import Plan
from fakeqpu.service.records import JobRecord, SessionRecord, job_record, session_record
from fakeqpu.service.sessions import DEDICATED, MODES, REASON_IDLE, REASON_MAX_TTL, Session
from fakeqpu.service.timeline import Subject, Timeline, Transitions
from fakeqpu.service.validation import (
    MAX_SECONDS,
    boolean,
    finite_seconds,
    optional_string,
    positive_int_seconds,
)

MAX_TAGS = 8
MAX_TAG_LENGTH = 86
USAGE_WINDOW = timedelta(days=28)
SNAPSHOT_CALIBRATION_ID = "default"  # CHOSEN: the id a backend's one calibration (its snapshot) has

JobDuration = float | Callable[[Job], float] | None


@dataclass(frozen=True)
class Instance:
    crn: str
    name: str
    plan: Plan


@dataclass
class BackendState:
    data: BackendData
    qpu: Qpu  # its status lives in the engine: a paused or offline QPU starts nothing

    @property
    def status(self) -> str:  # online | paused | offline
        return self.qpu.status

    @property
    def reason(self) -> str | None:
        return self.qpu.reason


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
    include_mocks: bool = False


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
        user_jumps: Callable[[], Sequence[tuple[datetime, datetime]]] | None = None,
    ) -> None:
        if open_plan_sessions not in ("job_mode", "reject"):
            raise ValueError("open_plan_sessions must be 'job_mode' or 'reject'")
        self.instance = instance
        self.plan = instance.plan
        self._now = now
        self._ids = IdFactory(seed)
        self._job_duration = job_duration
        self._open_plan_sessions = open_plan_sessions
        self._user_jumps = user_jumps  # the clock's record of time moved by the user's own tools
        self.lock = threading.RLock()
        self.timeline = Timeline()
        self.created_at = now()  # when the instance was provisioned
        self.engine = Engine(self.plan, self.created_at, self.timeline)
        self.job_faults = JobFaults(lambda job: job_record(job, self.engine.now))
        self.engine.faults = self.job_faults
        self.backends: dict[str, BackendState] = {}
        for name in backends:
            try:
                data = get_backend_data(name)
            except UnknownBackendError:
                raise ValueError(
                    f"unknown backend {name!r}: no snapshot in qiskit_ibm_runtime.fake_provider"
                ) from None
            self.engine.add_backend(name)
            self.backends[name] = BackendState(data, self.engine.qpus[name])
        if not self.backends:
            raise ValueError("a fake runtime needs at least one backend")
        # Each device's dry-run counterpart (`mock_<suffix>`), listed only with `include_mocks`.
        self.mock_backends: dict[str, BackendState] = {}
        for name in self.backends:
            mock = get_backend_data(mock_name(name))
            self.engine.add_backend(mock.name)
            self.mock_backends[mock.name] = BackendState(mock, self.engine.qpus[mock.name])
        self._background_count = 0
        self._visible_jobs = 0  # jobs a listing shows: neither deleted nor background
        self._mock_jobs = 0  # dry-run jobs: hidden from a listing without include_mocks

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
        state = self.backends.get(name) or self.mock_backends.get(name)
        if state is None:
            raise errors.backend_not_found(name)
        return state

    def calibrated_backend(self, name: str, calibration_id: str | None) -> BackendState:
        """The backend, if `calibration_id` is absent or names its one calibration (the snapshot's)."""
        state = self.backend(name)
        if calibration_id is not None and calibration_id != SNAPSHOT_CALIBRATION_ID:
            raise errors.calibration_not_found(calibration_id)
        return state

    def has_pending_jobs(self) -> bool:
        """Whether any job (this instance's or background load) is queued or running."""
        with self.lock:
            return any(qpu.running is not None or qpu.queue for qpu in self.engine.qpus.values())

    def queue_length(self, name: str) -> int:
        with self.lock:
            self.sync()
            return self.engine.queue_length(self.backend(name).data.name)

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

    # -- faults and records (the test author's toolkit) --------------------------------------------

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
        """(jobs, sessions, QPU seconds) of this instance so far, without building records."""
        with self.lock:
            self.sync()
            mine = [job for job in self.engine.jobs.values() if not job.background]
            seconds = round(sum(job.qpu_seconds(self.now) for job in mine), 3)
            return len(mine), len(self.engine.sessions), seconds

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
            if program_id not in execution.program_ids():
                raise errors.program_not_found(str(program_id))
            if not isinstance(backend, str) or not backend:
                raise errors.validation_error("the backend field is required.")
            calibration = calibration_id if isinstance(calibration_id, str) else None
            state = self.calibrated_backend(backend, calibration)
            if state.status != "online":
                raise errors.backend_not_available()
            problem = execution.submission_problem(program_id, params, params_wire)
            if problem is not None:
                raise errors.validation_error(problem)
            session = self._session_for_job(session_id, backend)
            job_tags = _tags(tags)
            max_time = self._max_execution_time(cost)
            fields = _job_fields(private, log_level, runtime, calibration_id)
            self._check_usage_limit()
            invalid: Reason | None = None
            prepared: execution.PreparedJob | None = None
            try:
                prepared = execution.prepare(program_id, params, backend, params_wire=params_wire)
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
            refused = self.job_faults.take(job, "submit")
            if refused is not None:
                raise errors.injected(refused.code, refused.message, refused.solution)
            self.engine.submit(job)
            self._visible_jobs += 1
            self._mock_jobs += is_mock(job.backend_name)
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
            raise errors.session_not_accepting(session.closed, self._jump_hint(session))
        if session.backend_name != backend:
            raise errors.validation_error(
                f"session {session_id} runs on {session.backend_name}, not on {backend}."
            )
        return session

    def _jump_hint(self, session: Session) -> str | None:
        """Why a session closed on its own, when a freezegun/time-machine jump of the user's did it."""
        closed = session.closed_at
        if (
            closed is None
            or self._user_jumps is None
            or session.state_reason not in (REASON_IDLE, REASON_MAX_TTL)
        ):
            return None
        for before, after in self._user_jumps():
            if before < closed <= after:
                why = (
                    "with no job for 30 minutes" if session.state_reason == REASON_IDLE else "at its max TTL"
                )
                return (
                    f"fakeqpu: session {session.id} closed {why} during a jump of the clock from "
                    f"{before:%H:%M:%S} to {after:%H:%M:%S} made by freezegun or time-machine in your code. "
                    "Move time with qpu_clock.advance() in smaller steps, or keep a job running across it."
                )
        return None

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
            unfiltered = JobFilter(
                limit=query.limit,
                offset=query.offset,
                descending=query.descending,
                include_mocks=query.include_mocks,
            )
            if query == unfiltered and (query.include_mocks or not self._mock_jobs):
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
            if job.status == RUNNING:  # a queued job is deleted (leaving the queue) as on IBM
                raise errors.job_not_final()
            if job.status == QUEUED:
                self.engine.cancel_job(job)
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
            if not job.final or job.result_deleted:
                return None
            if job.result_text is None:
                job.result_text = self._result_text(job)
                job.compact()
            text = job.result_text
            if job.private:  # IBM serves a private job's result once, then deletes it
                job.result_text, job.result_deleted = None, True
            return text

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
                "allocation": self.plan.usage_allocation_seconds,
                "limit_reached": limit is not None and consumed >= limit,
                "period_start": self.now - USAGE_WINDOW,
                "period_end": self.now,
            }

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
    if is_mock(job.backend_name) and not q.include_mocks:
        return False
    if q.session_id is not None and job.session_id != q.session_id:
        return False
    if q.tags and not all(tag in job.tags for tag in q.tags):
        return False
    if q.created_after is not None and job.created < q.created_after:
        return False
    return not (q.created_before is not None and job.created > q.created_before)
