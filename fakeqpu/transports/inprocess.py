"""In-process interception of IBM hosts, above every other HTTP mock a test suite may run.

While an `Interceptor` is started, a request to an IBM host (`ibm_host`) made through `requests` or
`httpx` is answered by its handler; nothing reaches a socket. Every other request goes on untouched,
to whatever the user's own mocks (responses, requests-mock, respx, vcrpy, ...) or the network make
of it. Interceptors nest: the innermost started one answers.

Where: `requests.Session.request` and `requests.Session.send`, `httpx.Client.send` and
`httpx.AsyncClient.send`. These are the outermost calls of each library, above the layers the
mocking libraries patch (responses: `HTTPAdapter.send`; requests-mock: `Session.send` and
`get_adapter`, calling the `Session.send` it captured at import; respx: httpcore or httpx
transports; vcrpy: `http.client`/urllib3 connections and `httpx.Client._send_single_request`), so
an IBM request is answered whichever of them started first. See docs/architecture.md.

A handler's `Response` may carry an exception (`Response.raising`): the transport raises it in the
client instead of answering. A builtin `TimeoutError` or `ConnectionError` becomes the library's own
(`requests.ReadTimeout` / `httpx.ReadTimeout`, `requests.ConnectionError` / `httpx.ConnectError`).
"""

from __future__ import annotations

import functools
import http
import inspect
import io
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.hooks import dispatch_hook
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from fakeqpu.api.http import Request, Response

Handler = Callable[[Request], Response]

# The registered domains of IBM's services. bluemix.net is IBM Cloud's former name: its IAM host
# (iam.bluemix.net) is still accepted by ibm-cloud-sdk-core configurations.
IBM_DOMAINS: tuple[str, ...] = ("ibm.com", "bluemix.net")


def ibm_host(host: str | None) -> bool:
    """True for an IBM host in any spelling: case, trailing dot(s), brackets."""
    if not host:
        return False
    name = host.strip("[]").rstrip(".").lower()
    return any(name == domain or name.endswith("." + domain) for domain in IBM_DOMAINS)


def ibm_url(url: str | bytes) -> bool:
    """True for an http(s) URL whose host is an IBM host (userinfo and port ignored)."""
    text = url.decode(errors="replace") if isinstance(url, bytes) else str(url)
    try:
        parts = urlsplit(text.strip())
        return parts.scheme.lower() in ("http", "https") and ibm_host(parts.hostname)
    except ValueError:
        return False


