"""Safe by default: while installed, a request to an IBM host that no fake answers fails at once.

Like pytest-django's database blocker. A running fake stacks its own interception on top of the
guard, so it answers; once it stops, the guard is what a stray request meets again.
"""

from __future__ import annotations

import httpx
import requests
from respx.models import AllMockedAssertionError

from fakeqpu.transport import IbmHostPatch


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
        self._patch = IbmHostPatch(self._refuse_requests, self._refuse_httpx)
        self.blocked: list[str] = []

    @property
    def installed(self) -> bool:
        return self._patch.active

    def install(self) -> None:
        self._patch.start()

    def uninstall(self) -> None:
        self._patch.stop()

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
