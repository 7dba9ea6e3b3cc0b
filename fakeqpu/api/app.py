"""One entry point for every intercepted request: pick the IBM service by host, route, answer.

Whatever happens inside, the caller gets an HTTP answer: a domain error becomes IBM's envelope with
its status, an unknown path a 404 in that envelope, and a bug in fakeqpu a 500 in that envelope
(never a traceback through the client, never a half-applied change: handlers validate first).
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from fakeqpu.api import resource_controller
from fakeqpu.api.cloud_api import CloudApi
from fakeqpu.api.errors import envelope, error_response
from fakeqpu.api.faults import HttpFaults
from fakeqpu.api.http import Request, Response
from fakeqpu.api.poll_guard import Outlook, StillPollGuard
from fakeqpu.api.request_log import RequestRecord
from fakeqpu.api.runtime_api import RuntimeApi
from fakeqpu.service import errors
from fakeqpu.service.errors import ServiceError
from fakeqpu.service.runtime import RuntimeService

log = logging.getLogger("fakeqpu")

REQUEST_LOG_SIZE = 10_000  # `requests()` keeps the most recent requests, like a bounded `responses.calls`

_RUNTIME_HOST = re.compile(r"(^|\.)quantum\.(test\.)?cloud\.ibm\.com$")
_RUNTIME_PREFIX = "/api/v1"
# The hosts the client can reach (qiskit-ibm-runtime's URL derivation, regions us-east and eu-de, IBM Cloud
# production and test); any other IBM host does not resolve, as on the network.
SERVED_HOST = re.compile(
    r"^(?:(?:private\.)?iam|api\.global-search-tagging|globalcatalog|resource-controller"
    r"|quantum|eu-de\.quantum|private\.(?:us-east|eu-de)\.quantum)\.(?:test\.)?cloud\.ibm\.com$"
)


def _head(response: Response) -> Response:
    """HEAD is GET without the body (RFC 9110 §9.3.2; CHOSEN, docs/fidelity.md): same status, headers."""
    headers = dict(response.headers)
    headers["Content-Length"] = str(len(response.body))
    return Response(response.status, b"", headers)


class FakeIbmCloud:
    def __init__(
        self,
        service: RuntimeService,
        plan_id: str,
        *,
        pinned: bool = False,
        account_instances: Sequence[str] | None = None,
        advance: Callable[[float], Any] | None = None,
        auto_tick: float = 0.0,
    ) -> None:
        self.service = service
        self.runtime = RuntimeApi(service)
        self.cloud = CloudApi(service, plan_id, pinned=pinned, account_instances=account_instances)
        self.still_polls = StillPollGuard()
        self.requests_served = 0
        self.http_faults = HttpFaults()
        self.request_log: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)  # flat memory in long runs
        self._advance = advance  # moves the virtual clock: `auto_tick` seconds per runtime API request
        self.auto_tick = auto_tick

    # -- the toolkit: HTTP faults, token expiry, the request log ------------------------------------

    def http_fault(self, **fault: Any) -> dict[str, Any]:
        """See `FakeRuntime.http_fault`: the next `times` matching requests answer `status` or raise."""
        with self.service.lock:
            return self.http_faults.add(**fault).describe()

    def expire_tokens(self) -> None:
        with self.service.lock:
            self.cloud.expire_tokens()

    def faults(self) -> list[dict[str, Any]]:
        with self.service.lock:
            return self.service.faults() + [fault.describe() for fault in self.http_faults.pending]

    def clear_faults(self) -> None:
        with self.service.lock:
            self.service.clear_faults()
            self.http_faults.clear()

    def requests(self) -> list[RequestRecord]:
        with self.service.lock:
            return list(self.request_log)

    def handle(self, request: Request) -> Response:
        self.requests_served += 1
        with self.service.lock:
            start = self.service.sync()
            if self.auto_tick and self._advance is not None and _RUNTIME_HOST.search(request.host):
                self._advance(self.auto_tick)  # the runtime API's latency; IAM and the catalogs take none
                self.service.sync()
            fault = self.http_faults.take(request)
        response = (
            fault.answer(self.service.trace_id()) if fault is not None else self._answer_method(request)
        )
        with self.service.lock:
            # Nothing in an answer moves the clock (only auto_tick, above, and other threads): the
            # model's now, synced above and by the service's own methods, is when the answer was ready.
            end = self.service.now
            self.request_log.append(
                RequestRecord(
                    method=request.method,
                    url=request.url,
                    path=request.path,
                    status=None if response.error is not None else response.status,
                    at=start,
                    seconds=round((end - start).total_seconds(), 6),
                    fault=fault is not None,
                    error=None if response.error is None else type(response.error).__name__,
                )
            )
        return response

    def _answer_method(self, request: Request) -> Response:
        if request.method == "HEAD":
            return _head(self._answer(replace(request, method="GET")))
        return self._answer(request)

    def _answer(self, request: Request) -> Response:
        try:
            return self._route(request)
        except ServiceError as error:
            return error_response(error, self.service.trace_id())
        except Exception:
            log.exception("fakeqpu failed on %s %s", request.method, request.url)
            return envelope(
                500,
                1000,
                "API Internal error",
                "This is a bug in fakeqpu: please report it.",
                self.service.trace_id(),
            )

    def _route(self, request: Request) -> Response:
        host, path = request.host, request.path
        if not SERVED_HOST.match(host):
            return Response.no_such_host(host)
        if host.startswith(("iam.", "private.iam.")) and path.rstrip("/") == "/identity/token":
            if request.method == "POST":
                return self.cloud.iam_token(request)
        elif host.startswith("api.global-search-tagging.") and path.rstrip("/") == "/v3/resources/search":
            if request.method == "POST":
                return self.cloud.search(request)
        elif host.startswith("globalcatalog.") and path.startswith("/api/v1/"):
            if request.method == "GET":
                return self.cloud.catalog(request)
        elif host.startswith("resource-controller."):
            token_valid = self.cloud.token_is_ours(request.header("authorization"))
            account = [(i.crn, i.name) for i in self.cloud.account or ()]
            plan_id = self.cloud.plan_id
            answer = resource_controller.handle(request, self.service, plan_id, token_valid, account)
            if answer is not None:
                return answer
        elif _RUNTIME_HOST.search(host) and (
            path == _RUNTIME_PREFIX or path.startswith(_RUNTIME_PREFIX + "/")
        ):
            return self._runtime(request, path[len(_RUNTIME_PREFIX) :] or "/")
        return self._not_found(request)

    def _runtime(self, request: Request, path: str) -> Response:
        match = self.runtime.router.match(request, path)
        if match.handler is None:
            if not match.path_known:
                return self._not_found(request)
            message = f"Method {request.method} is not allowed on {path}."
            return envelope(405, 1208, message, "", self.service.trace_id())
        if not self.cloud.token_is_ours(request.header("authorization")):
            raise errors.not_authorized()
        crn = request.header("service-crn")
        if not self.cloud.serves(crn):
            raise errors.instance_not_found(crn or "(none)")
        now = self.service.now  # synced by `handle` (the service's methods sync again under their lock)
        with self.service.lock:
            refused = self.still_polls.check(request, now, self._outlook, self._move, self.service.trace_id)
        if refused is not None:
            return refused
        return match.handler(request, **match.params)

    def _outlook(self) -> Outlook:
        return Outlook(*self.service.waiting_outlook())

    @property
    def _move(self) -> Callable[[float], datetime] | None:
        """Moves the clock for the poll guard and brings the model along; None without a clock."""
        advance = self._advance
        if advance is None:
            return None

        def move(seconds: float) -> datetime:
            advance(seconds)
            return self.service.sync()

        return move

    def _not_found(self, request: Request) -> Response:
        return envelope(
            404,
            1208,
            f"Not found: {request.method} {request.url} is not an endpoint of the IBM Quantum Platform "
            "that fakeqpu serves.",
            "Check the path, or report the missing endpoint to fakeqpu.",
            self.service.trace_id(),
        )
