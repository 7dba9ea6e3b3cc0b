"""pytest plugin (entry point `pytest11`): fixtures, the `fakeqpu` marker, ini and command-line options.

Configuration in force for a test, weakest first: the defaults, ini options (`fakeqpu_plan = open`),
command-line options (`--fakeqpu-plan=open`), then `@pytest.mark.fakeqpu(plan="open")`.

With `--fakeqpu-real` the same fixtures stand for IBM Quantum itself (`fakeqpu.real`, docs/contract.md).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fakeqpu.options import OptionError, RuntimeOptions, UnknownBackendOption
from fakeqpu.real import plugin as real
from fakeqpu.real.divergence import record
from fakeqpu.transports.guard import RealTrafficGuard

if TYPE_CHECKING:  # fakeqpu.mock pulls in qiskit: imported by the first fixture, not by plugin loading
    from fakeqpu.mock import FakeRuntime
    from fakeqpu.serving import FakeServer

MARKER = "fakeqpu"


def _flag(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(text)


_flag.__name__ = "boolean"

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
    "usage_allocation_seconds": int,
    "strict": _flag,
    "max_jobs": int,
    "max_qpu_seconds": float,
    "auto_tick": float,
    "instance": str,
    "account_instances": str,
    "history": str,
    "simulation_budget": float,
    "simulation": str,
}
_SWITCHES = ("strict",)  # on the command line a bare flag: `--fakeqpu-strict`


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakeqpu", "fakeqpu: a fake IBM Quantum Platform")
    for name in _TEXT_OPTIONS:
        parser.addini(f"fakeqpu_{name}", f"fakeqpu default for {name}", default=None)
        if name in _SWITCHES:
            group.addoption(
                f"--fakeqpu-{name.replace('_', '-')}",
                dest=f"fakeqpu_{name}",
                action="store_const",
                const="true",
                default=None,
                help=f"fakeqpu {name} for every test (a marker still overrides it)",
            )
            continue
        group.addoption(
            f"--fakeqpu-{name.replace('_', '-')}",
            dest=f"fakeqpu_{name}",
            default=None,
            help=f"fakeqpu {name} for every test (a marker still overrides it)",
        )
    group.addoption(
        "--fakeqpu-timeline-dir",
        dest="fakeqpu_timeline_dir",
        default=None,
        help="write the SVG timeline of every failed test that used the fake into this directory",
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
    config.pluginmanager.register(UsageReport(), "fakeqpu-usage")
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
    from fakeqpu.mock import running

    with running(options_for(request.node)) as runtime:
        request.node.stash[_RUNTIME] = runtime
        yield runtime
        request.node.stash[_USAGE] = runtime.model.usage_totals()
        problems = _budget_and_leftovers(runtime)
    if problems:
        pytest.fail("fakeqpu: " + "\n".join(problems), pytrace=False)


def _budget_and_leftovers(runtime: FakeRuntime) -> list[str]:
    """What `strict`, `max_jobs` and `max_qpu_seconds` find wrong at teardown, jobs listed."""
    options, problems = runtime.options, []
    if options.strict and (found := runtime.leftovers()):
        problems.append("strict: left over at the end of the test: " + "; ".join(found))
    if options.max_jobs is None and options.max_qpu_seconds is None:
        return problems
    jobs = [job for job in runtime.jobs() if job.created >= runtime.model.created_at]  # not the history
    listing = "".join(f"\n  {j.id} {j.program} on {j.backend}: {j.status}, {j.qpu_seconds} s" for j in jobs)
    if options.max_jobs is not None and len(jobs) > options.max_jobs:
        problems.append(f"max_jobs={options.max_jobs} exceeded: {len(jobs)} jobs submitted:{listing}")
    used = runtime.qpu_seconds()
    if options.max_qpu_seconds is not None and used > options.max_qpu_seconds:
        problems.append(
            f"max_qpu_seconds={options.max_qpu_seconds} exceeded: {used} s of QPU time used:{listing}"
        )
    return problems


_RUNTIME = pytest.StashKey["FakeRuntime"]()
_USAGE = pytest.StashKey[tuple[int, int, float]]()
_PROPERTY = "fakeqpu_usage"  # on each teardown report: travels from xdist workers to the controller


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    runtime = item.stash.get(_RUNTIME, None)
    if runtime is None:
        return
    if report.failed and not item.stash.get(_REPORTED, False):
        item.stash[_REPORTED] = True
        timeline = runtime.timeline()
        report.sections.append(("fakeqpu timeline", timeline.render()))
        folder = item.config.getoption("fakeqpu_timeline_dir", default=None)
        if folder:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_") + ".svg"
            path = timeline.save(Path(folder) / name)
            report.sections.append(("fakeqpu timeline picture", str(path)))
    if report.when == "teardown" and _USAGE in item.stash:
        jobs, sessions, seconds = item.stash[_USAGE]
        report.user_properties.append(
            (_PROPERTY, {"jobs": jobs, "sessions": sessions, "qpu_seconds": seconds})
        )


_REPORTED = pytest.StashKey[bool]()


class UsageReport:
    """Collects each test's fake usage from its teardown report (also those of xdist workers)."""

    def __init__(self) -> None:
        self.totals: dict[str, tuple[int, int, float]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == _PROPERTY and isinstance(value, dict):
                self.totals[report.nodeid] = (value["jobs"], value["sessions"], value["qpu_seconds"])

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        line = usage_summary(self.totals)
        if line:
            terminalreporter.write_line(line)


def usage_summary(totals: Mapping[str, tuple[int, int, float]]) -> str | None:
    """`fakeqpu: N jobs, M sessions, S s simulated QPU time in T tests; top: ...` (None: fake unused)."""
    if not totals:
        return None
    jobs = sum(t[0] for t in totals.values())
    sessions = sum(t[1] for t in totals.values())
    seconds = sum(t[2] for t in totals.values())
    top = sorted(((t[2], nodeid) for nodeid, t in totals.items() if t[2] > 0), key=lambda p: (-p[0], p[1]))[
        :5
    ]
    ranked = ", ".join(f"{nodeid} ({qpu:.1f} s)" for qpu, nodeid in top) or "none"
    return (
        f"fakeqpu: {jobs} jobs, {sessions} sessions, {seconds:.1f} s simulated QPU time "
        f"in {len(totals)} tests; top by QPU time: {ranked}"
    )


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


@pytest.fixture(scope="session")
def fakeqpu_server(request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    """The fake served over HTTP on loopback, for code in other processes (`fakeqpu.serve()`).

    One server for the whole run (`.url` and `.env` stay the same); each test that uses it gets a
    fresh fake, configured like `fake_runtime` (marker, ini and CLI options, seed). Skipped in a real run.
    """
    if real.real_mode(request.config) is not None:
        pytest.skip(real.MODEL_SKIP)
    from fakeqpu.serving import serve

    with serve(**request.config.stash.get(_BASE, {})) as server:
        yield server


@pytest.fixture(autouse=True)
def _fakeqpu_server_reset(request: pytest.FixtureRequest) -> None:
    """Reset the session's served fake before each test that uses it, with that test's options."""
    if "fakeqpu_server" in request.fixturenames and real.real_mode(request.config) is None:
        server: FakeServer = request.getfixturevalue("fakeqpu_server")
        server.reset_to(options_for(request.node))
