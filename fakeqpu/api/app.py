"""One entry point for every intercepted request: pick the IBM service by host, route, answer.

Whatever happens inside, the caller gets an HTTP answer: a domain error becomes IBM's envelope with
its status, an unknown path a 404 in that envelope, and a bug in fakeqpu a 500 in that envelope
(never a traceback through the client, never a half-applied change: handlers validate first).
"""

from __future__ import annotations

import logging
import re

from fakeqpu.api.cloud_api import CloudApi
from fakeqpu.api.errors import envelope, error_response
from fakeqpu.api.http import Request, Response
from fakeqpu.api.runtime_api import RuntimeApi
from fakeqpu.service import errors
from fakeqpu.service.errors import ServiceError
from fakeqpu.service.runtime import RuntimeService

log = logging.getLogger("fakeqpu")

_RUNTIME_HOST = re.compile(r"(^|\.)quantum\.(test\.)?cloud\.ibm\.com$")
_RUNTIME_PREFIX = "/api/v1"


class FakeIbmCloud:
    def __init__(self, service: RuntimeService, plan_id: str, pinned: bool = False) -> None:
        self.service = service
        self.runtime = RuntimeApi(service)
        self.cloud = CloudApi(service, plan_id, pinned=pinned)
        self.requests_served = 0

    def handle(self, request: Request) -> Response:
        self.requests_served += 1
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
        if host.startswith(("iam.", "private.iam.")) and path.rstrip("/") == "/identity/token":
            if request.method == "POST":
                return self.cloud.iam_token(request)
        elif host.startswith("api.global-search-tagging.") and path.rstrip("/") == "/v3/resources/search":
            if request.method == "POST":
                return self.cloud.search(request)
        elif host.startswith("globalcatalog.") and path.startswith("/api/v1/"):
            if request.method == "GET":
                return self.cloud.catalog(request)
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
        self.service.sync()
        return match.handler(request, **match.params)

    def _not_found(self, request: Request) -> Response:
        return envelope(
            404,
            1208,
            f"Not found: {request.method} {request.url} is not an endpoint of the IBM Quantum Platform "
            "that fakeqpu serves.",
            "Check the path, or report the missing endpoint to fakeqpu.",
            self.service.trace_id(),
        )
