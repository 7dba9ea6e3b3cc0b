"""`mock_runtime()`: the fake as a context manager and decorator; `FakeRuntime`: the running fake."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from fakeqpu.api.app import FakeIbmCloud
from fakeqpu.api.request_log import RequestRecord
from fakeqpu.clock import Clock
from fakeqpu.options import RuntimeOptions
from fakeqpu.service.plans import get_plan
from fakeqpu.service.records import JobRecord, SessionRecord
from fakeqpu.service.runtime import Instance, RuntimeService
from fakeqpu.service.timeline import Transitions
from fakeqpu.transport import Interceptor

F = TypeVar("F", bound=Callable[..., Any])

TOKEN = "fakeqpu-api-key"
INSTANCE_NAME = "fakeqpu-instance"
_ACCOUNT = "a/0000000000000000000000000fa4e9b0"
_GUID = "0fa4e9b0-0000-4000-8000-000000000001"
REGION = "us-east"
CRN = f"crn:v1:bluemix:public:quantum-computing:{REGION}:{_ACCOUNT}:{_GUID}::"

# Variables that would send the client elsewhere or read the user's own account; unset inside.
_CLEARED_ENV = (
    "QISKIT_IBM_URL",
    "QISKIT_IBM_CHANNEL",
    "IAM_URL",
    "GLOBAL_SEARCH_URL",
    "GLOBAL_CATALOG_URL",
    "IBM_CREDENTIALS_FILE",
    "QISKIT_FUNCTIONS_EXPERIMENTAL",
)


_RUNNING: list[FakeRuntime] = []  # started fakes, innermost last


def current() -> FakeRuntime:
    """The innermost running fake: for code under `@mock_runtime()` that needs its clock or timeline."""
    if not _RUNNING:
        raise RuntimeError("no fakeqpu runtime is running: use `with fakeqpu.mock_runtime():` or a fixture")
    return _RUNNING[-1]


class FakeRuntime:
    """A running fake IBM Quantum Platform: its clock, its service model, and the client's view of it."""

    token = TOKEN
    crn = CRN
    instance_name = INSTANCE_NAME

    def __init__(self, options: RuntimeOptions) -> None:
        self.options = options
        self.clock = Clock(options.start)
        plan = get_plan(
            options.plan,
            interactive_ttl=options.interactive_ttl,
            max_ttl=options.max_ttl,
            usage_allocation_seconds=options.usage_allocation_seconds,
        )
        self.model = RuntimeService(
            instance=Instance(CRN, INSTANCE_NAME, plan),
            backends=options.backends,
            now=self.clock.now,
            seed=options.seed,
            job_duration=options.job_duration,
            open_plan_sessions=options.open_plan_sessions,
            user_jumps=self.clock.user_jumps,
        )
        self.app = FakeIbmCloud(
            self.model,
            plan_id=f"fakeqpu-plan-{plan.name}",
            advance=lambda seconds: self.clock.advance(seconds=seconds),
            auto_tick=float(options.auto_tick or 0.0),
        )
        self._interceptor = Interceptor(self.app.handle)
        self._saved_env: dict[str, str | None] = {}
        for backend, count in (options.background_jobs or {}).items():
            self.model.add_background_load(backend, jobs=count)

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self._interceptor.active

    def start(self) -> FakeRuntime:
        if self.active:
            return self
        self._set_env()
        self.clock.start()
        self._interceptor.start()
        _RUNNING.append(self)
        return self

    def stop(self) -> None:
        if not self.active:
            return
        if self in _RUNNING:
            _RUNNING.remove(self)
        self._interceptor.stop()
        self.clock.stop()
        self._restore_env()

    def __enter__(self) -> FakeRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _set_env(self) -> None:
        wanted: dict[str, str | None] = {name: None for name in _CLEARED_ENV}
        wanted.update(
            QISKIT_IBM_TOKEN=TOKEN,
            QISKIT_IBM_INSTANCE=CRN,
            QISKIT_IBM_CHANNEL="ibm_quantum_platform",
            USAGE_DATA_OPT_OUT="True",
        )
        self._saved_env = {name: os.environ.get(name) for name in wanted}
        for name, value in wanted.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env = {}

    # -- the client's view ---------------------------------------------------------------------------

    def service(self, **kwargs: Any) -> Any:
        """A real `QiskitRuntimeService` connected to this fake."""
        from qiskit_ibm_runtime import QiskitRuntimeService

        if not self.active or kwargs:
            kwargs.setdefault("channel", "ibm_quantum_platform")
            kwargs.setdefault("token", TOKEN)
            kwargs.setdefault("instance", CRN)
        return QiskitRuntimeService(**kwargs)  # bare: the account comes from the environment set at start

    # -- control -----------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def timeline(self) -> Transitions:
        """Every session and job transition so far, in virtual-time order; `print()` it to read it,
        `.to_svg()` or `.save("timeline.svg")` (or `.html`) to see it as a Gantt chart."""
        return self.model.timeline_entries()

    def add_background_load(self, backend: str, jobs: int = 1, duration: float = 60.0) -> None:
        """Queue `jobs` jobs of other users on `backend`, each `duration` seconds of QPU time."""
        self.model.add_background_load(backend, jobs=jobs, duration=duration)

    def set_backend_status(
        self, name: str, status: str, reason: str | None = None, *, at: Any = None, until: Any = None
    ) -> None:
        """`online`, `paused` or `offline`: what `backend.status()` and `least_busy` see.

        `paused` and `offline` stop the QPU: queued jobs wait, the running job finishes, new jobs are
        refused (1004); `online` resumes. `at` and `until` (a datetime, an ISO 8601 string, or seconds
        from now) schedule it on the virtual clock: `until` is when the backend is `online` again.
        """
        self.model.set_backend_status(name, status, reason, at=at, until=until)

    # -- faults ----------------------------------------------------------------------------------------

    def fail_jobs(
        self,
        code: int,
        message: str | None = None,
        *,
        match: Callable[[JobRecord], bool] | None = None,
        times: int = 1,
        at: str = "start",
    ) -> dict[str, Any]:
        """The next `times` jobs that `match` end `Failed` with IBM error `code` (and `message`).

        `at="start"`: when they reach the QPU; `at="run"`: half-way through their run; `at="submit"`:
        the POST answers the error (HTTP 400), so the client raises and no job exists.
        """
        return self.model.fail_jobs(code, message, match=match, times=times, at=at)

    def http_fault(
        self,
        *,
        status: int | None = None,
        error: BaseException | type[BaseException] | None = None,
        method: str | None = None,
        path: str | Any = None,
        times: int = 1,
        retry_after: float | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """The next `times` requests that match `method` and `path` answer `status` in IBM's envelope
        (with `Retry-After` when given; `body` replaces the envelope) or raise `error` in the client.

        `path` is a route like `"/jobs/{job_id}"` (with or without `/api/v1`) or a compiled regex
        searched in the URL's path. A faulted request never reaches the service: nothing changes.
        """
        return self.app.http_fault(
            status=status,
            error=error,
            method=method,
            path=path,
            times=times,
            retry_after=retry_after,
            body=body,
        )

    def expire_tokens(self) -> None:
        """Every IAM token issued so far is refused (401) from now on: the client must get a new one."""
        self.app.expire_tokens()

    def faults(self) -> list[dict[str, Any]]:
        """The job and HTTP faults not yet used up, as dicts."""
        return self.app.faults()

    def clear_faults(self) -> None:
        self.app.clear_faults()

    # -- inspection (the stable records; `model` is internal) -----------------------------------------

    def jobs(self) -> list[JobRecord]:
        """Every job of this instance in submission order: read-only `JobRecord` snapshots."""
        return self.model.job_records()

    def sessions(self) -> list[SessionRecord]:
        """Every session and batch in creation order: read-only `SessionRecord` snapshots."""
        return self.model.session_records()

    def requests(self) -> list[RequestRecord]:
        """Every request the fake answered, in order: `RequestRecord(method, path, status, seconds...)`."""
        return self.app.requests()

    def leftovers(self) -> list[str]:
        """Sessions left open and jobs left non-final, one line each (empty when all is tidy)."""
        found = [f"session {s.id} ({s.mode}) is {s.state}" for s in self.sessions() if s.open]
        found += [f"job {j.id} is {j.status}" for j in self.jobs() if not j.final]
        return found

    def assert_no_leftovers(self) -> None:
        """Fail (AssertionError) when a session is left open or a job non-final, naming them."""
        found = self.leftovers()
        if found:
            raise AssertionError("fakeqpu: left over at the end of the test: " + "; ".join(found))

    def qpu_seconds(self) -> float:
        """Simulated QPU seconds used so far by this instance's jobs."""
        return self.model.usage_totals()[2]

    @property
    def requests_served(self) -> int:
        return self.app.requests_served


class _MockRuntime:
    """What `mock_runtime()` returns: a context manager that is also a decorator."""

    def __init__(self, options: RuntimeOptions) -> None:
        self._options = options
        self._running: list[FakeRuntime] = []

    def __enter__(self) -> FakeRuntime:
        runtime = FakeRuntime(self._options).start()
        self._running.append(runtime)
        return runtime

    def __exit__(self, *exc: object) -> None:
        self._running.pop().stop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _MockRuntime(self._options):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def mock_runtime(**options: Any) -> _MockRuntime:
    """A fake IBM Quantum Platform for the duration of a `with` block or a decorated function.

    Options (all optional): plan, open_plan_sessions, backends, job_duration, seed, start,
    interactive_ttl, max_ttl, background_jobs, auto_tick (strict, max_jobs and max_qpu_seconds are
    checked by the pytest plugin at teardown). An unknown option raises `OptionError` at once.
    """
    return _MockRuntime(RuntimeOptions.from_kwargs(options))


@contextmanager
def running(options: RuntimeOptions) -> Iterator[FakeRuntime]:
    runtime = FakeRuntime(options).start()
    try:
        yield runtime
    finally:
        runtime.stop()
