"""Transport-neutral request and response objects: the api layer sees only these."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]  # keys lower-cased
    body: bytes = b""
    # The instance (CRN or name) the client's account is being resolved for, when the transport can
    # tell (in process: see transport.client_instance); None otherwise.
    instance_hint: str | None = None

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").rstrip(".").lower()  # "host." is the same host

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @staticmethod
    def build(
        method: str, url: str, headers: Any, body: bytes | str | None, instance_hint: str | None = None
    ) -> Request:
        raw = body.encode() if isinstance(body, str) else (body or b"")
        return Request(
            method.upper(),
            url,
            {str(k).lower(): str(v) for k, v in dict(headers or {}).items()},
            raw,
            instance_hint,
        )


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Set: no answer at all, the transport raises this in the client instead (a dropped connection, a
    # timeout). A builtin ConnectionError or TimeoutError becomes the HTTP library's own.
    error: BaseException | None = None

    @staticmethod
    def raising(error: BaseException) -> Response:
        return Response(0, error=error)

    @staticmethod
    def no_such_host(host: str) -> Response:
        """What the network says of a host that does not exist: a connection error in the client."""
        return Response.raising(ConnectionError(f"Failed to resolve '{host}' (Name or service not known)"))

    @staticmethod
    def json(payload: Any, status: int = 200) -> Response:
        return Response(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    @staticmethod
    def text(payload: str, status: int = 200, content_type: str = "text/plain") -> Response:
        return Response(status, payload.encode(), {"Content-Type": content_type})

    @staticmethod
    def empty(status: int = 204) -> Response:
        return Response(status)
