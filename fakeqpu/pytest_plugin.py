"""pytest plugin (entry point `pytest11`): fixtures, the `fakeqpu` marker, ini and command-line options.

Configuration in force for a test, weakest first: the defaults, ini options (`fakeqpu_plan = open`),
command-line options (`--fakeqpu-plan=open`), then `@pytest.mark.fakeqpu(plan="open")`.

With `--fakeqpu-real` the same fixtures stand for IBM Quantum itself (`fakeqpu.real`, docs/contract.md).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from fakeqpu import real
from fakeqpu.divergence import record
from fakeqpu.guard import RealTrafficGuard
from fakeqpu.mock import FakeRuntime, running
from fakeqpu.options import OptionError, RuntimeOptions, UnknownBackendOption

MARKER = "fakeqpu"
# Options that ini files and the command line can set, and how to read their text.
_TEXT_OPTIONS: dict[str, Any] = {
    "plan": str,
    "open_plan_sessions": str,
    "backends": str,
    "job_duration": float,
    "seed": int,
    "start": str,
    "interactive_ttl": int,
    "max_ttl": int,
    "instance": str,
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakeqpu", "fakeqpu: a fake IBM Quantum Platform")
    for name in _TEXT_OPTIONS:
        parser.addini(f"fakeqpu_{name}", f"fakeqpu default for {name}", default=None)
        group.addoption(
            f"--fakeqpu-{name.replace('_', '-')}",
            dest=f"fakeqpu_{name}",
            default=None,
            help=f"fakeqpu {name} for every test (a marker still overrides it)",
        )
    group.addoption(
        "--fakeqpu-allow-real",
        action="store_true",
        default=False,
        help="let requests to IBM hosts that no fake answers reach the network",
    )
    real.add_options(group)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): configure the fake IBM Quantum Platform of this test "
        f"(options: {', '.join(RuntimeOptions.names())})",
    )
    real.register_markers(config)
    try:
        config.stash[_BASE] = _base_options(config)
        RuntimeOptions.from_kwargs(config.stash[_BASE])
    except UnknownBackendOption:
        pass  # an error for each test that uses the fake, not for the session (clients differ)
    except (OptionError, ValueError) as error:
        raise pytest.UsageError(f"fakeqpu: {error}") from None
    if real.configure(config) is None and not config.getoption("fakeqpu_allow_real", default=False):
        guard = RealTrafficGuard()
        guard.install()
        config.stash[_GUARD] = guard


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(_GUARD, None)
    if guard is not None:
        guard.uninstall()


_BASE = pytest.StashKey[Mapping[str, Any]]()
_GUARD = pytest.StashKey[RealTrafficGuard]()
# Real client objects, built once per process and configuration: a QiskitRuntimeService costs ~50 ms
# of client-side work (two SSL contexts, instance discovery) and an IBMBackend builds its Target once.
# They hold only static data (account, instance, configurations, calibration); each test still gets its
# own fake, clock and model.
_CLIENTS: dict[tuple[Any, ...], Any] = {}


def _base_options(config: pytest.Config) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, convert in _TEXT_OPTIONS.items():
        raw = config.getoption(f"fakeqpu_{name}", default=None)
        if raw is None:
            raw = config.getini(f"fakeqpu_{name}") or None
        if raw is None:
            continue
        try:
            found[name] = convert(raw)
        except ValueError:
            raise OptionError(f"{name} = {raw!r} is not a valid {convert.__name__}") from None
    return found


def options_for(item: pytest.Item) -> RuntimeOptions:
    base: Mapping[str, Any] = item.config.stash.get(_BASE, {})
    merged = dict(base)
    for marker in reversed(list(item.iter_markers(MARKER))):  # the closest marker wins
        if marker.args:
            raise OptionError(f"@pytest.mark.{MARKER} takes keyword options only, not {marker.args!r}")
        merged.update(marker.kwargs)
    if merged.get("seed") is None:
        merged["seed"] = seed_for(item.nodeid)
    return RuntimeOptions.from_kwargs(merged)


def seed_for(nodeid: str) -> int:
    """The seed of a test that sets none: stable across runs and machines, different between tests."""
    return zlib.crc32(nodeid.encode())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker(MARKER) is None:
            continue
        try:
            options_for(item)
        except UnknownBackendOption:
            continue  # the test fails when its fixture asks for the backend
        except OptionError as error:
            raise pytest.UsageError(f"{item.nodeid}: {error}") from None


def pytest_report_header(config: pytest.Config) -> str:
    mode = real.real_mode(config)
    if mode is not None:
        return mode.header()
    base: Mapping[str, Any] = config.stash.get(_BASE, {})
    try:
        merged = RuntimeOptions.from_kwargs(base)
    except UnknownBackendOption as error:
        return f"fakeqpu: {error} (tests that use the fake will fail)"
    guard = "off (--fakeqpu-allow-real)" if config.getoption("fakeqpu_allow_real", default=False) else "on"
    seed = "per test (from its id)" if merged.seed is None else merged.seed
    duration = "IBM estimate" if merged.job_duration is None else merged.job_duration
    return (
        f"fakeqpu: plan={merged.plan}, backends={','.join(merged.backends)}, seed={seed}, "
        f"job_duration={duration}; real-IBM guard {guard}"
    )


@pytest.fixture
def fake_runtime(request: pytest.FixtureRequest) -> Iterator[FakeRuntime]:
    """The running fake IBM Quantum Platform of this test (marker, ini and CLI options applied).

    Skipped in a real run (`--fakeqpu-real`): there is no fake to hold.
    """
    if real.real_mode(request.config) is not None:
        pytest.skip(real.MODEL_SKIP)
    with running(options_for(request.node)) as runtime:
        yield runtime


@pytest.fixture
def qpu_clock(request: pytest.FixtureRequest) -> Any:
    """The fake's virtual clock: `advance(...)`, `travel_to(...)`, `now()`. Skipped in a real run."""
    if real.real_mode(request.config) is not None:
        pytest.skip(real.CLOCK_SKIP)
    runtime: FakeRuntime = request.getfixturevalue("fake_runtime")
    return runtime.clock


