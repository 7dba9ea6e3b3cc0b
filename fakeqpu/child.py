"""Inside a process of `fakeqpu run`: IBM's hosts reach the run's fake, on the fake's clock.

Imported by `fakeqpu run`'s sitecustomize (`_boot/`) when the process first imports `requests`,
`httpx` or `qiskit_ibm_runtime`, and only when FAKEQPU_RUN is set:

- `requests`/`httpx`: an in-process `Interceptor` (transports/inprocess.py) answers every request to an
  IBM host by forwarding it to the fake's server, whose HTTP server takes the full IBM URL as its
  target (absolute-form). Code that names `https://quantum.cloud.ibm.com/api/v1/jobs` or
  `https://iam.cloud.ibm.com/identity/token` itself reaches the fake; the client, which reads the
  environment's URLs, talks to the server directly.
- `qiskit_ibm_runtime`, or the first forwarded request: the process goes on the fake's clock. A
  `SharedClock` starts at the server's now (time-machine: `datetime.now()`, `time.time()` show it,
  frozen between moves); `time.sleep(s)` asks the server to sleep (`POST /_fakeqpu/clock/sleep`), which
  moves the one clock every process shares, and the process follows the answer. Each forwarded
  answer also carries the server's now (`X-Fakeqpu-Now`), so a move made elsewhere is seen at the
  next request. A clock started in the process (a fakeqpu fixture, `mock_runtime()`) nests inside.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fakeqpu.api.http import Request, Response
from fakeqpu.clock import _ACTIVE, REAL_SLEEP, Clock

NOW_HEADER = "X-Fakeqpu-Now"  # the same as serving.NOW_HEADER (serving imports the whole fake)
_HOP_BY_HOP = frozenset({"host", "connection", "content-length", "transfer-encoding", "keep-alive"})
_REUSE_SECONDS = 20.0  # a kept-alive connection idle longer is replaced (the server drops them at 60 s)


class FakeConnection:
    """Requests to the run's server over one kept-alive connection per thread (http.client)."""

    def __init__(self, url: str, control_token: str, ca_file: str | None = None) -> None:
        parts = urlsplit(url)
        self.url = url
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port
        self._token = control_token
        self._ca_file = ca_file
        self._local = threading.local()

    def forget(self) -> None:
        """Drop this thread's connection (after a fork: the parent's socket is not ours)."""
        self._local = threading.local()

    def request(
        self, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn, last = getattr(self._local, "conn", None), getattr(self._local, "used", 0.0)
        if conn is not None and time.monotonic() - last > _REUSE_SECONDS:
            conn.close()
            conn = None
        if conn is None:
            conn = self._connect()
        self._local.conn = None  # back only once the answer is read: a failure leaves no half-used socket
        try:
            conn.request(method, target, body=body or None, headers=headers or {})
            answer = conn.getresponse()
            data = answer.read()
        except BaseException:
            conn.close()
            raise
        if not answer.will_close:
            self._local.conn, self._local.used = conn, time.monotonic()
        else:
            conn.close()
        return answer.status, answer.getheaders(), data

    def _connect(self) -> Any:
        import http.client

        if not self._https:
            return http.client.HTTPConnection(self._host, self._port, timeout=300)
        import ssl

        context = ssl.create_default_context(cafile=self._ca_file)
        return http.client.HTTPSConnection(self._host, self._port, timeout=300, context=context)

    def control(self, method: str, path: str, arguments: dict[str, Any] | None = None) -> Any:
        body = json.dumps(arguments).encode() if arguments is not None else b""
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        status, _, data = self.request(method, f"/_fakeqpu{path}", body, headers)
        if status >= 400:
            raise RuntimeError(f"fakeqpu run: {method} /_fakeqpu{path} answered {status}: {data[:200]!r}")
        return json.loads(data) if data else None

    def now(self) -> datetime:
        return _instant(self.control("GET", "/clock/now"))

    def sleep(self, seconds: float, since: datetime) -> datetime:
        arguments = {"seconds": seconds, "since": since.isoformat()}
        return _instant(self.control("POST", "/clock/sleep", arguments))


def _instant(text: Any) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


class SharedClock(Clock):
    """This process's view of the server's clock: follows it forward; sleeping moves it for everyone."""

    def __init__(self, fake: FakeConnection) -> None:
        super().__init__(fake.now())
        self._fake = fake

    def sleep(self, seconds: float, *, since: datetime | None = None) -> datetime:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if seconds == 0:  # a yield, not a wait: nothing to ask the server
            REAL_SLEEP(0)
            return self.now()
        try:
            now = self._fake.sleep(seconds, since or self.now())
        except OSError as error:  # the run's server is gone (a process that outlived the run)
            _warn(f"fakeqpu run: the fake at {self._fake.url} did not answer ({error}); sleeping for real")
            REAL_SLEEP(seconds)
            return self.now()
        self.follow(now)
        return now

    def follow(self, when: datetime) -> None:
        """Move to the server's `when` if it is later (another process moved the shared clock)."""
        try:
            if when > self.now():
                self.travel_to(when)
        except ValueError:  # another thread followed further meanwhile
            pass


_LOCK = threading.RLock()  # re-entered: importing the interceptor imports requests, a trigger
_state: dict[str, Any] = {}  # "fake": FakeConnection, "clock": SharedClock, "interceptor": Interceptor


def fake() -> FakeConnection | None:
    """The run's server, from the environment `fakeqpu run` set (None outside a run)."""
    with _LOCK:
        if "fake" not in _state:
            url, token = os.environ.get("FAKEQPU_URL"), os.environ.get("FAKEQPU_CONTROL_TOKEN")
            connection = None
            if url and token:
                connection = FakeConnection(url, token, os.environ.get("REQUESTS_CA_BUNDLE"))
                os.register_at_fork(after_in_child=connection.forget)
            _state["fake"] = connection
        found: FakeConnection | None = _state["fake"]
        return found


def imported(name: str) -> None:
    """Called by the bootstrap once `name` (requests, httpx or qiskit_ibm_runtime) is imported."""
    if fake() is None:
        return
    intercept()
    if name == "qiskit_ibm_runtime":
        on_the_fakes_clock()


def intercept() -> None:
    """Forward every request to an IBM host, made through requests or httpx, to the run's server."""
    with _LOCK:
        if "interceptor" in _state:
            return
        _state["interceptor"] = None  # being made: the imports below trigger this again
        from fakeqpu.transports.inprocess import Interceptor

        _state["interceptor"] = interceptor = Interceptor(forward, also=_derived_service)
        interceptor.start()


# The IBM Cloud services a client derives from its runtime URL as `<service>.<the URL's host>`.
_DERIVED_SERVICES = ("iam", "api.global-search-tagging", "globalcatalog", "resource-controller")


def _derived_ibm_url(url: str) -> str | None:
    """The IBM URL of a service URL derived from the runtime URL, or None. Clients before 0.50 ignore
    `IAM_URL` and the like and call `<service>.<runtime host>` (without its port): here that host is
    the run's server's, so such a URL is IBM's service at `<service>.cloud.ibm.com`."""
    connection = fake()
    if connection is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    suffix = f".{urlsplit(connection.url).hostname}"
    host = parts.hostname or ""
    if not host.endswith(suffix) or host[: -len(suffix)] not in _DERIVED_SERVICES:
        return None
    query = f"?{parts.query}" if parts.query else ""
    return f"https://{host[: -len(suffix)]}.cloud.ibm.com{parts.path}{query}"


def _derived_service(url: str) -> bool:
    """Whether `url` is such a derived service URL (the interceptor answers it too)."""
    return _derived_ibm_url(url) is not None


def on_the_fakes_clock() -> SharedClock | None:
    """Start following the server's clock (once); not while a clock of this process runs (it owns time)."""
    connection = fake()
    with _LOCK:
        clock: SharedClock | None = _state.get("clock")
        if clock is not None or connection is None:
            return clock
        if _ACTIVE:  # an in-process fake's clock is running: try again at the next request
            return None
        try:
            clock = SharedClock(connection)
        except (OSError, RuntimeError, ValueError) as error:  # the run's server is gone: real time
            _warn(f"fakeqpu run: the fake at {connection.url} did not answer ({error}); time stays real")
            return None
        clock.start()
        _state["clock"] = clock
        return clock


def _warn(message: str) -> None:
    if not _state.get("warned"):
        _state["warned"] = True
        print(message, file=sys.stderr)


def forward(request: Request) -> Response:
    """The server's answer to an IBM request (the Interceptor's handler)."""
    connection = fake()
    if connection is None:
        return Response.raising(ConnectionError("fakeqpu run: no FAKEQPU_URL in this process's environment"))
    clock = on_the_fakes_clock()
    url = _derived_ibm_url(request.url) or request.url
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    headers[NOW_HEADER] = "?"
    try:
        status, answer_headers, body = connection.request(request.method, url, request.body, headers)
    except OSError as error:
        failed = f"fakeqpu run: the fake at {connection.url} did not answer ({error})"
        return Response.raising(ConnectionError(failed))
    kept: dict[str, str] = {}
    now = None
    for name, value in answer_headers:
        if name.lower() == NOW_HEADER.lower():
            now = value
        elif name.lower() not in ("connection", "keep-alive"):
            kept[name] = value
    if now is not None and clock is not None:
        clock.follow(_instant(now))
    return Response(status, body, kept)
