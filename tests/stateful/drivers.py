"""Two ways to drive fakeqpu for the lifecycle machine: the real client over HTTP, or the service alone.

Both answer in the same terms (`SeenSession`, `SeenJob`), so one machine checks both against the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from fakeqpu.testing import model as m

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BACKEND = "ibm_torino"
SHOTS = 10
CLIENT_TO_SERVER = {client: server for server, client in m.CLIENT_JOB_STATUS.items()}


class Rejected(Exception):
    """The job was refused: by the client (after its own close) or by the service."""


class NotCancellable(Exception):
    """`job.cancel()` on a final job."""


class WrongMode(Exception):
    """`Batch.from_id` of a session, or `Session.from_id` of a batch."""


@dataclass(frozen=True)
class Config:
    job_duration: float
    interactive_ttl: int | None = None  # the instance's configured values (None: the plan's)
    max_ttl: int | None = None


@dataclass
class SeenSession:
    id: str
    mode: str
    state: str
    accepting_jobs: bool
    status: str  # the client's status() words
    interactive_ttl: float
    max_ttl: float
    active_ttl: int | None
    started_at: datetime | None
    activated_at: datetime | None
    closed_at: datetime | None
    last_job_started: datetime | None
    last_job_completed: datetime | None
    usage: float | None
    timestamps: list[tuple[str, datetime]]
    state_reason: str | None = None
    reason_seen: bool = False  # whether state_reason was fetched


@dataclass
class SeenJob:
    id: str
    status: str  # server words: Queued, Running, Completed, Failed, Cancelled
    reason_code: int | None
    created: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    times_seen: bool = False


@dataclass
class Handle:
    """A session object the test holds (several may share one session id, through from_id)."""

    session_id: str
    mode: str
    obj: Any = None


@dataclass
class JobHandle:
    job_id: str
    session_id: str | None
    obj: Any = None


class Driver(Protocol):
    def now(self) -> datetime: ...
    def advance(self, seconds: float) -> None: ...
    def sleep(self, seconds: float) -> None: ...
    def open_session(self, mode: str, max_time: int | None) -> Handle: ...
    def from_id(self, handle: Handle, *, wrong_class: bool) -> Handle: ...
    def submit(self, handle: Handle | None, program: str) -> JobHandle: ...
    def close(self, handle: Handle) -> None: ...
    def cancel(self, handle: Handle) -> None: ...
    def cancel_job(self, job: JobHandle) -> None: ...
    def observe_session(self, handle: Handle, *, full: bool, reason: bool) -> SeenSession: ...
    def observe_job(self, job: JobHandle, *, fresh: bool, times: bool) -> SeenJob: ...
    def wait(self, job: JobHandle, poll: float) -> None: ...
    def check_result(self, job: JobHandle, status: str) -> None: ...
    def job_ids(self) -> set[str]: ...
    def stop(self) -> None: ...


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


# -- the service alone -----------------------------------------------------------------------------


class ServiceDriver:
    """`fakeqpu.service.runtime.RuntimeService` with a hand-moved clock: no HTTP, no client."""

    def __init__(self, config: Config, pubs: Callable[[str], dict[str, Any]]) -> None:
        from fakeqpu.service.plans import get_plan
        from fakeqpu.service.runtime import Instance, RuntimeService

        self._now = START
        plan = get_plan("premium", interactive_ttl=config.interactive_ttl, max_ttl=config.max_ttl)
        self.service = RuntimeService(
            instance=Instance("crn:fakeqpu-stateful", "stateful", plan),
            backends=[BACKEND],
            now=lambda: self._now,
            seed=0,
            job_duration=config.job_duration,
        )
        self._pubs = pubs

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self.service.sync()

    sleep = advance

    def open_session(self, mode: str, max_time: int | None) -> Handle:
        session = self.service.create_session(mode=mode, backend=BACKEND, max_ttl=max_time)
        return Handle(session.id, mode, session)

    def from_id(self, handle: Handle, *, wrong_class: bool) -> Handle:
        session = self.service.session(handle.session_id)
        wanted = {m.DEDICATED: m.BATCH, m.BATCH: m.DEDICATED}[handle.mode] if wrong_class else handle.mode
        if session.mode != wanted:
            raise WrongMode(session.mode)
        return Handle(session.id, session.mode, session)

    def submit(self, handle: Handle | None, program: str) -> JobHandle:
        from fakeqpu.service.errors import InvalidRequestError

        try:
            job = self.service.submit_job(
                program_id=program,
                backend=BACKEND,
                params_wire={},
                params=self._pubs(program),
                session_id=handle.session_id if handle else None,
            )
        except InvalidRequestError as error:
            if error.code == m.SESSION_CLOSED_CODE:
                raise Rejected(str(error)) from None
            raise
        assert job.invalid is None, job.invalid
        return JobHandle(job.id, job.session_id, job)

    def close(self, handle: Handle) -> None:
        self.service.set_accepting_jobs(handle.session_id, False)

    def cancel(self, handle: Handle) -> None:
        self.service.cancel_session(handle.session_id)

    def cancel_job(self, job: JobHandle) -> None:
        from fakeqpu.service.errors import ConflictError

        try:
            self.service.cancel_job(job.job_id)
        except ConflictError as error:
            raise NotCancellable(str(error)) from None

    def observe_session(self, handle: Handle, *, full: bool, reason: bool) -> SeenSession:
        s = self.service.session(handle.session_id)
        return SeenSession(
            id=s.id,
            mode=s.mode,
            state=s.state,
            accepting_jobs=s.accepting_jobs,
            status=m.client_session_status(s.state, s.accepting_jobs),
            interactive_ttl=s.interactive_ttl,
            max_ttl=s.max_ttl,
            active_ttl=None,  # a wire field: only the client level sees it
            started_at=s.started_at,
            activated_at=s.activated_at,
            closed_at=s.closed_at,
            last_job_started=s.last_job_started,
            last_job_completed=s.last_job_completed,
            usage=self.service.session_usage(s),
            timestamps=list(s.timestamps),
            state_reason=s.state_reason,
            reason_seen=True,
        )

    def observe_job(self, job: JobHandle, *, fresh: bool, times: bool) -> SeenJob:
        record = self.service.job(job.job_id)
        return SeenJob(
            record.id,
            record.status,
            record.reason.code if record.reason else None,
            record.created,
            record.started_at,
            record.finished_at,
            times_seen=True,
        )

    def wait(self, job: JobHandle, poll: float) -> None:
        while not self.service.job(job.job_id).final:
            self.advance(poll)

    def check_result(self, job: JobHandle, status: str) -> None:
        text = self.service.job_result_text(job.job_id)
        assert text is not None
        if status == m.FAILED:
            assert "1217" in text, text
        elif status == m.COMPLETED:
            assert text.lstrip().startswith("{"), text[:200]

    def job_ids(self) -> set[str]:
        return {job.id for job in self.service.engine.jobs.values() if not job.background}

    def stop(self) -> None:
        pass


# -- the real client over HTTP ---------------------------------------------------------------------


def _primitives(count: int) -> tuple[Any, Any]:
    """The client-side Sampler and Estimator for this submission, or None for the legacy ones."""
    try:
        from qiskit_ibm_runtime.executor_estimator import Estimator
        from qiskit_ibm_runtime.executor_sampler import Sampler
    except ImportError:  # clients before 0.50
        return None, None
    return (Sampler if count % 2 == 0 else None), (Estimator if count % 40 == 8 else None)


@dataclass
class ClientKit:
    """Client objects built once per test function and shared by every example."""

    service: Any
    backend: Any
    bell: Any  # measured ISA Bell circuit
    zz: tuple[Any, Any]  # unmeasured ISA Bell circuit and a ZZ observable on its layout
    cache: dict[str, Any] = field(default_factory=dict)


class ClientDriver:
    """The real qiskit-ibm-runtime client against a fresh `fakeqpu.mock_runtime(...)`."""

    def __init__(self, config: Config, kit: ClientKit) -> None:
        import fakeqpu

        self.kit = kit
        self._context = fakeqpu.mock_runtime(
            plan="premium",
            backends=[BACKEND],
            job_duration=config.job_duration,
            seed=0,
            start=START,
            interactive_ttl=config.interactive_ttl,
            max_ttl=config.max_ttl,
        )
        self.runtime = self._context.__enter__()
        self._api = kit.service._get_api_client()

    def now(self) -> datetime:
        now: datetime = self.runtime.clock.now()
        return now

    def advance(self, seconds: float) -> None:
        self.runtime.clock.advance(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)  # virtual while the fake runs

    def open_session(self, mode: str, max_time: int | None) -> Handle:
        from qiskit_ibm_runtime import Batch, Session

        cls = Session if mode == m.DEDICATED else Batch
        session = cls(backend=self.kit.backend, max_time=max_time)
        return Handle(session.session_id, mode, session)

    def from_id(self, handle: Handle, *, wrong_class: bool) -> Handle:
        from qiskit_ibm_runtime import Batch, Session
        from qiskit_ibm_runtime.exceptions import IBMInputValueError

        is_session = (handle.mode == m.DEDICATED) != wrong_class
        cls = Session if is_session else Batch
        try:
            again = cls.from_id(handle.session_id, service=self.kit.service)
        except IBMInputValueError as error:
            raise WrongMode(str(error)) from None
        return Handle(handle.session_id, handle.mode, again)

    def submit(self, handle: Handle | None, program: str) -> JobHandle:
        from qiskit_ibm_runtime import EstimatorV2, SamplerV2
        from qiskit_ibm_runtime.exceptions import IBMRuntimeError

        mode = handle.obj if handle else self.kit.backend
        # The client's current primitives (program `executor`) take every other Sampler job and
        # one Estimator job in 40 (its whole-device templates cost ~1 s); counted over the test.
        count = self.kit.cache["submitted"] = self.kit.cache.get("submitted", 0) + 1
        sampler, estimator = _primitives(count)
        try:
            if program == "sampler":
                job = (sampler or SamplerV2)(mode=mode).run([self.kit.bell], shots=SHOTS)
            elif estimator is not None:
                current = estimator(mode=mode)
                current.options.resilience_level = 0
                job = current.run([self.kit.zz], precision=0.5)
            else:
                job = EstimatorV2(mode=mode).run([self.kit.zz], precision=0.5)
        except IBMRuntimeError as error:
            text = str(error)
            if "The session is closed." in text or '"code": 1217' in text:
                raise Rejected(text) from None
            raise
        return JobHandle(job.job_id(), handle.session_id if handle else None, job)

    def close(self, handle: Handle) -> None:
        handle.obj.close()

    def cancel(self, handle: Handle) -> None:
        handle.obj.cancel()

    def cancel_job(self, job: JobHandle) -> None:
        from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

        try:
            job.obj.cancel()
        except RuntimeInvalidStateError as error:
            raise NotCancellable(str(error)) from None

    def observe_session(self, handle: Handle, *, full: bool, reason: bool) -> SeenSession:
        session = handle.obj
        details = session.details()
        assert details is not None
        state, accepting = details["state"], details["accepting_jobs"]
        status = session.status() if full else m.client_session_status(state, accepting)
        usage = session.usage() if full else details["usage_time"]
        assert usage == details["usage_time"], (usage, details["usage_time"])  # same instant, same answer
        seen = SeenSession(
            id=details["id"],
            mode=details["mode"],
            state=state,
            accepting_jobs=accepting,
            status=status,
            interactive_ttl=details["interactive_timeout"],
            max_ttl=details["max_time"],
            active_ttl=details["active_timeout"],
            started_at=_parse(details["started_at"]),
            activated_at=_parse(details["activated_at"]),
            closed_at=_parse(details["closed_at"]),
            last_job_started=_parse(details["last_job_started"]),
            last_job_completed=_parse(details["last_job_completed"]),
            usage=usage,
            timestamps=[(t["status"], _parse(t["timestamp"])) for t in details["timestamps"]],  # type: ignore[misc]
        )
        if reason:
            seen.state_reason = self._api.session_details(handle.session_id).get("state_reason")
            seen.reason_seen = True
        return seen

    def observe_job(self, job: JobHandle, *, fresh: bool, times: bool) -> SeenJob:
        if fresh:
            state = self._api.job_get(job.job_id)["state"]
            word, code = state["status"], state.get("reason_code")
            assert word in m.CLIENT_JOB_STATUS, word
        else:
            client_word = job.obj.status()
            assert client_word in CLIENT_TO_SERVER, client_word
            word, code = CLIENT_TO_SERVER[client_word], job.obj._reason_code
        seen = SeenJob(job.job_id, word, code, created=job.obj.creation_date)
        if times:
            stamps = job.obj.metrics()["timestamps"]
            seen.created = _parse(stamps["created"])
            seen.started = _parse(stamps["running"])
            seen.finished = _parse(stamps["finished"])
            seen.times_seen = True
        return seen

    def wait(self, job: JobHandle, poll: float) -> None:
        job.obj.wait_for_final_state(poll_interval=poll)

    def check_result(self, job: JobHandle, status: str) -> None:
        from qiskit.primitives import PrimitiveResult
        from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError, RuntimeJobFailureError

        if status == m.COMPLETED:
            result = job.obj.result()
            assert isinstance(result, PrimitiveResult) and len(result) == 1
        elif status == m.FAILED:
            try:
                job.obj.result()
            except RuntimeJobFailureError as error:
                assert "1217" in str(error), str(error)
            else:
                raise AssertionError("result() of a failed job did not raise")
        else:
            try:
                job.obj.result()
            except RuntimeInvalidStateError:
                pass
            else:
                raise AssertionError("result() of a cancelled job did not raise")

    def job_ids(self) -> set[str]:
        listing = self._api.jobs_get(limit=200)  # GET /jobs, as service.jobs() sends it
        assert listing["count"] == len(listing["jobs"]), listing["count"]
        return {job["id"] for job in listing["jobs"]}

    def stop(self) -> None:
        self._context.__exit__(None, None, None)