def _client_key(runtime: FakeRuntime) -> tuple[Any, ...]:
    return (runtime.options.plan, runtime.options.backends)


@pytest.fixture
def fake_service(request: pytest.FixtureRequest) -> Any:
    """A real `QiskitRuntimeService` connected to the fake (reused within the process, see `_CLIENTS`).

    In a real run: `QiskitRuntimeService()` from the user's credentials.
    """
    mode = real.real_mode(request.config)
    if mode is not None:
        return mode.service_for(options_for(request.node))
    fake_runtime: FakeRuntime = request.getfixturevalue("fake_runtime")
    key = ("service", *_client_key(fake_runtime))
    if key not in _CLIENTS:
        _CLIENTS[key] = fake_runtime.service()
    return _CLIENTS[key]


@pytest.fixture
def fake_backend(request: pytest.FixtureRequest, fake_service: Any) -> Any:
    """A real `IBMBackend`: the first backend of the fleet (`ibm_torino` by default).

    In a real run: `--fakeqpu-real-backend`, or the least busy QPU.
    """
    mode = real.real_mode(request.config)
    if mode is not None:
        return mode.backend()
    fake_runtime: FakeRuntime = request.getfixturevalue("fake_runtime")
    name = fake_runtime.options.backends[0]
    key = ("backend", name, *_client_key(fake_runtime))
    if key not in _CLIENTS:
        _CLIENTS[key] = fake_service.backend(name)
    return _CLIENTS[key]


@pytest.fixture
def fake_session(request: pytest.FixtureRequest, fake_backend: Any) -> Iterator[Any]:
    """A real, open `Session` on `fake_backend`; closed at teardown.

    In a real run its `max_time` is short, and it is cancelled at teardown if closing leaves work queued.
    """
    from qiskit_ibm_runtime import Session

    mode = real.real_mode(request.config)
    session = mode.open(Session, fake_backend) if mode is not None else Session(backend=fake_backend)
    yield session
    session.close()


@pytest.fixture
def fake_batch(request: pytest.FixtureRequest, fake_backend: Any) -> Iterator[Any]:
    """A real, open `Batch` on `fake_backend`; closed at teardown (as `fake_session` in a real run)."""
    from qiskit_ibm_runtime import Batch

    mode = real.real_mode(request.config)
    batch = mode.open(Batch, fake_backend) if mode is not None else Batch(backend=fake_backend)
    yield batch
    batch.close()


@pytest.fixture
def contract_record(request: pytest.FixtureRequest) -> Callable[[str, Any], None]:
    """`contract_record(name, value)`: note what the service answered; a real run's divergence report
    lists it under the test, so the fidelity table can be updated from what IBM actually said."""
    return functools.partial(record, request.node)
