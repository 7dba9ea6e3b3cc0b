"""Real mode's hold on the traffic: every job or session a test creates on IBM Quantum passes here.

`requests.Session.send` is wrapped (it sits above the adapters, so this holds whatever answers below:
IBM itself, or a fake standing in for it). `POST /jobs` and `POST /sessions` are vetted by the cost
guard before they leave, and refused ones are never sent; the ids of what was created are kept so
the plugin can close it when the test ends.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from fakeqpu.real.cost_guard import CostGuardRefusal, CostLimits, Vetted, vet_job, vet_session
from fakeqpu.transports import inprocess
from fakeqpu.transports.inprocess import ibm_url

_CREATE = re.compile(r"^/api/v\d+/(?P<what>jobs|sessions)/?$")
FUNCTION = "function"


@dataclass(frozen=True)
class Created:
    kind: str  # "job" or "session"
    id: str
    mode: str | None  # a session's mode ("dedicated" or "batch")
    scope: str  # the fixture scope it was created in ("function" for the test itself)


def refusal_message(method: str, path: str, problems: tuple[str, ...], limits: CostLimits) -> str:
    return (
        f"fakeqpu cost guard refused {method} {path} (not sent to IBM Quantum): "
        + "; ".join(problems)
        + f". Limits: {limits.describe()}; change them with --fakeqpu-real-limits=NAME=VALUE,..."
    )


class RealTraffic:
    """Installed while a real run lasts. Thread-safe; counts are per test (`begin_test`)."""

    def __init__(self, limits: CostLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._original: Callable[..., requests.Response] | None = None
        self._jobs_this_test = 0
        self._created: list[Created] = []
        self._refusals: list[str] = []
        self._scopes: list[str] = []

    # -- installation -----------------------------------------------------------------------------

    @property
    def installed(self) -> bool:
        return self._original is not None

    def install(self) -> None:
        if self._original is not None:
            return
        original: Callable[..., requests.Response] = requests.Session.send
        traffic = self

        def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
            return traffic._send(original, session, request, **kwargs)

        self._original = original
        setattr(requests.Session, "send", send)  # noqa: B010 (mypy: no assigning to a method)
        inprocess.REQUESTS_WRAPPERS.append(self._wrapper)

    def _wrapper(self, send: Callable[..., Any], session: Any, request: Any, **kwargs: Any) -> Any:
        return self._send(send, session, request, **kwargs)

    def uninstall(self) -> None:
        if self._wrapper in inprocess.REQUESTS_WRAPPERS:
            inprocess.REQUESTS_WRAPPERS.remove(self._wrapper)
        if self._original is not None:
            setattr(requests.Session, "send", self._original)  # noqa: B010
            self._original = None

    # -- bookkeeping ------------------------------------------------------------------------------

    def begin_test(self) -> None:
        with self._lock:
            self._jobs_this_test = 0

    def enter_scope(self, scope: str) -> None:
        with self._lock:
            self._scopes.append(scope)

    def exit_scope(self) -> None:
        with self._lock:
            if self._scopes:
                self._scopes.pop()

    def take_created(self, *, function_scope_only: bool) -> list[Created]:
        """What was created and not yet handed out: only the test's own things, or everything."""
        with self._lock:
            taken = [c for c in self._created if c.scope == FUNCTION or not function_scope_only]
            self._created = [c for c in self._created if c not in taken]
            return taken

    def take_refusals(self) -> list[str]:
        with self._lock:
            refusals, self._refusals = self._refusals, []
            return refusals

    # -- the wrapped send -------------------------------------------------------------------------

    def _send(
        self,
        original: Callable[..., requests.Response],
        session: requests.Session,
        request: requests.PreparedRequest,
        **kwargs: Any,
    ) -> requests.Response:
        kind = _creation_kind(request)
        if kind is None:
            return original(session, request, **kwargs)
        vetted = self._vet(kind, request)
        if vetted.body != request.body:
            request.body = vetted.body.encode()
            request.headers["Content-Length"] = str(len(request.body))
        response = original(session, request, **kwargs)
        if response.status_code < 300:
            self._note(kind, vetted.body, response)
        return response

    def _vet(self, kind: str, request: requests.PreparedRequest) -> Vetted:
        body = request.body if isinstance(request.body, str | bytes) else b""
        vetted = vet_job(body, self.limits) if kind == "job" else vet_session(body, self.limits)
        problems = vetted.problems
        if kind == "job" and not problems:
            with self._lock:
                if self._jobs_this_test >= self.limits.jobs:
                    problems = (f"this test already submitted {self._jobs_this_test} jobs",)
                else:
                    self._jobs_this_test += 1
        if problems:
            path = urlsplit(request.url or "").path
            message = refusal_message(request.method or "POST", path, problems, self.limits)
            with self._lock:
                self._refusals.append(message)
            raise CostGuardRefusal(message)
        return vetted

    def _note(self, kind: str, sent: str, response: requests.Response) -> None:
        try:
            created_id = str(response.json()["id"])
        except (ValueError, KeyError, TypeError):
            return
        mode = str(json.loads(sent).get("mode", "dedicated")) if kind == "session" else None
        with self._lock:
            scope = self._scopes[-1] if self._scopes else FUNCTION
            self._created.append(Created(kind, created_id, mode, scope))


def _creation_kind(request: requests.PreparedRequest) -> str | None:
    if (request.method or "").upper() != "POST" or not ibm_url(request.url or ""):
        return None
    match = _CREATE.match(urlsplit(request.url or "").path)
    if match is None:
        return None
    return "job" if match["what"] == "jobs" else "session"
