"""pytest plugin (entry point `pytest11`): fixtures, the `fakeqpu` marker, ini and command-line options.

Configuration in force for a test, weakest first: the defaults, ini options (`fakeqpu_plan = open`),
command-line options (`--fakeqpu-plan=open`), then `@pytest.mark.fakeqpu(plan="open")`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fakeqpu.mock import FakeRuntime, running
from fakeqpu.options import OptionError, RuntimeOptions

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
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakeqpu", "fakeqpu: a fake IBM Quantum Platform")
    for name in _TEXT_OPTIONS:
        parser.addini(f"fakeqpu_{name}", f"fakeqpu default for {name}", default=None)
        group.addoption(f"--fakeqpu-{name.replace('_', '-')}", dest=f"fakeqpu_{name}", default=None,
                        help=f"fakeqpu {name} for every test (a marker still overrides it)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): configure the fake IBM Quantum Platform of this test "
        f"(options: {', '.join(RuntimeOptions.names())})",
    )
    try:
        config.stash[_BASE] = _base_options(config)
        RuntimeOptions.from_kwargs(config.stash[_BASE])
    except (OptionError, ValueError) as error:
        raise pytest.UsageError(f"fakeqpu: {error}") from None


_BASE = pytest.StashKey[dict[str, Any]]()


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
    merged = dict(item.config.stash.get(_BASE, {}))
    for marker in reversed(list(item.iter_markers(MARKER))):  # the closest marker wins
        if marker.args:
            raise OptionError(f"@pytest.mark.{MARKER} takes keyword options only, not {marker.args!r}")
        merged.update(marker.kwargs)
    return RuntimeOptions.from_kwargs(merged)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker(MARKER) is None:
            continue
        try:
            options_for(item)
        except OptionError as error:
            raise pytest.UsageError(f"{item.nodeid}: {error}") from None


def pytest_report_header(config: pytest.Config) -> str:
    base = config.stash.get(_BASE, {})
    shown = ", ".join(f"{k}={v}" for k, v in sorted(base.items())) or "defaults"
    defaults = RuntimeOptions()
    return f"fakeqpu: plan={base.get('plan', defaults.plan)}; configured: {shown}"


@pytest.fixture
def fake_runtime(request: pytest.FixtureRequest) -> Iterator[FakeRuntime]:
    """The running fake IBM Quantum Platform of this test (marker, ini and CLI options applied)."""
    with running(options_for(request.node)) as runtime:
        yield runtime


@pytest.fixture
def qpu_clock(fake_runtime: FakeRuntime) -> Any:
    """The fake's virtual clock: `advance(...)`, `travel_to(...)`, `now()`."""
    return fake_runtime.clock


@pytest.fixture
def fake_service(fake_runtime: FakeRuntime) -> Any:
    """A real `QiskitRuntimeService` connected to the fake."""
    return fake_runtime.service()


@pytest.fixture
def fake_backend(fake_service: Any, fake_runtime: FakeRuntime) -> Any:
    """A real `IBMBackend`: the first backend of the fleet (`ibm_torino` by default)."""
    return fake_service.backend(fake_runtime.options.backends[0])


@pytest.fixture
def fake_session(fake_backend: Any) -> Iterator[Any]:
    """A real, open `Session` on `fake_backend`; closed at teardown."""
    from qiskit_ibm_runtime import Session

    session = Session(backend=fake_backend)
    yield session
    session.close()


@pytest.fixture
def fake_batch(fake_backend: Any) -> Iterator[Any]:
    """A real, open `Batch` on `fake_backend`; closed at teardown."""
    from qiskit_ibm_runtime import Batch

    batch = Batch(backend=fake_backend)
    yield batch
    batch.close()
