"""Server mode's control API, `/_fakeqpu/...`: the Python test controls, over HTTP.

Each route calls one Python method of the running fake, with the same name and meaning: a POST
takes the method's keyword arguments as a JSON object, a GET takes them from the query string, and
the answer is the method's return value as JSON (204 when it returns None). Arguments are checked
against the method's own type hints before anything is called, so a request applies fully or not
at all. Every request needs `Authorization: Bearer <control token>` (the token the server printed).
Errors, unknown paths included, answer IBM's envelope, so one error parser reads both APIs.

Adding a control is one line in `ROUTES`: (method, path) → the callable, given the running fake.
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import inspect
import itertools
import json
import logging
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fakeqpu.api.app import FakeIbmCloud
from fakeqpu.api.errors import envelope, error_response
from fakeqpu.api.http import Request, Response
from fakeqpu.clock import Clock
from fakeqpu.service.errors import ServiceError
from fakeqpu.service.runtime import RuntimeService

PREFIX = "/_fakeqpu"
log = logging.getLogger("fakeqpu")


@dataclass(frozen=True)
class Controlled:
    """What the control API acts on: the running fake's model, app and clock, and how to reset it."""

    service: RuntimeService
    app: FakeIbmCloud
    clock: Clock
    reset: Callable[..., None]  # **runtime options (JSON values) → a fresh fake; bad ones: ValueError


def text(get: Callable[[], object], content_type: str = "text/plain") -> Callable[[], Response]:
    """A route answering `str(get())` as text (a rendering rather than a record)."""
    return lambda: Response.text(str(get()), content_type=content_type)


ROUTES: dict[tuple[str, str], Callable[[Controlled], Callable[..., Any]]] = {
    ("GET", "/clock/now"): lambda c: c.clock.now,
    ("POST", "/clock/advance"): lambda c: c.clock.advance,
    ("POST", "/clock/travel_to"): lambda c: c.clock.travel_to,
    ("POST", "/clock/sleep"): lambda c: c.clock.sleep,
    ("GET", "/now"): lambda c: c.clock.now,
    ("POST", "/set_backend_status"): lambda c: c.service.set_backend_status,
    ("POST", "/add_background_load"): lambda c: c.service.add_background_load,
    ("POST", "/add_history"): lambda c: c.service.add_history,
    ("GET", "/timeline"): lambda c: c.service.timeline_entries,
    ("GET", "/timeline.txt"): lambda c: text(c.service.timeline_entries),
    ("GET", "/timeline.svg"): lambda c: text(lambda: c.service.timeline_entries().to_svg(), "image/svg+xml"),
    ("POST", "/fail_jobs"): lambda c: c.service.fail_jobs,
    ("POST", "/http_fault"): lambda c: c.app.http_fault,
    ("POST", "/expire_tokens"): lambda c: c.app.expire_tokens,
    ("GET", "/faults"): lambda c: c.app.faults,
    ("POST", "/clear_faults"): lambda c: c.app.clear_faults,
    ("GET", "/jobs"): lambda c: c.service.job_records,
    ("GET", "/sessions"): lambda c: c.service.session_records,
    ("GET", "/simulations"): lambda c: c.service.simulations,
    ("GET", "/requests"): lambda c: c.app.requests,
    ("POST", "/reset"): lambda c: c.reset,
}


class BadArguments(ValueError):
    """Arguments that do not fit the method: a 400, before anything is called."""


