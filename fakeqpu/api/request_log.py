"""The request log (`requests()`): every request the fake answered, like `responses.calls`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RequestRecord:
    """One request: `status` is None when an injected `error` was raised instead of an answer;
    `seconds` the virtual time it took (non-zero with `auto_tick`); `fault` True when injected."""

    method: str
    url: str
    path: str
    status: int | None
    at: datetime
    seconds: float
    fault: bool = False
    error: str | None = None
