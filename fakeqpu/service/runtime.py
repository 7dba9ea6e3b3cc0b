"""The service: one instance of one plan, a fleet of backends, its sessions and jobs, behind one lock.

No HTTP here. Every public method takes the lock, brings the model up to the clock's now, and then
acts; a domain error is raised as a `ServiceError` subclass carrying IBM's code.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fakeqpu import execution
from fakeqpu.backend_data import BackendData, UnknownBackendError, get_backend_data, is_mock, mock_name
from fakeqpu.service import errors
from fakeqpu.service.engine import ONLINE, Engine, Qpu
from fakeqpu.service.faults import JobFaults
from fakeqpu.service.ids import IdFactory
from fakeqpu.service.jobs import QUEUED, RUNNING, Job, Reason
from fakeqpu.service.listing import JobFilter, page_of_jobs
from fakeqpu.service.plans import Plan
from fakeqpu.service.records import job_record
from fakeqpu.service.sessions import DEDICATED, MODES, Session, jump_hint
from fakeqpu.service.timeline import Timeline
from fakeqpu.service.toolkit import Toolkit
from fakeqpu.service.validation import (
    MAX_SECONDS,
    estimate_seconds,
    finite_seconds,
    job_fields,
    max_ttl_seconds,
    tag_list,
)

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


class RuntimeService(Toolkit):
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
        simulation_budget: float | None = None,
        simulation: str = "auto",
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
        self.simulation = execution.SimulationPolicy(
            budget_seconds=execution.DEFAULT_BUDGET_SECONDS
            if simulation_budget is None
            else simulation_budget,
            mode=simulation,
        )
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

    def waiting_outlook(self) -> tuple[bool, datetime | None, tuple[str, ...]]:
        """What a busy poll loop waits on: (whether a job is queued or running, when time alone next
        changes the model (None: never), why queued jobs cannot start)."""
        with self.lock:
            self.sync()
            next_change = self.engine.next_event()
            qpus = self.engine.qpus.values()
            pending = any(qpu.running is not None or qpu.queue for qpu in qpus)
            blocked = tuple(
                f"{qpu.backend_name} is {qpu.status} with {len(qpu.queue)} queued job(s)"
                for qpu in qpus
                if qpu.queue and qpu.status != ONLINE and not qpu.schedule
            )
            return pending, next_change, blocked

    def queue_length(self, name: str) -> int:
        with self.lock:
            self.sync()
            return self.engine.queue_length(self.backend(name).data.name)

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
            ttl = limit if max_ttl is None else max_ttl_seconds(max_ttl)
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
            job_tags = tag_list(tags)
            max_time = self._max_execution_time(cost)
            fields = job_fields(private, log_level, runtime, calibration_id)
            self._check_usage_limit()
            invalid: Reason | None = None
            prepared: execution.PreparedJob | None = None
            try:
                prepared = execution.prepare(program_id, params, backend, params_wire=params_wire)
                estimate = prepared.estimated_seconds
                if self.simulation.exact_only:
                    execution.check_exact(prepared, self.simulation)
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
                estimated_seconds=estimate_seconds(estimate),
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
            raise errors.session_not_accepting(session.closed, jump_hint(session, self._user_jumps))
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

    def duration_of(self, job: Job) -> float:
        """The QPU seconds `job` takes: the `job_duration` option, or IBM's estimate."""
        return self._duration_of(job)

    def count_history(self, jobs: int) -> None:
        """`jobs` more jobs to list: an account's history joined the model."""
        self._visible_jobs += jobs

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
        """Matching jobs in the requested page, and how many match in all."""
        with self.lock:
            self.sync()
            return page_of_jobs(
                self.engine, query, visible=self._visible_jobs, any_mocks=bool(self._mock_jobs)
            )

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
            job.tags = tag_list(tags)

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
        if job.status == "Completed" and not job.background:
            assert job.started_at is not None and job.finished_at is not None
            policy = dataclasses.replace(self.simulation, job_id=job.id)
            try:
                # an account's history prepares its jobs only when their results are asked for
                prepared = job.prepared or execution.prepare_from_wire(
                    job.program_id, job.wire_params(), job.backend_name
                )
                text, reports = execution.run_reported(
                    prepared,
                    seed=job.simulation_seed,
                    start=job.started_at,
                    stop=job.finished_at,
                    policy=policy,
                )
                job.simulation = reports
                return text
            except execution.ExecutionError as exc:
                return f"Error code {exc.code}; {exc.message}"
        if job.reason is not None:
            return f"Error code {job.reason.code}; {job.reason.message}"
        return f"Job {job.id} was {job.status.lower()}."

    def simulations(self) -> list[dict[str, Any]]:
        """The simulations under way (no lock: a result being computed holds it)."""
        return execution.simulations_under_way()

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
