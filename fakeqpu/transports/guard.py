"""Safe by default: while installed, nothing in the process can reach an IBM host.

Two layers, like pytest-django's database blocker but for the network:

- the HTTP layer: an IBM request through `requests` or `httpx` that no running fake answers fails
  at once with `RealIbmRequestBlocked` (a last-resort `transport.Interceptor`; a running fake answers
  first);
- the socket layer, for every other way out (urllib3, urllib.request, http.client, aiohttp, asyncio,
  raw sockets): resolving an IBM name (`socket.getaddrinfo`, `gethostbyname[_ex]`), connecting a
  socket to one by name, or tunnelling to one through a proxy (`http.client.HTTPConnection.set_tunnel`)
  raises `RealIbmHostBlocked`, a `socket.gaierror`, which each library reports as a failed connection.

Only IBM names are refused (`transport.ibm_host`: any case, trailing dot, port or userinfo): loopback
and every other host stay reachable. Out of reach of both layers: a connection to an IBM address given
as a literal IP, and a resolver that does not use the socket module (aiodns); see docs/fixtures.md.
"""

from __future__ import annotations

import functools
import http.client
import socket
from collections.abc import Callable
from typing import Any

import requests

from fakeqpu.api.http import Request, Response
from fakeqpu.transports.inprocess import Interceptor, ibm_host


class RealIbmRequestBlocked(requests.ConnectionError):
    """A request to IBM Quantum was about to leave the machine while no fake was running."""


class RealIbmHostBlocked(socket.gaierror):
    """A connection to an IBM host was about to be opened below the HTTP libraries fakeqpu answers."""


def blocked_message(method: str, url: str) -> str:
    return (
        f"fakeqpu blocked a real request to IBM: {method} {url}. No fake is running here: "
        "use the fake_runtime fixture (or fake_service, fake_session, ...) "
        "or `with fakeqpu.mock_runtime():`; "
        "to reach the real service on purpose, run pytest with --fakeqpu-allow-real."
    )


def blocked_host_message(host: str, how: str) -> str:
    return (
        f"fakeqpu blocked a connection to IBM host {host!r} ({how}). fakeqpu answers IBM requests made "
        "through requests or httpx while a fake runs (the fake_runtime fixture, `fakeqpu.mock_runtime()`); "
        "no other way out reaches IBM in a test session. To reach the real service on purpose, run "
        "pytest with --fakeqpu-allow-real."
    )


def _host_of(address: Any) -> str | None:
    if isinstance(address, tuple) and address and isinstance(address[0], str | bytes):
        host = address[0]
        return host.decode(errors="replace") if isinstance(host, bytes) else host
    return None


class SocketGuard:
    """Refuses IBM names at the resolver and socket layer while installed (see the module docstring).

    It wraps whatever is in place when installed, so a test can put a stand-in below it and see what
    would have been reached.
    """

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self._saved: list[tuple[Any, str, Any, Any]] = []

    @property
    def installed(self) -> bool:
        return bool(self._saved)

    def _refuse(self, host: str, how: str) -> RealIbmHostBlocked:
        message = blocked_host_message(host, how)
        self.blocked.append(message)
        return RealIbmHostBlocked(socket.EAI_NONAME, message)

    def install(self) -> None:
        if self._saved:
            return
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            self._replace(socket, name, self._resolver)
        self._replace(socket.socket, "connect", self._connect)
        self._replace(socket.socket, "connect_ex", self._connect)
        self._replace(http.client.HTTPConnection, "set_tunnel", self._tunnel)

    def uninstall(self) -> None:
        for owner, name, original, ours in reversed(self._saved):
            if getattr(owner, name) is ours:
                setattr(owner, name, original)
        self._saved = []

    def _replace(self, owner: Any, name: str, make: Callable[[Any, str], Any]) -> None:
        original = getattr(owner, name)
        ours = make(original, name)
        setattr(owner, name, ours)
        self._saved.append((owner, name, original, ours))

    def _resolver(self, original: Callable[..., Any], name: str) -> Callable[..., Any]:
        @functools.wraps(original)
        def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
            text = host.decode(errors="replace") if isinstance(host, bytes) else host
            if isinstance(text, str) and ibm_host(text):
                raise self._refuse(text, f"socket.{name}")
            return original(host, *args, **kwargs)

        return resolve

    def _connect(self, original: Callable[..., Any], name: str) -> Callable[..., Any]:
        @functools.wraps(original)
        def connect(sock: socket.socket, address: Any) -> Any:
            host = _host_of(address)
            if host is not None and ibm_host(host):
                raise self._refuse(host, f"socket.{name}")
            return original(sock, address)

        return connect

    def _tunnel(self, original: Callable[..., Any], name: str) -> Callable[..., Any]:
        @functools.wraps(original)
        def set_tunnel(connection: http.client.HTTPConnection, host: str, *args: Any, **kwargs: Any) -> Any:
            if ibm_host(host.rsplit(":", 1)[0] if host.count(":") == 1 else host):
                raise self._refuse(host, "a proxy tunnel")
            return original(connection, host, *args, **kwargs)

        return set_tunnel


class RealTrafficGuard:
    """Both layers, installed for a pytest session by the plugin unless --fakeqpu-allow-real."""

    def __init__(self) -> None:
        self._http = Interceptor(self._refuse, last_resort=True)
        self.sockets = SocketGuard()
        self.blocked: list[str] = []

    @property
    def installed(self) -> bool:
        return self._http.active

    def install(self) -> None:
        self._http.start()
        self.sockets.install()

    def uninstall(self) -> None:
        self.sockets.uninstall()
        self._http.stop()

    def _refuse(self, request: Request) -> Response:
        message = blocked_message(request.method, request.url)
        self.blocked.append(message)
        return Response.raising(RealIbmRequestBlocked(message))
