"""The options of a fake runtime, shared by `mock_runtime(**options)`, the marker and the ini/CLI options."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from fakeqpu.backend_data import available_backends, default_fleet
from fakeqpu.service.history_spec import history_spec
from fakeqpu.service.plans import ALLOCATION_PLANS, PLANS


class OptionError(TypeError):
    """An unknown option, or a value of the wrong kind: raised before anything starts."""


class UnknownBackendOption(OptionError):
    """A backend the installed qiskit-ibm-runtime ships no snapshot of: an error for the test that
    asks for it (the plugin never fails a whole session for it, as clients differ in their snapshots)."""


@dataclass(frozen=True)
class RuntimeOptions:
    plan: str = "premium"
    open_plan_sessions: str = "job_mode"
    backends: tuple[str, ...] = field(default_factory=default_fleet)
    job_duration: float | Callable[[Any], float] | None = None
    seed: int | None = None
    start: datetime | None = None
    interactive_ttl: int | None = None
    max_ttl: int | None = None
    background_jobs: Mapping[str, int] | None = None  # backend → other users' jobs queued at start
    instance: str | None = None  # pins the account to this one instance (a CRN or a name)
    # The account's other instances (CRNs or names): given, the account holds exactly these and the
    # fake's own, and an unknown instance is refused as IBM refuses it. None: any instance is the account's.
    account_instances: tuple[str, ...] | None = None
    # The account's past (service/history.py): a count of jobs, or a mapping of HistorySpec's fields.
    history: Any = None
    usage_allocation_seconds: int | None = None  # Premium/Flex: None = the plan's default, 0 = none
    auto_tick: float | None = None  # seconds of virtual time each request takes
    strict: bool = False  # at teardown, a session left open or a job left non-final fails the test
    max_jobs: int | None = None  # the test fails when it submits more jobs
    max_qpu_seconds: float | None = None  # the test fails when its jobs use more QPU time
    state_dir: str | None = None  # keeps the account (jobs, sessions, results, clock) across restarts
    simulation_budget: float | None = None  # wall seconds one job's simulation may take (None: 10)
    simulation: str = "auto"  # "auto": approximate past the budget; "exact": fail such a job instead

    # Options about the test rather than the fake: the pytest plugin checks them at teardown.
    TEST_BUDGETS = ("strict", "max_jobs", "max_qpu_seconds")

    @staticmethod
    def names() -> tuple[str, ...]:
        return tuple(f.name for f in fields(RuntimeOptions))

    @classmethod
    def from_kwargs(cls, options: Mapping[str, Any]) -> RuntimeOptions:
        unknown = [name for name in options if name not in cls.names()]
        if unknown:
            hints = []
            for name in unknown:
                close = difflib.get_close_matches(name, cls.names(), n=1)
                hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise OptionError(
                f"unknown fakeqpu option {', '.join(hints)}; the options are: {', '.join(cls.names())}"
            )
        values = dict(options)
        if "backends" in values:
            values["backends"] = _backends(values["backends"])
        if values.get("account_instances") is not None:
            values["account_instances"] = _instances(values["account_instances"])
        if isinstance(values.get("state_dir"), os.PathLike):
            values["state_dir"] = os.fspath(values["state_dir"])
        if values.get("start") is not None:
            values["start"] = _aware(values["start"])
        made = cls(**values)
        made.validate()
        return made

    def validate(self) -> None:
        if self.plan not in PLANS:
            raise OptionError(f"plan must be one of {', '.join(PLANS)}, not {self.plan!r}")
        if self.open_plan_sessions not in ("job_mode", "reject"):
            raise OptionError(
                f"open_plan_sessions must be 'job_mode' or 'reject', not {self.open_plan_sessions!r}"
            )
        known = available_backends()
        for name in self.backends:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise UnknownBackendOption(
                    f"unknown backend {name!r}{hint}: not a qiskit_ibm_runtime.fake_provider snapshot "
                    "of the installed qiskit-ibm-runtime"
                )
        if not self.backends:
            raise OptionError("backends must name at least one backend")
        jd = self.job_duration
        if (
            jd is not None
            and not callable(jd)
            and (isinstance(jd, bool) or not isinstance(jd, int | float) or jd < 0)
        ):
            raise OptionError(f"job_duration must be seconds (a number >= 0) or a callable, not {jd!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise OptionError(f"seed must be an integer, not {self.seed!r}")
        for name in ("interactive_ttl", "max_ttl"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
            ):
                raise OptionError(f"{name} must be a positive number of seconds, not {value!r}")
        allocation = self.usage_allocation_seconds
        if allocation is not None:
            if isinstance(allocation, bool) or not isinstance(allocation, int) or allocation < 0:
                raise OptionError(
                    f"usage_allocation_seconds must be a whole number of seconds >= 0, not {allocation!r}"
                )
            if self.plan not in ALLOCATION_PLANS:
                raise OptionError(
                    f"usage_allocation_seconds applies to the {' and '.join(ALLOCATION_PLANS)} plans only, "
                    f"not to {self.plan!r} (IBM: no allocation on Pay-As-You-Go; Open has a limit instead)"
                )
        if self.background_jobs is not None and not isinstance(self.background_jobs, Mapping):
            raise OptionError(f"background_jobs maps backends to counts, not {self.background_jobs!r}")
        for name in ("auto_tick", "max_qpu_seconds"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf")
            ):
                raise OptionError(f"{name} must be a finite number of seconds >= 0, not {value!r}")
        budget = self.simulation_budget
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 < budget < float("inf")
        ):
            raise OptionError(f"simulation_budget must be a finite number of seconds > 0, not {budget!r}")
        if self.simulation not in ("auto", "exact"):
            raise OptionError(f"simulation must be 'auto' or 'exact', not {self.simulation!r}")
        if self.max_jobs is not None and (
            isinstance(self.max_jobs, bool) or not isinstance(self.max_jobs, int) or self.max_jobs < 0
        ):
            raise OptionError(f"max_jobs must be an integer >= 0, not {self.max_jobs!r}")
        if not isinstance(self.strict, bool):
            raise OptionError(f"strict must be True or False, not {self.strict!r}")
        if self.state_dir is not None and (not isinstance(self.state_dir, str) or not self.state_dir.strip()):
            raise OptionError(f"state_dir must be a directory path, not {self.state_dir!r}")
        if self.instance is not None and (not isinstance(self.instance, str) or not self.instance.strip()):
            raise OptionError(f"instance must be a CRN or an instance name, not {self.instance!r}")
        if self.account_instances is not None:
            _instances(self.account_instances)
        if self.history is not None:
            try:
                spec = history_spec(self.history)
            except (TypeError, ValueError) as exc:
                raise OptionError(str(exc)) from None
            if spec.backends is not None and not set(spec.backends) <= set(self.backends):
                raise OptionError(f"history backends must be of the fleet {list(self.backends)}")
        for backend, count in (self.background_jobs or {}).items():
            if backend not in self.backends or not isinstance(count, int) or count < 0:
                raise OptionError(
                    f"background_jobs maps a backend of the fleet to a count >= 0, not {backend!r}: {count!r}"
                )


def _backends(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise OptionError(f"backends must be a list of backend names, not {value!r}")
    return tuple(value)


def _instances(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or not all(isinstance(v, str) and v.strip() and v.isprintable() for v in value)
    ):
        raise OptionError(f"account_instances must be a list of instance names or CRNs, not {value!r}")
    return tuple(v.strip() for v in value)


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise OptionError(f"start must be a datetime or an ISO 8601 string, not {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
