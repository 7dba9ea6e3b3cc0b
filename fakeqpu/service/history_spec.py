"""What an account's past holds (`history=`, `add_history`): the spec and its checks, importable
without qiskit (the options read it in pytest's xdist controller)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

PROGRAMS = ("sampler", "estimator")
MAX_ITEMS = 100_000  # a history is cheap, not free: each job is lived through a private engine


@dataclass(frozen=True)
class HistorySpec:
    """What a fake's past holds. `jobs` ran in job mode (of them, `failed` ended Failed, 1517, and
    `cancelled` were cancelled while queued); `sessions` and `batches` ran `jobs_per_session` jobs
    each. Everything spreads over the `days` before the fake started, on `backends` (default: the
    fleet) and `programs` in turn, every job tagged `tags`."""

    jobs: int = 0
    sessions: int = 0
    batches: int = 0
    jobs_per_session: int = 3
    days: float = 90.0
    failed: int = 0
    cancelled: int = 0
    tags: tuple[str, ...] = ()
    backends: tuple[str, ...] | None = None
    programs: tuple[str, ...] = PROGRAMS

    @property
    def size(self) -> int:
        return self.jobs + (self.sessions + self.batches) * self.jobs_per_session


def history_spec(value: Any) -> HistorySpec:
    """A spec from what a user writes: a count of jobs, a mapping of the fields, or a spec (ValueError)."""
    if isinstance(value, HistorySpec):
        spec = value
    elif isinstance(value, int) and not isinstance(value, bool):
        spec = HistorySpec(jobs=value)
    elif isinstance(value, str) and value.strip().isdigit():
        spec = HistorySpec(jobs=int(value))
    elif isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            raise ValueError(f"history must be a count of jobs or a JSON object, not {value!r}") from None
        return history_spec(loaded)
    elif isinstance(value, Mapping):
        names = {f.name for f in fields(HistorySpec)}
        unknown = sorted(str(k) for k in value if k not in names)
        if unknown:
            raise ValueError(
                f"unknown history field(s) {', '.join(unknown)}; the fields are {', '.join(names)}"
            )
        values = dict(value)
        for name in ("tags", "backends", "programs"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        spec = HistorySpec(**values)
    else:
        raise ValueError(f"history must be a count of jobs or a mapping of its fields, not {value!r}")
    _check(spec)
    return spec


def _check(spec: HistorySpec) -> None:
    for name in ("jobs", "sessions", "batches", "jobs_per_session", "failed", "cancelled"):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"history {name} must be a count >= 0, not {value!r}")
    if spec.jobs_per_session < 1:
        raise ValueError("history jobs_per_session must be at least 1")
    if spec.failed + spec.cancelled > spec.jobs:
        raise ValueError("history failed + cancelled cannot exceed jobs (they are job-mode jobs)")
    if spec.size > MAX_ITEMS:
        raise ValueError(f"a history holds at most {MAX_ITEMS} jobs, not {spec.size}")
    days = spec.days
    if isinstance(days, bool) or not isinstance(days, int | float) or not math.isfinite(days):
        raise ValueError(f"history days must be a finite number of days, not {days!r}")
    if not 1 <= days <= 3650:
        raise ValueError(f"history days must be between 1 and 3650, not {days!r}")
    for name in ("tags", "backends", "programs"):
        value = getattr(spec, name)
        if value is None and name == "backends":
            continue
        if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"history {name} must be a list of non-empty strings, not {value!r}")
    if not spec.programs or any(p not in PROGRAMS for p in spec.programs):
        raise ValueError(f"history programs must be among {', '.join(PROGRAMS)}, not {spec.programs!r}")
    if spec.backends is not None and not spec.backends:
        raise ValueError("history backends must name at least one backend (or be left out: the fleet)")
