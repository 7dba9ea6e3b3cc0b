"""(method, path pattern) → handler, with path parameters."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from fakeqpu.api.http import Request, Response

Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    path: str = ""


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        """`path` like `/jobs/{job_id}/results`; a parameter matches one path segment."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path.rstrip("/"))
        self._routes.append(Route(method.upper(), re.compile(f"^{regex}/?$"), handler, path))

    def routes(self) -> list[tuple[str, str]]:
        """(method, path pattern) of every route, in the order added."""
        return [(route.method, route.path) for route in self._routes]

    def match(self, request: Request, path: str) -> Match:
        path_known = False
        for route in self._routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == request.method:
                # Ids travel percent-encoded; the service (and its error texts) sees them decoded.
                params = {name: unquote(value) for name, value in found.groupdict().items()}
                return Match(route.handler, params, path_known=True)
            path_known = True
        return Match(None, {}, path_known)


@dataclass(frozen=True)
class Match:
    """The handler and its path parameters; no handler with `path_known` means: wrong method."""

    handler: Handler | None
    params: dict[str, str]
    path_known: bool
