"""Server mode's front door: a real threaded HTTP server for clients in other processes.

The second transport next to in-process interception (`inprocess.py`): it turns each HTTP request on
its socket into the api layer's `Request` and writes the `Response` back. The app routes by IBM host,
but here every service shares one port, so the first path segments pick the service:

    /iam/identity/token                     → iam.cloud.ibm.com/identity/token
    /global-search/v3/resources/search      → api.global-search-tagging.cloud.ibm.com/v3/...
    /global-catalog/api/v1/{plan}           → globalcatalog.cloud.ibm.com/api/v1/{plan}
    /api/v1/...                             → quantum.cloud.ibm.com/api/v1/... (IBM's REST paths)
    /experimental/api/v1/...                → the same (the Python client's base URL, see below)
    /_fakeqpu/...                           → the control API, as is

Why `/experimental/api/v1`: the client derives the runtime URL from `QISKIT_IBM_URL` as
`<scheme>://quantum.<hostname>/api/v1`, dropping the port, unless the URL contains "experimental",
in which case it uses the URL verbatim (`qiskit_ibm_runtime.api.utils.default_runtime_url_resolver`).

Standard library `ThreadingHTTPServer`: one thread per connection, HTTP/1.1 keep-alive (the client
reuses its connections), TLS by wrapping the listening socket. A server library would add a WSGI or
ASGI layer and a dependency for nothing the fake needs; the framing rules a library would give
(Content-Length, chunked bodies, a body limit, errors in IBM's envelope instead of HTML) are below.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from fakeqpu.api.errors import envelope
from fakeqpu.api.http import Request, Response

log = logging.getLogger("fakeqpu.server")

Handler = Callable[[Request], Response]

CONTROL_PREFIX = "/_fakeqpu"
RUNTIME_HOST = "quantum.cloud.ibm.com"
# local path prefix → (IBM host, the path prefix there); the longest prefix that matches wins
SERVICE_PREFIXES: dict[str, tuple[str, str]] = {
    "/iam": ("iam.cloud.ibm.com", ""),
    "/global-search": ("api.global-search-tagging.cloud.ibm.com", ""),
    "/global-catalog": ("globalcatalog.cloud.ibm.com", ""),
    "/experimental/api/v1": (RUNTIME_HOST, "/api/v1"),
    "/api/v1": (RUNTIME_HOST, "/api/v1"),
}
_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # wildcard bind → where to connect
MAX_BODY = 256 * 2**20  # bytes; a larger body answers 413
IDLE_TIMEOUT = 60.0  # seconds a kept-alive connection may sit idle before its thread lets it go


def ibm_url(path_and_query: str) -> str | None:
    """The IBM URL a local path stands for, or None when it names no IBM service."""
    parts = urlsplit(path_and_query)
    path = parts.path
    for prefix in sorted(SERVICE_PREFIXES, key=len, reverse=True):
        if path == prefix or path.startswith(prefix + "/"):
            host, there = SERVICE_PREFIXES[prefix]
            query = f"?{parts.query}" if parts.query else ""
            return f"https://{host}{there}{path[len(prefix) :]}{query}"
    return None


class _BadFraming(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class HttpServer:
    """Serves `app` (IBM's services) and `control` (`/_fakeqpu/...`) on one socket, in threads.

    `start()` binds (port 0: a free port) and serves in a daemon thread; `stop()` stops accepting,
    closes every open connection, and joins the thread. `tls` is an `ssl.SSLContext` for https.
    """

    def __init__(
        self,
        app: Handler,
        control: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.app, self.control = app, control
        self._address = (host, port)
        self._tls = tls
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return int(self._httpd.server_address[1])

    def url(self) -> str:
        """The base URL: the bound address, a wildcard shown as the loopback address."""
        shown = _LOOPBACK.get(self._address[0], self._address[0])
        shown = f"[{shown}]" if ":" in shown else shown
        return f"{'https' if self._tls else 'http'}://{shown}:{self.port}"

    def start(self) -> HttpServer:
        if self._httpd is not None:
            return self
        httpd = _Server(self._address, _RequestHandler, front=self, tls=self._tls)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="fakeqpu-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join()
        self._httpd = self._thread = None

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes, local: str) -> Response:
        """The response to one request; never raises (a bug is a 500 in IBM's envelope)."""
        try:
            parts = urlsplit(target)
            if parts.scheme in ("http", "https") and parts.netloc != urlsplit(local).netloc:
                # absolute-form (RFC 9112 §3.2.2): the target names its host, e.g. an IBM URL forwarded
                # by a `fakeqpu run` child; the app answers IBM's hosts and does not resolve others
                return self.app(Request.build(method, target, headers, body))
            target = target[len(f"{parts.scheme}://{parts.netloc}") :] if parts.scheme else target
            path = urlsplit(target).path
            if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                return self.control(Request.build(method, local + target, headers, body))
            url = ibm_url(target)
            if url is None:
                return server_error(
                    404, 1208, f"Not found: {method} {path} names no IBM service fakeqpu serves."
                )
            return self.app(Request.build(method, url, headers, body))
        except Exception:
            log.exception("fakeqpu server failed on %s %s", method, target)
            return server_error(500, 1000, "API Internal error")


_TRACES = itertools.count(1)


def server_error(status: int, code: int, message: str) -> Response:
    """IBM's envelope for what the server itself refuses (before the app sees a request)."""
    return envelope(status, code, message, "", f"fakeqpu-server-{next(_TRACES)}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, front: HttpServer, tls: Any
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.front = front
        self._tls = tls
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = self.socket.accept()
        if self._tls is not None:
            # The handshake runs in the connection's own thread (first read), not in the accept loop.
            conn = self._tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        with self._open_lock:
            self._open.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up mid-request, a failed TLS handshake: not the server's failure
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeqpu"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True  # else a small answer waits ~40 ms for the client's delayed ACK
    server: _Server

    def _answer(self) -> None:
        try:
            body = self._read_body()
        except _BadFraming as bad:
            self._write(server_error(bad.status, 1208, bad.message), close=True)
            return
        front = self.server.front
        response = front.answer(self.command, self.path, dict(self.headers), body, front.url())
        if response.error is not None:
            # an injected connection error (`http_fault(error=...)`): over a socket, the connection drops
            self.close_connection = True
            return
        self._write(response, close=self.close_connection)

    # any other method answers 501 in the envelope (send_error)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def _read_body(self) -> bytes:
        encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        if encoding:
            if encoding != "chunked":
                raise _BadFraming(501, f"Transfer-Encoding {encoding!r} is not supported.")
            return self._read_chunked()
        raw = self.headers.get_all("Content-Length") or []
        if not raw:
            return b""
        if len(set(raw)) != 1 or not raw[0].strip().isdigit():
            raise _BadFraming(400, "The Content-Length header is not a length.")
        length = int(raw[0])
        if length > MAX_BODY:
            raise _BadFraming(413, f"The body is larger than {MAX_BODY} bytes.")
        body = self.rfile.read(length)
        if len(body) < length:
            raise _BadFraming(400, "The body ended before its Content-Length.")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadFraming(400, "A chunk size is not hexadecimal.") from None
            if size < 0:
                raise _BadFraming(400, "A chunk size is negative.")
            total += size
            if total > MAX_BODY:
                raise _BadFraming(413, f"The body is larger than {MAX_BODY} bytes.")
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers, ignored
                return b"".join(parts)
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(1024) not in (b"\r\n", b"\n"):
                raise _BadFraming(400, "A chunk ended before its size.")
            parts.append(chunk)

    def _write(self, response: Response, *, close: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The base class's framing errors (bad request line, headers too long, unknown method)."""
        text = message or self.responses.get(code, ("Error",))[0]
        if getattr(self, "command", None) is None:
            self.command = "GET"  # nothing parsed: still answer with a body
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # a status line and headers, not a bare HTTP/0.9 body
        self._write(server_error(code, 1208, f"{text}."), close=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def client_urls(base: str) -> dict[str, str]:
    """Where each IBM service lives on a server at `base`, under the client's own variable names."""
    return {
        "QISKIT_IBM_URL": f"{base}/experimental/api/v1",
        "IAM_URL": f"{base}/iam",
        "GLOBAL_SEARCH_URL": f"{base}/global-search",
        "GLOBAL_CATALOG_URL": f"{base}/global-catalog/api/v1",
    }


def self_signed_tls(names: list[str]) -> tuple[ssl.SSLContext, bytes]:
    """A server context with a certificate for `names` (host names or IPs), and the PEM of the
    throwaway certificate authority that signed it, for the client to trust (`REQUESTS_CA_BUNDLE`).

    trustme makes both in two calls and is built for exactly this (tests); hand-written
    `cryptography` x509 builders would be forty lines to get the same.
    """
    try:
        import trustme
    except ImportError:
        raise RuntimeError("TLS needs the trustme package: pip install 'fakeqpu[tls]'") from None
    authority = trustme.CA(organization_name="fakeqpu")
    certificate = authority.issue_cert(*dict.fromkeys(names))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    return context, authority.cert_pem.bytes()