class ControlApi:
    def __init__(self, target: Callable[[], Controlled], token: str) -> None:
        self._target = target
        self._token = token.encode()
        self._traces = itertools.count(1)

    def handle(self, request: Request) -> Response:
        try:
            return self._handle(request)
        except ServiceError as error:
            return error_response(error, self._trace())
        except (ValueError, OverflowError) as error:
            # BadArguments, or a value the method refused (the methods validate before they act)
            return self._error(400, 1208, f"Request validation failed, because: {error}")
        except Exception:
            log.exception("fakeqpu control failed on %s %s", request.method, request.path)
            return self._error(500, 1000, "API Internal error", "This is a bug in fakeqpu: please report it.")

    def _handle(self, request: Request) -> Response:
        if not self._authorized(request.header("authorization")):
            return self._error(
                401,
                1201,
                "Invalid credentials: the control API needs the token the server printed.",
                "Send the header `Authorization: Bearer $FAKEQPU_CONTROL_TOKEN`.",
            )
        path = request.path[len(PREFIX) :].rstrip("/") or "/"
        if path == "/":
            return Response.json({"routes": [f"{m} {PREFIX}{p}" for m, p in ROUTES]})
        route = ROUTES.get((request.method, path))
        if route is None:
            if any(p == path for _, p in ROUTES):
                return self._error(405, 1208, f"Method {request.method} is not allowed on {PREFIX}{path}.")
            return self._error(
                404,
                1208,
                f"Not found: {request.method} {request.path} is not a fakeqpu control.",
                f"GET {PREFIX}/ lists the controls.",
            )
        func = route(self._target())
        kwargs = _arguments(func, request)
        result = func(**kwargs)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response.empty(204)
        return Response.json(jsonable(result))

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("bearer "):
            return False
        return hmac.compare_digest(header[7:].strip().encode(), self._token)

    def _trace(self) -> str:
        return f"fakeqpu-control-{next(self._traces)}"

    def _error(self, status: int, code: int, message: str, solution: str = "") -> Response:
        return envelope(status, code, message, solution, self._trace())


# -- arguments: JSON or query strings, checked against the method's type hints ------------------------


def _arguments(func: Callable[..., Any], request: Request) -> dict[str, Any]:
    if request.method == "GET":
        raw: dict[str, Any] = {name: values[-1] for name, values in request.query.items()}
        from_query = True
    else:
        raw = _json_object(request.body)
        from_query = False
    signature = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # an annotation that does not resolve: take the values as JSON gives them
        hints = {}
    params = signature.parameters
    open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    named = {n: p for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in named and not open_ended:
            choices = ", ".join(named) or "none"
            raise BadArguments(f"unknown argument {name!r} (the arguments are: {choices})")
        hint = hints.get(name, Any)
        kwargs[name] = _from_query(value, hint, name) if from_query else _from_json(value, hint, name)
    missing = [n for n, p in named.items() if p.default is p.empty and n not in kwargs]
    if missing:
        raise BadArguments(f"missing argument(s): {', '.join(missing)}")
    return kwargs


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body.decode(), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadArguments(f"the body is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(value, dict):
        raise BadArguments("the body must be a JSON object of keyword arguments")
    _check_finite(value)
    return value


def _no_constant(name: str) -> Any:
    raise BadArguments(f"{name} is not a number")


def _check_finite(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise BadArguments("numbers must be finite")
    if isinstance(value, dict):
        for item in value.values():
            _check_finite(item)
    elif isinstance(value, list):
        for item in value:
            _check_finite(item)


def _members(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _from_json(value: Any, hint: Any, name: str) -> Any:
    if hint is Any:
        return value
    for member in _members(hint):
        if member is type(None) and value is None:
            return None
        if member is bool and isinstance(value, bool):
            return value
        if member is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if member is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if member is str and isinstance(value, str):
            return value
        if member is datetime and isinstance(value, str):
            return _datetime(value, name)
        origin = typing.get_origin(member) or member
        if origin in (list, tuple) and isinstance(value, list):
            return value
        if origin in (dict, Mapping) and isinstance(value, dict):
            return value
    raise BadArguments(f"{name}={value!r} is not {_describe(hint)}")


def _from_query(raw: str, hint: Any, name: str) -> Any:
    if hint is Any:
        return raw
    for member in _members(hint):
        if member is str:
            return raw
        if member is type(None) and raw in ("", "null"):
            return None
        if member is bool and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        if member in (int, float):
            try:
                number = member(raw)
            except ValueError:
                continue
            if math.isfinite(number):
                return number
        if member is datetime:
            return _datetime(raw, name)
    raise BadArguments(f"{name}={raw!r} is not {_describe(hint)}")


def _datetime(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadArguments(f"{name}={value!r} is not an ISO 8601 date-time") from None


def _describe(hint: Any) -> str:
    words = {type(None): "null", bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    shown = [words.get(m) or ("an ISO 8601 date-time" if m is datetime else str(m)) for m in _members(hint)]
    return " or ".join(shown)


# -- answers: the method's return value as JSON ---------------------------------------------------------


def iso(value: datetime) -> str:
    """Full precision (the clock counts microseconds), UTC, with a Z."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if callable(getattr(value, "tolist", None)):  # numpy arrays and scalars
        return jsonable(value.tolist())
    return str(value)  # a circuit: its text drawing