class Interceptor:
    """Answers IBM hosts with `handler` while started. Nestable: the innermost started one answers.

    `last_resort=True` (the real-IBM guard) answers only while no other interceptor is started.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        last_resort: bool = False,
        also: Callable[[str], bool] | None = None,
    ) -> None:
        self._handler = handler
        self._last_resort = last_resort
        self.also = also
        """URLs beyond IBM's hosts that this interceptor answers too (a `fakeqpu run` child's)."""

    @property
    def active(self) -> bool:
        return self in _STACK or self in _LAST_RESORT

    def start(self) -> None:
        with _LOCK:
            if self.active:
                return
            (_LAST_RESORT if self._last_resort else _STACK).append(self)
            _PATCHES.install()

    def stop(self) -> None:
        with _LOCK:
            for stack in (_STACK, _LAST_RESORT):
                if self in stack:
                    stack.remove(self)
            if not _STACK and not _LAST_RESORT:
                _PATCHES.uninstall()

    def handle(self, request: Request) -> Response:
        return self._handler(request)


# Wrappers around every answered `requests` call, outermost first: `wrapper(send, session, prepared,
# **kwargs)` where `send(session, prepared, **kwargs)` answers. Real mode's cost guard (real/traffic.py)
# holds every request it lets through `Session.send`; a fake answering above that (a stand-in for
# IBM in real mode's tests) goes through the same wrappers, so the cost guard still sees it.
RequestsWrapper = Callable[..., requests.Response]
REQUESTS_WRAPPERS: list[RequestsWrapper] = []

_LOCK = threading.RLock()
_STACK: list[Interceptor] = []  # started interceptors, innermost last
_LAST_RESORT: list[Interceptor] = []


def client_instance() -> str | None:
    """The instance (CRN or name) of the qiskit-ibm-runtime `Account` whose instances are being listed.

    Read, not patched: the fake answers in the client's own call stack, so the frame of the client's
    `Account.list_instances` (every release 0.40–0.51) is above this one, and its account says which
    instance the application configured. Global Search is asked only for "the account's instances";
    with this, the fake's account has the one the application asked for (docs/fidelity.md).
    """
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "list_instances":
            owner = frame.f_locals.get("self")
            instance = getattr(owner, "instance", None)
            if type(owner).__module__.startswith("qiskit_ibm_runtime.") and isinstance(instance, str):
                return instance
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _hint(url: str) -> str | None:
    return client_instance() if "global-search" in url.lower() else None


def _answering(url: Any) -> Interceptor | None:
    if not ibm_url(url if isinstance(url, str | bytes) else str(url)):
        text = url.decode(errors="replace") if isinstance(url, bytes) else str(url)
        also = _STACK[-1].also if _STACK else None
        return _STACK[-1] if also is not None and also(text) else None
    if _STACK:
        return _STACK[-1]
    return _LAST_RESORT[-1] if _LAST_RESORT else None


# -- requests -------------------------------------------------------------------------------------

_ADAPTER = HTTPAdapter()  # only its build_response: turns a urllib3 response into a requests one


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | str):
        return body.encode() if isinstance(body, str) else body
    if hasattr(body, "read"):
        data = body.read()
        return data.encode() if isinstance(data, str) else bytes(data)
    return b"".join(part.encode() if isinstance(part, str) else bytes(part) for part in body)


def _requests_exception(error: BaseException) -> BaseException:
    if isinstance(error, requests.RequestException):
        return error
    if isinstance(error, TimeoutError):
        return requests.exceptions.ReadTimeout(str(error))
    if isinstance(error, ConnectionError):
        return requests.exceptions.ConnectionError(str(error))
    return error


def _answer_requests(
    interceptor: Interceptor,
    session: requests.Session,
    prepared: requests.PreparedRequest,
    stream: bool,
    kwargs: dict[str, Any],
) -> requests.Response:
    def answer(session: requests.Session, prepared: requests.PreparedRequest, **kw: Any) -> requests.Response:
        return _answer(interceptor, prepared, stream, kw, _retries(session, prepared.url or ""))

    send: Callable[..., requests.Response] = answer
    for wrapper in reversed(REQUESTS_WRAPPERS):
        send = functools.partial(wrapper, send)
    return send(session, prepared, **kwargs)


def _retries(session: requests.Session, url: str) -> Retry | None:
    """The retry policy of the adapter the session mounted for `url` (the client mounts one)."""
    try:
        policy = getattr(session.get_adapter(url), "max_retries", None)
    except requests.exceptions.InvalidSchema:
        return None
    return policy if isinstance(policy, Retry) else None


def _answer(
    interceptor: Interceptor,
    prepared: requests.PreparedRequest,
    stream: bool,
    kwargs: dict[str, Any],
    retries: Retry | None = None,
) -> requests.Response:
    """Answer as requests would over the network, the adapter's urllib3 retries on status included."""
    url = prepared.url or ""
    method = prepared.method or "GET"
    body = _body(prepared.body)
    while True:
        response = interceptor.handle(Request.build(method, url, prepared.headers, body, _hint(url)))
        if response.error is not None:
            converted = _requests_exception(response.error)
            if converted is response.error:
                raise converted  # `raise e from e` would make e its own cause: a cycle callers walk forever
            raise converted from response.error
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(response.body),
            headers=response.headers,
            status=response.status,
            reason=_reason(response.status),
            preload_content=False,
            decode_content=False,
            request_method=method,  # a HEAD answer has no body, whatever its Content-Length says
        )
        if retries is None or not retries.is_retry(
            method, response.status, bool(raw.headers.get("Retry-After"))
        ):
            break
        try:  # what urllib3's urlopen does with a status in the policy's force list
            retries = retries.increment(method, url, response=raw)
        except MaxRetryError as exhausted:
            if retries.raise_on_status:
                raise requests.exceptions.RetryError(exhausted, request=prepared) from None
            break
        retries.sleep(raw)  # backoff or Retry-After: `time.sleep`, virtual while a fake runs
    answer = _ADAPTER.build_response(prepared, raw)
    answer.elapsed = timedelta(0)
    answer = dispatch_hook("response", prepared.hooks, answer, **kwargs)
    if not stream:
        _ = answer.content
    return answer


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _patched_request(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def request(
        session: requests.Session, method: str | bytes, url: str | bytes, *args: Any, **kw: Any
    ) -> Any:
        interceptor = _answering(url)
        if interceptor is None:
            return original(session, method, url, *args, **kw)
        a = signature.bind(session, method, url, *args, **kw).arguments
        verb = method.decode() if isinstance(method, bytes) else method
        prepared = session.prepare_request(
            requests.Request(
                method=verb.upper(),
                url=url,
                headers=a.get("headers"),
                files=a.get("files"),
                data=a.get("data") or {},
                json=a.get("json"),
                params=a.get("params") or {},
                auth=a.get("auth"),
                cookies=a.get("cookies"),
                hooks=a.get("hooks"),
            )
        )
        stream = a.get("stream")
        return _answer_requests(
            interceptor, session, prepared, session.stream if stream is None else stream, {}
        )

    return request


def _patched_send(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def send(session: requests.Session, request: Any, **kwargs: Any) -> Any:
        interceptor = _answering(getattr(request, "url", "") or "")
        if interceptor is None or not isinstance(request, requests.PreparedRequest):
            return original(session, request, **kwargs)
        stream = kwargs.get("stream")
        return _answer_requests(
            interceptor, session, request, session.stream if stream is None else stream, kwargs
        )

    return send


# -- httpx (optional: patched only where it is installed) ------------------------------------------


def _httpx_response(httpx: Any, request: Any, response: Response) -> Any:
    if response.error is not None:
        error = response.error
        if isinstance(error, httpx.HTTPError):
            raise error
        message = str(error)
        if isinstance(error, TimeoutError | requests.exceptions.Timeout):
            raise httpx.ReadTimeout(message, request=request) from error
        if isinstance(error, ConnectionError | requests.exceptions.ConnectionError):
            raise httpx.ConnectError(message, request=request) from error
        raise error
    return httpx.Response(response.status, headers=response.headers, content=response.body, request=request)


def _ours(request: Any, body: bytes) -> Request:
    url = str(request.url)
    return Request.build(request.method, url, dict(request.headers), body, _hint(url))


def _patched_httpx_send(httpx: Any, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def send(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        interceptor = _answering(str(request.url))
        if interceptor is None:
            return original(client, request, *args, **kwargs)
        for hook in client.event_hooks.get("request", []):
            hook(request)
        answer = _httpx_response(httpx, request, interceptor.handle(_ours(request, request.read())))
        for hook in client.event_hooks.get("response", []):
            hook(answer)
        return answer

    return send


def _patched_httpx_async_send(httpx: Any, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def send(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        interceptor = _answering(str(request.url))
        if interceptor is None:
            return await original(client, request, *args, **kwargs)
        for hook in client.event_hooks.get("request", []):
            await hook(request)
        answer = _httpx_response(httpx, request, interceptor.handle(_ours(request, await request.aread())))
        for hook in client.event_hooks.get("response", []):
            await hook(answer)
        return answer

    return send


class _Patches:
    """The class attributes replaced while any interceptor runs, and what they replaced."""

    def __init__(self) -> None:
        self._saved: list[tuple[type, str, Any, Any]] = []  # (owner, name, original, ours)

    def install(self) -> None:
        if self._saved:
            return
        self._replace(requests.Session, "request", _patched_request)
        self._replace(requests.Session, "send", _patched_send)
        try:
            import httpx
        except ImportError:
            return
        self._replace(httpx.Client, "send", functools.partial(_patched_httpx_send, httpx))
        self._replace(httpx.AsyncClient, "send", functools.partial(_patched_httpx_async_send, httpx))

    def _replace(self, owner: type, name: str, make: Callable[[Any], Any]) -> None:
        original = owner.__dict__[name]
        ours = make(original)
        setattr(owner, name, ours)
        self._saved.append((owner, name, original, ours))

    def uninstall(self) -> None:
        for owner, name, original, ours in reversed(self._saved):
            if owner.__dict__.get(name) is ours:  # someone patched on top of us: leave theirs in place
                setattr(owner, name, original)
        self._saved = []


_PATCHES = _Patches()
