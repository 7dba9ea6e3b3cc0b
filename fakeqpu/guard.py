"""Safe by default: while installed, a request to an IBM host that no fake answers fails at once.

Like pytest-django's database blocker. A running fake stacks its own interception on top of the
guard, so it answers; once it stops, the guard is what a stray request meets again.
"""

from __future__ import annotations

import httpx
import requests
import responses
import respx
from respx.models import AllMockedAssertionError

from fakeqpu.transport import IBM_URL, NOT_IBM_URL

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class RealIbmRequestBlocked(requests.ConnectionError):
    """A request to IBM Quantum was about to leave the machine while no fake was running."""


def blocked_message(method: str, url: str) -> str:
    return (
        f"fakeqpu blocked a real request to IBM: {method} {url}. No fake is running here: "
        "use the fake_runtime fixture (or fake_service, fake_session, ...) "
        "or `with fakeqpu.mock_runtime():`; "
        "to reach the real service on purpose, run pytest with --fakeqpu-allow-real."
    )


class RealTrafficGuard:
    def __init__(self) -> None:
        self._requests_mock: responses.RequestsMock | None = None
        self._httpx_mock: respx.MockRouter | None = None
        self.blocked: list[str] = []

    @property
    def installed(self) -> bool:
        return self._requests_mock is not None

    def install(self) -> None:
        if self.installed:
            return
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in _METHODS:
            mock.add_callback(method, IBM_URL, callback=self._refuse_requests)
        mock.add_passthru(NOT_IBM_URL)
        router = respx.MockRouter(assert_all_called=False, assert_all_mocked=False)
        router.route(url__regex=IBM_URL.pattern).mock(side_effect=self._refuse_httpx)
        router.route().pass_through()
        mock.start()
        router.start()
        self._requests_mock, self._httpx_mock = mock, router

    def uninstall(self) -> None:
        if self._httpx_mock is not None:
            self._httpx_mock.stop()
        if self._requests_mock is not None:
            self._requests_mock.stop()
            self._requests_mock.reset()
        self._requests_mock = self._httpx_mock = None

    def _refuse_requests(self, prepared: requests.PreparedRequest) -> RealIbmRequestBlocked:
        message = blocked_message(prepared.method or "GET", prepared.url or "")
        self.blocked.append(message)
        return RealIbmRequestBlocked(message)  # responses raises a returned exception

    def _refuse_httpx(self, request: httpx.Request) -> httpx.Response:
        # respx asks its routers in the order they started, and passes over one that raises this: so a
        # fake started after the guard still answers, and with none running the caller sees this message.
        message = blocked_message(request.method, str(request.url))
        self.blocked.append(message)
        raise AllMockedAssertionError(message)
