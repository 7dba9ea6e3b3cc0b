"""The divergence report of a real run: which contract tests disagreed with the fake, as JSON.

A contract test states the fake's behaviour in its assertions. Against IBM, a test that fails (in its
setup or its body) is a divergence: IBM did something else. What the report keeps per test travels
on the test reports' `user_properties`, so it works the same under pytest-xdist:

- `fakeqpu_contract`: the `fidelity=` of its `@pytest.mark.contract` (the row of docs/fidelity.md);
- `fakeqpu_observed`: `{name: value}` noted with the `contract_record` fixture;
- `fakeqpu_refused`: the cost guard refused one of its requests (not a divergence: nothing was asked);
- `fakeqpu_target`: the backend and plan the run used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

CONTRACT = "fakeqpu_contract"
OBSERVED = "fakeqpu_observed"
REFUSED = "fakeqpu_refused"
TARGET = "fakeqpu_target"
FORMAT = "fakeqpu-divergence-report/1"
_MESSAGE_LIMIT = 2000


def json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def record(item: pytest.Item, name: str, value: Any) -> None:
    """What `contract_record(name, value)` does: keep an observation on the test's report."""
    item.user_properties.append((OBSERVED, {str(name): json_safe(value)}))


@dataclass
class ContractOutcome:
    test: str
    fidelity: str | None = None
    outcome: str = "agreed"  # agreed | diverged | refused | skipped
    phase: str | None = None
    message: str | None = None
    location: str | None = None
    teardown_error: str | None = None
    observed: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"test": self.test, "outcome": self.outcome, "fidelity": self.fidelity}
        for name in ("phase", "message", "location", "teardown_error"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        if self.observed:
            body["observed"] = self.observed
        return body


class DivergenceReport:
    def __init__(self) -> None:
        self._tests: dict[str, ContractOutcome] = {}
        self.target: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._tests)

    def add(self, report: pytest.TestReport) -> None:
        props: dict[str, Any] = dict(report.user_properties)
        if CONTRACT not in props:
            return
        outcome = self._tests.setdefault(report.nodeid, ContractOutcome(report.nodeid))
        outcome.fidelity = props[CONTRACT]
        target = props.get(TARGET)
        if isinstance(target, Mapping):
            self.target = dict(target)
        for name, value in report.user_properties:
            if name == OBSERVED and isinstance(value, Mapping):
                outcome.observed.update(value)
        if report.skipped and outcome.outcome == "agreed":
            outcome.outcome, outcome.phase = "skipped", report.when
            outcome.message = _skip_reason(report)
        elif report.failed and report.when == "teardown":
            outcome.teardown_error = _failure(report)[0]
        elif report.failed and outcome.outcome in ("agreed", "skipped"):
            outcome.outcome = "refused" if props.get(REFUSED) else "diverged"
            outcome.phase = report.when
            outcome.message, outcome.location = _failure(report)

    def counts(self) -> dict[str, int]:
        counts = {"contract_tests": len(self._tests), "agreed": 0, "diverged": 0, "refused": 0, "skipped": 0}
        for outcome in self._tests.values():
            counts[outcome.outcome] += 1
        return counts

    def as_json(self) -> dict[str, Any]:
        tests = sorted(self._tests.values(), key=lambda o: o.test)
        return {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": {name: _version(name) for name in ("fakeqpu", "qiskit-ibm-runtime")},
            "target": self.target,
            "summary": self.counts(),
            "divergences": [o.as_json() for o in tests if o.outcome == "diverged"],
            "tests": [o.as_json() for o in tests],
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _failure(report: pytest.TestReport) -> tuple[str, str | None]:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is None:
        return report.longreprtext[:_MESSAGE_LIMIT], None
    return str(crash.message)[:_MESSAGE_LIMIT], f"{crash.path}:{crash.lineno}"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
