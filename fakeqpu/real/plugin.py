"""Real mode (`pytest --fakeqpu-real`): the plugin's fixtures stand for IBM Quantum itself.

`fake_service` is `QiskitRuntimeService()` from the user's credentials, `fake_backend` a real backend,
`fake_session`/`fake_batch` real sessions with a short `max_time`. What cannot exist on real hardware
(the fake's model and clock, options that configure the fake) is skipped with the reason. The cost
guard (`fakeqpu.real.traffic`) vets every job and session; whatever a test created is closed when it
ends; contract tests' outcomes go to the divergence report (`fakeqpu.real.divergence`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fakeqpu.options import RuntimeOptions
from fakeqpu.real.cost_guard import CostLimits
from fakeqpu.real.divergence import CONTRACT, REFUSED, TARGET, DivergenceReport
from fakeqpu.real.traffic import Created, RealTraffic

CLOCK_SKIP = "needs the fake's clock: time travel is impossible on real hardware"
MODEL_SKIP = "needs the fake itself (fake_runtime): its model does not exist on real hardware"
FAKE_ONLY_MARKER = "fakeqpu_only"
SESSION_MAX_TIME = 300  # seconds: the max_time of fake_session and fake_batch in a real run
DEFAULT_REPORT = "fakeqpu-divergence.json"
# Marker options that configure the fake's service; a real instance has its own.
_UNMIMICKABLE = ("interactive_ttl", "max_ttl", "start", "background_jobs", "history")
_FINAL_JOB_STATUSES = ("DONE", "CANCELLED", "ERROR")


def add_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--fakeqpu-real",
        action="store_true",
        default=False,
        help="run against IBM Quantum itself: credentials from QISKIT_IBM_TOKEN/QISKIT_IBM_INSTANCE "
        "or a saved account (see docs/contract.md); lifts the real-IBM guard",
    )
    group.addoption(
        "--fakeqpu-real-backend",
        default=None,
        help="real backend for fake_backend (default: the least busy operational QPU)",
    )
    group.addoption(
        "--fakeqpu-real-account", default=None, help="name of a saved account to use for the real run"
    )
    group.addoption(
        "--fakeqpu-real-limits",
        default=None,
        help=f"cost guard limits, NAME=VALUE,... (defaults: {CostLimits().describe()})",
    )
    group.addoption(
        "--fakeqpu-divergence-report",
        default=DEFAULT_REPORT,
        help=f"where a real run writes its divergence report (default: {DEFAULT_REPORT})",
    )


def register_markers(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "contract(fidelity=None): behaviour that must match the real IBM service; against IBM "
        "(--fakeqpu-real) a failure is written to the divergence report, with `fidelity` (the row of "
        "the fidelity table it checks)",
    )
    config.addinivalue_line(
        "markers", f"{FAKE_ONLY_MARKER}(reason=''): an assertion about the fake alone; skipped in a real run"
    )


_KEY = pytest.StashKey["RealMode"]()


def configure(config: pytest.Config) -> RealMode | None:
    """Start real mode when `--fakeqpu-real` is given; a bad option is a usage error."""
    if not config.getoption("fakeqpu_real", default=False):
        return None
    try:
        limits = CostLimits.parse(config.getoption("fakeqpu_real_limits"))
    except ValueError as error:
        raise pytest.UsageError(f"fakeqpu: --fakeqpu-real-limits: {error}") from None
    mode = RealMode(config, limits)
    config.pluginmanager.register(mode, "fakeqpu-real-mode")
    config.stash[_KEY] = mode
    return mode


def real_mode(config: pytest.Config) -> RealMode | None:
    return config.stash.get(_KEY, None)


def no_credentials_message(account: str | None) -> str:
    where = (
        f"no saved account named {account!r}"
        if account
        else "neither QISKIT_IBM_TOKEN in the environment nor a saved account"
    )
    return (
        f"fakeqpu: --fakeqpu-real needs IBM Quantum credentials, and found {where}. Set QISKIT_IBM_TOKEN "
        "(an IBM Cloud API key) and QISKIT_IBM_INSTANCE (the instance CRN), or save an account once with "
        "QiskitRuntimeService.save_account(token=..., instance=..., set_as_default=True). "
        "See docs/contract.md."
    )


@dataclass(frozen=True)
class Connection:
    service: Any  # QiskitRuntimeService
    backend: Any  # IBMBackend
    plan: str  # "open", or the paid plan's name

    def describe(self) -> dict[str, str]:
        return {"backend": str(self.backend.name), "plan": self.plan}


class RealMode:
    """Registered as a pytest plugin for the run when `--fakeqpu-real` is given."""

    def __init__(self, config: pytest.Config, limits: CostLimits) -> None:
        self.config = config
        self.limits = limits
        self.backend_name: str | None = config.getoption("fakeqpu_real_backend")
        self.account: str | None = config.getoption("fakeqpu_real_account")
        report = config.getoption("fakeqpu_divergence_report") or DEFAULT_REPORT
        self.report_path = Path(config.invocation_params.dir, report)
        self.traffic = RealTraffic(limits)
        self.traffic.install()
        self.report = DivergenceReport()
        self._connection: Connection | None = None
        self._written = False
        self._worker = hasattr(config, "workerinput")  # a pytest-xdist worker: its controller reports

    # -- connecting, once per process ---------------------------------------------------------------

    def connect(self) -> Connection:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def _connect(self) -> Connection:
        from qiskit_ibm_runtime import QiskitRuntimeService
        from qiskit_ibm_runtime.accounts import AccountManager, AccountNotFoundError

        try:
            AccountManager.get(name=self.account)
        except AccountNotFoundError:
            pytest.exit(no_credentials_message(self.account), returncode=pytest.ExitCode.USAGE_ERROR)
        try:
            service = QiskitRuntimeService(name=self.account) if self.account else QiskitRuntimeService()
            if self.backend_name:
                backend = service.backend(self.backend_name)
            else:
                backend = service.least_busy(operational=True, simulator=False)
            plan = _plan_of(service)
        except Exception as exc:
            if self.account:
                where = f"the saved account {self.account!r}"
            elif os.environ.get("QISKIT_IBM_TOKEN"):
                where = "QISKIT_IBM_TOKEN/QISKIT_IBM_INSTANCE"
            else:
                where = "the default saved account"
            pytest.exit(
                f"fakeqpu: --fakeqpu-real could not set up IBM Quantum with {where} "
                f"(backend: {self.backend_name or 'least busy'}): {type(exc).__name__}: {exc}",
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
        return Connection(service, backend, plan)

    # -- what the plugin's fixtures yield -----------------------------------------------------------

    def service_for(self, options: RuntimeOptions) -> Any:
        """The real service, or a skip when the test is configured for a fake the instance is not."""
        configured = [
            f"{name}={getattr(options, name)!r}" for name in _UNMIMICKABLE if getattr(options, name)
        ]
        if configured:
            pytest.skip(f"configures the fake ({', '.join(configured)}), which a real instance cannot mimic")
        connection = self.connect()
        if (options.plan == "open") != (connection.plan == "open"):
            if options.plan == "open":
                pytest.skip(
                    f"written for the Open Plan (plan='open'), but the real instance is on "
                    f"the {connection.plan!r} plan"
                )
            pytest.skip(
                f"written for a paid plan (plan={options.plan!r}), but the real instance is on the Open "
                "Plan; run with --fakeqpu-plan=open to test the suite as one"
            )
        return connection.service

    def backend(self) -> Any:
        return self.connect().backend

    def open(self, kind: type[Any], backend: Any) -> Any:
        """A real Session or Batch with a short max_time (the cost guard's max_ttl if that is shorter)."""
        return kind(backend=backend, max_time=min(SESSION_MAX_TIME, self.limits.max_ttl))

    # -- closing what tests left open ---------------------------------------------------------------

    def sweep(self, *, function_scope_only: bool) -> list[str]:
        """Cancel the jobs and close the sessions created (and not finished); returns what failed."""
        created = self.traffic.take_created(function_scope_only=function_scope_only)
        if not created:
            return []
        service = self.connect().service
        problems = []
        # sessions first: cancelling a session cancels its queued jobs too
        for thing in sorted(created, key=lambda c: c.kind != "session"):
            try:
                _close(service, thing)
            except Exception as exc:
                problems.append(f"{thing.kind} {thing.id}: {type(exc).__name__}: {exc}")
        return problems

    @pytest.fixture(autouse=True)
    def _fakeqpu_real_cleanup(self) -> Iterator[None]:
        """Per test: reset the job count; at the end, cancel and close whatever the test left behind.

        A function-scoped autouse fixture, so this runs after the test's own fixtures are torn down
        and before wider-scoped ones are (whatever stands in for IBM in a conftest included).
        """
        self.traffic.begin_test()
        yield
        problems = self.sweep(function_scope_only=True)
        if problems:
            pytest.fail(
                "fakeqpu could not close what the test left on IBM Quantum (check your workloads at "
                "https://quantum.cloud.ibm.com/workloads): " + "; ".join(problems),
                pytrace=False,
            )

    # -- hooks --------------------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Generator[None, Any, Any]:
        self.traffic.enter_scope(fixturedef.scope)
        try:
            return (yield)
        finally:
            self.traffic.exit_scope()

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        marker = item.get_closest_marker(FAKE_ONLY_MARKER)
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            pytest.skip(
                f"checks the fake alone (@pytest.mark.{FAKE_ONLY_MARKER}){': ' + reason if reason else ''}"
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        refusals = self.traffic.take_refusals()
        if refusals:
            # one clear failure, whatever the client made of the exception (or if it swallowed it)
            report.outcome = "failed"
            report.longrepr = "\n".join(refusals)
        contract = item.get_closest_marker("contract")
        if contract is not None:
            report.user_properties.append((CONTRACT, contract.kwargs.get("fidelity")))
            if refusals:
                report.user_properties.append((REFUSED, True))
            if self._connection is not None:
                report.user_properties.append((TARGET, self._connection.describe()))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self._worker:
            self.report.add(report)

    def pytest_sessionfinish(self) -> None:
        problems = self.sweep(function_scope_only=False)  # what wider-scoped fixtures left
        if problems:
            self._warn("could not close on IBM Quantum: " + "; ".join(problems))
        if not self._worker and (self._connection is not None or len(self.report)):
            self.report.write(self.report_path)
            self._written = True

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self._written:
            counts = self.report.counts()
            terminalreporter.write_line(
                f"fakeqpu: divergence report {self.report_path}: {counts['contract_tests']} contract tests, "
                f"{counts['agreed']} agreed, {counts['diverged']} diverged, {counts['skipped']} skipped, "
                f"{counts['refused']} refused by the cost guard"
            )

    def pytest_unconfigure(self) -> None:
        self.traffic.uninstall()

    def header(self) -> str:
        backend = self.backend_name or "least busy"
        return (
            f"fakeqpu: REAL IBM Quantum (--fakeqpu-real), backend {backend}; cost guard: "
            f"{self.limits.describe()}; divergence report: {self.report_path}"
        )

    def _warn(self, message: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"fakeqpu: {message}", yellow=True)


def _plan_of(service: Any) -> str:
    # active_instance() arrives after 0.40; 0.40's instances() may list plain CRNs
    active = getattr(service, "active_instance", None)
    crn = active() if active is not None else service.active_account().get("instance")
    for instance in service.instances():
        if isinstance(instance, dict) and instance.get("crn") == crn:
            pricing = str(instance.get("pricing_type", "")).lower()
            plan = str(instance.get("plan", "unknown")).lower()
            return "open" if pricing == "free" or plan == "open" else plan
    return "unknown"


def _close(service: Any, thing: Created) -> None:
    from qiskit_ibm_runtime import Batch, Session
    from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError, RuntimeJobNotFound

    if thing.kind == "session":
        handle = (Batch if thing.mode == "batch" else Session).from_id(thing.id, service)
        if handle.details()["state"] != "closed":
            handle.cancel()
        return
    try:
        job = service.job(thing.id)
    except RuntimeJobNotFound:  # the test deleted it: nothing left on IBM Quantum
        return
    if job.status() not in _FINAL_JOB_STATUSES:
        with contextlib.suppress(RuntimeInvalidStateError):  # it finished meanwhile
            job.cancel()
