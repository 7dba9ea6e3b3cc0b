"""Injected job failures (`fail_jobs`): the next N matching jobs end `Failed` with an IBM code.

They live in the model because they change what the engine does at an instant: a job fails when
it is submitted (the POST answers IBM's error), when it starts, or half-way through its run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakeqpu.service.jobs import RAN_TOO_LONG, SESSION_CLOSED, Job, Reason

WHEN = ("start", "submit", "run")
# IBM's own text for the codes a test injects most; any other code gets a neutral message.
_KNOWN: dict[int, Reason] = {1217: SESSION_CLOSED, 1305: RAN_TOO_LONG}

JobMatch = Callable[[Any], bool]  # called with a `records.JobRecord`


@dataclass
class JobFault:
    code: int
    message: str
    solution: str
    at: str
    times: int
    match: JobMatch | None
    used: int = 0

    def describe(self) -> dict[str, Any]:
        """JSON-friendly: what `faults()` lists."""
        return {
            "kind": "job",
            "code": self.code,
            "message": self.message,
            "at": self.at,
            "times": self.times,
            "used": self.used,
            "match": None if self.match is None else getattr(self.match, "__name__", repr(self.match)),
        }


class JobFaults:
    def __init__(self, record: Callable[[Job], Any]) -> None:
        self._record = record
        self.pending: list[JobFault] = []

    def add(
        self, code: Any, message: Any = None, *, match: Any = None, times: Any = 1, at: Any = "start"
    ) -> JobFault:
        if isinstance(code, bool) or not isinstance(code, int) or code < 1:
            raise ValueError(f"code must be a positive IBM error code (an int), not {code!r}")
        if at not in WHEN:
            raise ValueError(f"at must be one of {', '.join(WHEN)}, not {at!r}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be an int >= 1, not {times!r}")
        if match is not None and not callable(match):
            raise ValueError("match must be a callable of a job record, or None")
        if message is not None and not isinstance(message, str):
            raise ValueError("message must be a string or None")
        known = _KNOWN.get(code)
        text = message or (known.message if known else f"Job failed with error code {code}.")
        solution = known.solution if known and not message else ""
        fault = JobFault(code, text, solution, at, times, match)
        self.pending.append(fault)
        return fault

    def take(self, job: Job, at: str) -> Reason | None:
        """The reason this job fails `at` this point, using up one of a fault's `times`; or None."""
        if job.background:
            return None
        record = None
        for fault in self.pending:
            if fault.at != at:
                continue
            if fault.match is not None:
                record = record if record is not None else self._record(job)
                if not fault.match(record):
                    continue
            fault.used += 1
            if fault.used >= fault.times:
                self.pending.remove(fault)
            return Reason(fault.code, fault.message, fault.solution)
        return None

    def clear(self) -> None:
        self.pending.clear()
