"""`mock_runtime()`: the fake as a context manager and decorator; `FakeRuntime`: the running fake."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from fakeqpu.api.app import FakeIbmCloud
from fakeqpu.api.cloud_api import WELL_FORMED_CRN, crn_for_name
from fakeqpu.clock import Clock
from fakeqpu.controls import Controls
from fakeqpu.options import RuntimeOptions
from fakeqpu.service.history_spec import history_spec
from fakeqpu.service.plans import get_plan
from fakeqpu.service.runtime import Instance, RuntimeService

if TYPE_CHECKING:
    from fakeqpu.state.account import Account

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


class FakeRuntime(Controls):
    """A running fake IBM Quantum Platform: its clock, its service model, and the client's view of it."""

    token = TOKEN
    crn = CRN
    instance_name = INSTANCE_NAME

    def __init__(
        self, options: RuntimeOptions, *, fresh: bool = False, unset: Mapping[str, Any] | None = None
    ) -> None:
        """With a state dir: `fresh` starts a new account there instead of the one it keeps (a reset);
        `unset` gives options left None their value in a new account (server mode's auto_tick)."""
        self.account: Account | None = None
        if options.state_dir is not None:
            from fakeqpu.state.account import Account  # the journal, read and replayed below

            self.account = Account.open(options, fresh=fresh, unset=unset)
            options = self.account.options  # the recorded ones
        self.options = options
        self.clock = Clock(options.start)
        plan = get_plan(
            options.plan,
            interactive_ttl=options.interactive_ttl,
            max_ttl=options.max_ttl,
            usage_allocation_seconds=options.usage_allocation_seconds,
        )
        self.crn, self.instance_name = _pinned(options.instance)
        self.model = RuntimeService(
            instance=Instance(self.crn, self.instance_name, plan),
            backends=options.backends,
            now=self.clock.now,
            seed=options.seed,
            job_duration=options.job_duration,
            open_plan_sessions=options.open_plan_sessions,
            user_jumps=self.clock.user_jumps,
            simulation_budget=options.simulation_budget,
            simulation=options.simulation,
        )
        self.app = FakeIbmCloud(
            self.model,
            plan_id=f"fakeqpu-plan-{plan.name}",
            pinned=options.instance is not None,
            account_instances=options.account_instances,
            advance=lambda seconds: self.clock.advance(seconds=seconds),
            auto_tick=float(options.auto_tick or 0.0),
        )
        from fakeqpu.transports.inprocess import Interceptor  # loaded by the first fake only

        self._saved_env: dict[str, str | None] = {}
        for backend, count in (options.background_jobs or {}).items():
            self.model.add_background_load(backend, jobs=count)
        if options.history is not None:
            self.model.add_history_spec(history_spec(options.history))
        self.handle = self.app.handle  # what a transport calls: the app, or the app through the journal
        if self.account is not None:
            try:
                self.account.attach(self.app, self.model, self.clock)
            except BaseException:
                self.account.close()
                raise
            self.handle = self.account.handle
        self._interceptor = Interceptor(self.handle)

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self._interceptor.active

    def start(self) -> FakeRuntime:
        if self.active:
            return self
        if self.account is not None and self.account.journal.closed:
            raise RuntimeError("this fake's state dir is closed: open the account again with a new fake")
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
        self.close()

    def close(self) -> None:
        """Release the state dir (after recording the clock's last instant); nothing without one.

        `stop()` closes; the account is then kept on disk, for a new fake to open.
        """
        if self.account is not None:
            self.account.close()

    def __enter__(self) -> FakeRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _set_env(self) -> None:
        wanted: dict[str, str | None] = {name: None for name in _CLEARED_ENV}
        wanted.update(
            QISKIT_IBM_TOKEN=TOKEN,
            QISKIT_IBM_INSTANCE=self.crn,
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

    def _model(self) -> RuntimeService:
        return self.model

    def _app(self) -> FakeIbmCloud:
        return self.app

    def _clock(self) -> Clock:
        return self.clock

    # -- the client's view ---------------------------------------------------------------------------

    def service(self, **kwargs: Any) -> Any:
        """A real `QiskitRuntimeService` connected to this fake."""
        from qiskit_ibm_runtime import QiskitRuntimeService

        if not self.active or kwargs:
            kwargs.setdefault("channel", "ibm_quantum_platform")
            kwargs.setdefault("token", TOKEN)
            kwargs.setdefault("instance", self.crn)
        return QiskitRuntimeService(**kwargs)  # bare: the account comes from the environment set at start


def _pinned(instance: str | None) -> tuple[str, str]:
    """The fake's own instance: fakeqpu's, or the one `instance=` pins (a CRN, or a name)."""
    if instance is None:
        return CRN, INSTANCE_NAME
    if WELL_FORMED_CRN.match(instance):
        return instance, INSTANCE_NAME
    return crn_for_name(CRN, instance), instance


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
    interactive_ttl, max_ttl, background_jobs, usage_allocation_seconds, instance, account_instances,
    history, auto_tick, state_dir, simulation_budget, simulation (strict, max_jobs and max_qpu_seconds
    are checked by the pytest plugin at teardown). An unknown option raises `OptionError` at once.
    """
    return _MockRuntime(RuntimeOptions.from_kwargs(options))


@contextmanager
def running(options: RuntimeOptions) -> Iterator[FakeRuntime]:
    runtime = FakeRuntime(options).start()
    try:
        yield runtime
    finally:
        runtime.stop()
