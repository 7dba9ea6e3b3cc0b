"""A poll loop that never sleeps would hang: virtual time moves only on sleeps and clock moves.

Against IBM, wall time passes between two requests; against the fake it does not, so
`while job.status() not in final: pass` would spin forever. The guard counts consecutive reads at one
virtual instant while jobs are pending, and at `limit` answers one clear error that names the fixes.
The count restarts when the clock moves, on any request that is not a read, and after the error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fakeqpu.api.errors import envelope
from fakeqpu.api.http import Request, Response

STILL_POLL_LIMIT = 1000
STILL_POLL_STATUS = 429  # CHOSEN, as a rate limit would answer
STILL_POLL_CODE = 9429  # fakeqpu's own code (no IBM code means this), see docs/fidelity.md


class StillPollGuard:
    def __init__(self, limit: int = STILL_POLL_LIMIT) -> None:
        self.limit = limit
        self._instant: datetime | None = None
        self._reads = 0

    def check(
        self, request: Request, now: datetime, work_pending: Callable[[], bool], trace: Callable[[], str]
    ) -> Response | None:
        """None to serve the request; the error response when the run of still reads reaches the limit."""
        if request.method != "GET" or now != self._instant:
            self._instant, self._reads = now, 0
            if request.method != "GET":
                return None
        self._reads += 1
        if self._reads < self.limit or not work_pending():
            return None
        self._reads = 0
        return envelope(
            STILL_POLL_STATUS,
            STILL_POLL_CODE,
            f"fakeqpu: {self.limit} requests in a row at one virtual instant ({now.isoformat()}) while "
            "jobs are pending. Virtual time moves only when the code sleeps, so a loop that polls "
            "without sleeping never sees a job end.",
            "Sleep between polls (time.sleep is virtual under fakeqpu), move the clock with "
            "qpu_clock.advance(...), or set the auto_tick option.",
            trace(),
        )
