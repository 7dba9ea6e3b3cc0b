"""IBM's error envelope, and the HTTP status of each domain error."""

from __future__ import annotations

from fakeqpu.api.http import Response
from fakeqpu.service.errors import (
    MORE_INFO,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotAuthorizedError,
    NotFoundError,
    ServiceError,
)

_STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (InvalidRequestError, 400),
    (NotAuthorizedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
)


def envelope(status: int, code: int, message: str, solution: str, trace: str) -> Response:
    body = {
        "errors": [{"code": code, "message": message, "solution": solution, "more_info": MORE_INFO}],
        "trace": trace,
    }
    return Response.json(body, status)


def error_response(error: ServiceError, trace: str) -> Response:
    status = next((s for cls, s in _STATUS if isinstance(error, cls)), 500)
    return envelope(status, error.code, error.message, error.solution, trace)
