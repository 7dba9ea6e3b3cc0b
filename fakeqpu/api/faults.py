"""Injected HTTP faults (`http_fault`): the next N matching requests get an error answer, or raise.

They live in `api` because they change an answer, never the state: a faulted request does not reach
the service, so nothing it would have done happens.
"""

from __future__ import annotations

import http
import json
import re
from dataclasses import dataclass
from typing import Any

from fakeqpu.api.errors import envelope
from fakeqpu.api.http import Request, Response

# The envelope code of an injected status: IBM's code for a 429 or a 503 has not been seen (CHOSEN).
INJECTED_CODE = 1000
_RUNTIME_PREFIX = "(/api/v1)?"


@dataclass
class HttpFault:
    status: int | None
    error: Any  # an exception (class or instance) the client raises instead of getting an answer
    method: str | None
    path: str | re.Pattern[str] | None
    times: int
    retry_after: float | None
    body: Any
    pattern: re.Pattern[str] | None
    used: int = 0

    def matches(self, request: Request) -> bool:
        if self.method is not None and request.method != self.method:
            return False
        return self.pattern is None or bool(self.pattern.search(request.path))

    def answer(self, trace: str) -> Response:
        if self.error is not None:
            error = self.error() if isinstance(self.error, type) else self.error
            return Response.raising(error)
        assert self.status is not None
        if self.body is None:
            phrase = _phrase(self.status)
            response = envelope(self.status, INJECTED_CODE, phrase, "Try again later.", trace)
        elif isinstance(self.body, bytes | str):
            raw = self.body.encode() if isinstance(self.body, str) else self.body
            response = Response(self.status, raw, {"Content-Type": "application/json"})
        else:
            response = Response.json(self.body, self.status)
        if self.retry_after is not None:
            seconds = self.retry_after
            response.headers["Retry-After"] = str(int(seconds) if float(seconds).is_integer() else seconds)
        return response

    def describe(self) -> dict[str, Any]:
        error = self.error
        name = (
            None if error is None else (error.__name__ if isinstance(error, type) else type(error).__name__)
        )
        path = self.path.pattern if isinstance(self.path, re.Pattern) else self.path
        return {
            "kind": "http",
            "status": self.status,
            "error": name,
            "method": self.method,
            "path": path,
            "times": self.times,
            "used": self.used,
            "retry_after": self.retry_after,
        }


class HttpFaults:
    def __init__(self) -> None:
        self.pending: list[HttpFault] = []

    def add(
        self,
        *,
        status: Any = None,
        error: Any = None,
        method: Any = None,
        path: Any = None,
        times: Any = 1,
        retry_after: Any = None,
        body: Any = None,
    ) -> HttpFault:
        if (status is None) == (error is None):
            raise ValueError("http_fault needs exactly one of status= (an HTTP answer) or error= (raised)")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
        ):
            raise ValueError(f"status must be an HTTP error status (400-599), not {status!r}")
        if error is not None and not (
            isinstance(error, BaseException) or (isinstance(error, type) and issubclass(error, BaseException))
        ):
            raise ValueError(f"error must be an exception class or instance, not {error!r}")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be an HTTP method name or None")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be an int >= 1, not {times!r}")
        if retry_after is not None and (
            isinstance(retry_after, bool)
            or not isinstance(retry_after, int | float)
            or not 0 <= retry_after < float("inf")
        ):
            raise ValueError(f"retry_after must be a finite number of seconds >= 0, not {retry_after!r}")
        if body is not None and status is None:
            raise ValueError("body goes with status=")
        if body is not None and not isinstance(body, bytes | str):
            json.dumps(body)  # a body must be JSON: fail now, not at the request
        fault = HttpFault(
            status, error, method.upper() if method else None, path, times, retry_after, body, _pattern(path)
        )
        self.pending.append(fault)
        return fault

    def take(self, request: Request) -> HttpFault | None:
        for fault in self.pending:
            if fault.matches(request):
                fault.used += 1
                if fault.used >= fault.times:
                    self.pending.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.pending.clear()


def _pattern(path: Any) -> re.Pattern[str] | None:
    """`"/jobs/{job_id}"` matches that route (with or without `/api/v1`); a compiled regex searches."""
    if path is None:
        return None
    if isinstance(path, re.Pattern):
        return path
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"path must be a route like '/jobs/{{job_id}}' or a compiled regex, not {path!r}")
    parts = re.split(r"(\{\w+\})", path.rstrip("/"))
    regex = "".join("[^/]+" if re.fullmatch(r"\{\w+\}", part) else re.escape(part) for part in parts)
    return re.compile(f"^{_RUNTIME_PREFIX}{regex}/?$")


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
