"""In-process interception: `requests` through `responses`, `httpx` through `respx`.

Every request to an IBM host (`*.ibm.com`) is answered by the fake; nothing reaches the network.
Requests to any other host pass through untouched. One catch-all callback per method, with routing
inside fakeqpu, because `responses` pops one of two registrations that match the same request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import requests
import responses
import respx

from fakeqpu.api.http import Request, Response

Handler = Callable[[Request], Response]

IBM_URL = re.compile(r"^https?://([^/?#@]*\.)?ibm\.com(:\d+)?([/?#].*)?$", re.IGNORECASE)
NOT_IBM_URL = re.compile(r"^https?://(?!([^/?#@]*\.)?ibm\.com(:\d+)?([/?#]|$))", re.IGNORECASE)
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class IbmHostPatch:
    """The mechanics: while started, `requests` and `httpx` calls to IBM hosts go to two callbacks.

    Stackable: a patch started later answers first, and the earlier one again once it stops.
    `on_requests` returns `(status, headers, body)`, or an exception that `responses` raises.
    """

    def __init__(
        self,
        on_requests: Callable[[requests.PreparedRequest], Any],
        on_httpx: Callable[[httpx.Request], httpx.Response],
    ) -> None:
        self._on_requests = on_requests
        self._on_httpx = on_httpx
        self._requests_mock: responses.RequestsMock | None = None
        self._httpx_mock: respx.MockRouter | None = None

    @property
    def active(self) -> bool:
        return self._requests_mock is not None

    def start(self) -> None:
        if self.active:
            return
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in _METHODS:
            mock.add_callback(method, IBM_URL, callback=self._forget_calls_then(self._on_requests))
        mock.add_passthru(NOT_IBM_URL)
        router = respx.MockRouter(assert_all_called=False, assert_all_mocked=False)
        router.route(url__regex=IBM_URL.pattern).mock(side_effect=self._on_httpx)
        router.route().pass_through()
        mock.start()
        router.start()
        self._requests_mock, self._httpx_mock = mock, router

    def stop(self) -> None:
        if self._httpx_mock is not None:
            self._httpx_mock.stop()
        if self._requests_mock is not None:
            self._requests_mock.stop()
            self._requests_mock.reset()
        self._requests_mock = self._httpx_mock = None

    def _forget_calls_then(
        self, callback: Callable[[requests.PreparedRequest], Any]
    ) -> Callable[[requests.PreparedRequest], Any]:
        def wrapped(prepared: requests.PreparedRequest) -> Any:
            if self._requests_mock is not None:
                # responses keeps every call: without this, a long test would grow without bound
                self._requests_mock.calls.reset()
                for registered in self._requests_mock.registered():
                    registered.calls.reset()  # and each registered response keeps its own list
            return callback(prepared)

        return wrapped


class Interceptor:
    """Answers IBM hosts with `handler` while started. Nestable: the innermost started one answers."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._patch = IbmHostPatch(self._on_requests, self._on_httpx)

    @property
    def active(self) -> bool:
        return self._patch.active

    def start(self) -> None:
        self._patch.start()

    def stop(self) -> None:
        self._patch.stop()

    def _on_requests(self, prepared: requests.PreparedRequest) -> Any:
        body = prepared.body if isinstance(prepared.body, bytes | str) else b""
        request = Request.build(prepared.method or "GET", prepared.url or "", prepared.headers, body)
        response = self._handler(request)
        if response.unreachable is not None:  # as on the network: the host does not resolve
            return requests.exceptions.ConnectionError(response.unreachable)
        if response.raises is not None:
            return response.raises  # `responses` raises a returned exception in the client
        return response.status, response.headers, response.body

    def _on_httpx(self, request: httpx.Request) -> httpx.Response:
        ours = Request.build(request.method, str(request.url), dict(request.headers), request.read())
        response = self._handler(ours)
        if response.unreachable is not None:
            raise httpx.ConnectError(response.unreachable, request=request)
        if response.raises is not None:
            raise response.raises
        return httpx.Response(response.status, headers=response.headers, content=response.body)
