"""The test controls of a fake, shared by `FakeRuntime` (in-process) and `FakeServer` (server mode).

One set of methods, so that the two front doors cannot drift apart: each calls the service model or
the API app of the fake it controls, and the control API (`/_fakeqpu/...`) calls those same methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from fakeqpu.api.app import FakeIbmCloud
from fakeqpu.api.request_log import RequestRecord
from fakeqpu.clock import Clock
from fakeqpu.service.records import JobRecord, SessionRecord
from fakeqpu.service.runtime import RuntimeService
from fakeqpu.service.timeline import Transitions


class Controls(ABC):
    """Clock, timeline, backend status, faults and records of the fake being controlled."""

    @abstractmethod
    def _model(self) -> RuntimeService: ...

    @abstractmethod
    def _app(self) -> FakeIbmCloud: ...

    @abstractmethod
    def _clock(self) -> Clock: ...

    # -- time and timeline -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock().now()

    def timeline(self) -> Transitions:
        """Every session and job transition so far, in virtual-time order; `print()` it to read it,
        `.to_svg()` or `.save("timeline.svg")` (or `.html`) to see it as a Gantt chart."""
        return self._model().timeline_entries()

    def add_background_load(self, backend: str, jobs: int = 1, duration: float = 60.0) -> None:
        """Queue `jobs` jobs of other users on `backend`, each `duration` seconds of QPU time."""
        self._model().add_background_load(backend, jobs=jobs, duration=duration)

    def set_backend_status(
        self, name: str, status: str, reason: str | None = None, *, at: Any = None, until: Any = None
    ) -> None:
        """`online`, `paused` or `offline`: what `backend.status()` and `least_busy` see.

        `paused` and `offline` stop the QPU: queued jobs wait, the running job finishes, new jobs are
        refused (1004); `online` resumes. `at` and `until` (a datetime, an ISO 8601 string, or seconds
        from now) schedule it on the virtual clock: `until` is when the backend is `online` again.
        """
        self._model().set_backend_status(name, status, reason, at=at, until=until)

    def add_history(
        self,
        jobs: int = 0,
        sessions: int = 0,
        batches: int = 0,
        *,
        jobs_per_session: int = 3,
        days: float = 90.0,
        failed: int = 0,
        cancelled: int = 0,
        tags: Sequence[str] = (),
        backends: Sequence[str] | None = None,
        programs: Sequence[str] = ("sampler", "estimator"),
    ) -> dict[str, list[str]]:
        """Give the account a past, as IBM accounts have: `jobs` that ran in job mode (`failed` of
        them Failed with 1517, `cancelled` cancelled while queued), `sessions` and `batches` of
        `jobs_per_session` jobs each, spread over the `days` before the fake started, on `backends`
        (default: the fleet) and `programs` in turn, every job tagged `tags`. Results are computed
        when asked for. Same seed, same history. Returns the ids made, oldest first:
        `{"jobs": [...], "sessions": [...]}`."""
        return self._model().add_history(
            jobs,
            sessions,
            batches,
            jobs_per_session=jobs_per_session,
            days=days,
            failed=failed,
            cancelled=cancelled,
            tags=list(tags),
            backends=None if backends is None else list(backends),
            programs=list(programs),
        )

    # -- faults ----------------------------------------------------------------------------------------

    def fail_jobs(
        self,
        code: int,
        message: str | None = None,
        *,
        match: Callable[[JobRecord], bool] | None = None,
        times: int = 1,
        at: str = "start",
    ) -> dict[str, Any]:
        """The next `times` jobs that `match` end `Failed` with IBM error `code` (and `message`).

        `at="start"`: when they reach the QPU; `at="run"`: half-way through their run; `at="submit"`:
        the POST answers the error (HTTP 400), so the client raises and no job exists.
        """
        return self._model().fail_jobs(code, message, match=match, times=times, at=at)

    def http_fault(
        self,
        *,
        status: int | None = None,
        error: BaseException | type[BaseException] | None = None,
        method: str | None = None,
        path: str | Any = None,
        times: int = 1,
        retry_after: float | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """The next `times` requests that match `method` and `path` answer `status` in IBM's envelope
        (with `Retry-After` when given; `body` replaces the envelope) or raise `error` in the client.

        `path` is a route like `"/jobs/{job_id}"` (with or without `/api/v1`) or a compiled regex
        searched in the URL's path. A faulted request never reaches the service: nothing changes.
        """
        return self._app().http_fault(
            status=status,
            error=error,
            method=method,
            path=path,
            times=times,
            retry_after=retry_after,
            body=body,
        )

    def expire_tokens(self) -> None:
        """Every IAM token issued so far is refused (401) from now on: the client must get a new one."""
        self._app().expire_tokens()

    def faults(self) -> list[dict[str, Any]]:
        """The job and HTTP faults not yet used up, as dicts."""
        return self._app().faults()

    def clear_faults(self) -> None:
        self._app().clear_faults()

    # -- inspection (the stable records; `model` is internal) -----------------------------------------

    def jobs(self) -> list[JobRecord]:
        """Every job of this instance in submission order: read-only `JobRecord` snapshots."""
        return self._model().job_records()

    def simulations(self) -> list[dict[str, Any]]:
        """The simulations running now (job, where, method, qubits, predicted_seconds, elapsed_seconds):
        what a job whose result is being computed waits for. Read without waiting for the service."""
        return self._model().simulations()

    def sessions(self) -> list[SessionRecord]:
        """Every session and batch in creation order: read-only `SessionRecord` snapshots."""
        return self._model().session_records()

    def requests(self) -> list[RequestRecord]:
        """The requests the fake answered (the last 10,000), in order: `RequestRecord`s."""
        return self._app().requests()

    def leftovers(self) -> list[str]:
        """Sessions left open and jobs left non-final, one line each (empty when all is tidy)."""
        return self._model().leftover_lines()

    def assert_no_leftovers(self) -> None:
        """Fail (AssertionError) when a session is left open or a job non-final, naming them."""
        found = self.leftovers()
        if found:
            raise AssertionError("fakeqpu: left over at the end of the test: " + "; ".join(found))

    def qpu_seconds(self) -> float:
        """Simulated QPU seconds used so far by this instance's jobs."""
        return self._model().usage_totals()[2]

    @property
    def requests_served(self) -> int:
        return self._app().requests_served
