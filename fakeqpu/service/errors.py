"""Domain errors: typed exceptions that carry an IBM error code. Only `fakeqpu.api` turns them into HTTP."""

from __future__ import annotations

MORE_INFO = "https://cloud.ibm.com/apidocs/quantum-computing#error-handling"


class ServiceError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, code: int, message: str, solution: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.solution = solution


class InvalidRequestError(ServiceError):
    """The request is malformed or breaks a documented rule (HTTP 400)."""


class NotAuthorizedError(ServiceError):
    """Credentials are missing or wrong (HTTP 401)."""


class ForbiddenError(ServiceError):
    """The caller may not do this with this instance or plan (HTTP 403)."""


class NotFoundError(ServiceError):
    """No such job, session, backend or instance (HTTP 404)."""


class ConflictError(ServiceError):
    """The object is in a state that forbids the action (HTTP 409)."""


# The catalogue. Provenance of each code and text is in docs/fidelity.md ("Error codes"): codes marked
# CHOSEN are fakeqpu's, because IBM's code for that case has not been seen.


def validation_error(reason: str) -> InvalidRequestError:
    """1208, HTTP 400: seen in real bodies with exactly this prefix."""
    return InvalidRequestError(1208, f"Request validation of body failed, because: {reason}")


def backend_not_found(name: str) -> NotFoundError:
    """1007, registry text. The HTTP 404 is what the real service answers for an unknown device."""
    return NotFoundError(
        1007,
        "Backend not found.",
        "Verify that the correct backend name was specified. To view the backends you have access to, "
        "use the QiskitRuntimeService.backends() method.",
    )


def backend_not_available() -> InvalidRequestError:
    """1004, registry text."""
    return InvalidRequestError(1004, "The Backend is not available.", "Use another backend to run the job.")


def job_not_found(job_id: str) -> NotFoundError:
    """Text seen on the real service; the code 1291 is CHOSEN."""
    return NotFoundError(1291, f"Job not found. Job ID: {job_id}", "Verify the job ID is correct")


def session_not_found(session_id: str) -> NotFoundError:
    """Text seen on the real service ("Session not found"); the code 1213 is CHOSEN."""
    return NotFoundError(
        1213, f"Session not found. Session ID: {session_id}", "Verify the session ID is correct"
    )


def session_not_accepting(closed: bool, hint: str | None = None) -> InvalidRequestError:
    """Rejection is documented; HTTP 400 and code 1217 (the session-closed reason code) are CHOSEN.

    `hint`: fakeqpu's own explanation, appended to the solution (a user's clock jump closed it)."""
    message = "Session has been closed." if closed else "Session is not accepting new jobs."
    solution = "Create a new session to run more jobs."
    return InvalidRequestError(1217, message, f"{solution} {hint}" if hint else solution)


def job_not_cancellable() -> ConflictError:
    """HTTP 409 and text from IBM's OpenAPI; the code 1233 is CHOSEN."""
    return ConflictError(
        1233, "Job is in non cancellable status.", "Only queued or running jobs can be cancelled."
    )


def calibration_not_found(calibration_id: str) -> NotFoundError:
    """IBM refuses an unknown calibration id; the HTTP status, code and text are CHOSEN."""
    return NotFoundError(
        1208,
        f"Calibration not found. Calibration ID: {calibration_id}",
        "Omit calibration_id for the backend's current calibration, or use one the backend has.",
    )


def job_not_final() -> InvalidRequestError:
    """Text from IBM's OpenAPI ("Job must be in a terminal state."), applied to running jobs only: a queued
    job is deleted, as the client's integration test `test_delete_job_queued` expects. 400/1234 CHOSEN."""
    return InvalidRequestError(
        1234, "Job must be in a terminal state.", "Cancel the job or wait for it to end."
    )


def usage_limit_reached() -> ConflictError:
    """HTTP 409 and text from IBM's OpenAPI; the code 1363 is CHOSEN."""
    return ConflictError(
        1363,
        "Usage exceeds instance limit.",
        "Wait until usage is available again, or use an instance of another plan.",
    )


def open_plan_session(plan: str) -> InvalidRequestError:
    """1352, HTTP 400: the exact body of the real service."""
    return InvalidRequestError(
        1352,
        f"You are not authorized to run a session when using the {plan} plan.",
        "Create an instance of a different plan type or use a different execution mode.",
    )


def too_many_tags(limit: int) -> InvalidRequestError:
    """1204 (registry, translated from the localized page)."""
    return InvalidRequestError(
        1204,
        f"The number of tags exceeds the maximum a job can have ({limit}).",
        "Remove some tags and try again.",
    )


def tag_too_long(limit: int) -> InvalidRequestError:
    """1205 (registry row seen truncated)."""
    return InvalidRequestError(
        1205,
        f"A job tag exceeds the maximum length a job tag can have ({limit}).",
        "Shorten the tag and try again.",
    )


def not_authorized() -> NotAuthorizedError:
    """1201 (registry, translated): a missing or foreign token."""
    return NotAuthorizedError(1201, "Invalid credentials.", "Check your credentials and try again.")


def instance_not_found(crn: str) -> NotFoundError:
    """Observed as HTTP 404 "Instance crn:... not found"; the code 1279 comes from a third-party report."""
    return NotFoundError(
        1279, f"Instance {crn} not found.", "Check the Service-CRN header and the region of the URL."
    )


def program_not_found(program_id: str) -> NotFoundError:
    """HTTP 404 makes the client raise RuntimeProgramNotFound; the code 1208 reuse is CHOSEN."""
    return NotFoundError(
        1208, f"Request validation of body failed, because: program {program_id!r} is not available."
    )


def injected(code: int, message: str, solution: str = "") -> InvalidRequestError:
    """`fail_jobs(at="submit")`: the test's own code and message; HTTP 400 is CHOSEN."""
    return InvalidRequestError(code, message, solution)
