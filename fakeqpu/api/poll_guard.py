"""A poll loop that never sleeps: against IBM wall time passes between its requests; here it must too.

Virtual time moves only on sleeps and clock moves, so `while job.status() not in final: pass` would
spin forever at one instant. The guard watches runs of reads (GET) at one virtual instant while the
model waits on time (a job queued or running, or a session timer due soon). Once the run shows a
busy wait, the same read repeated `repeats` times or `reads` reads in all, every further read in the
run is served `latency` virtual seconds later than the one before, as each request to IBM takes
wall time. The run ends, and timing is exact again, when anything else moves the clock (a sleep, an
advance), on any request that is not a read, and after an error.

A loop that cannot end that way gets one clear error (HTTP 429, code 9429) instead of a hang: when
nothing is scheduled to change while jobs wait (a paused backend holding the queue, with no resume
set), or when the next change is further than `horizon` seconds away (that many polls would stand
in for a sleep).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fakeqpu.api.errors import envelope
from fakeqpu.api.http import Request, Response

BUSY_REPEATS = 250  # one read repeated this often at one instant is a busy wait ...
BUSY_READS = 1000  # ... and so is this many reads at one instant (a round robin over many jobs)
REQUEST_LATENCY = 0.1  # CHOSEN: virtual seconds each read of a busy wait takes, see docs/time.md
BUSY_HORIZON = 600.0  # CHOSEN: no busy wait stands in for more than 10 minutes of sleep (6,000 reads)
STILL_POLL_STATUS = 429  # CHOSEN, as a rate limit would answer
STILL_POLL_CODE = 9429  # fakeqpu's own code (no IBM code means this), see docs/fidelity.md


@dataclass(frozen=True)
class Outlook:
    """What the model waits on."""

    pending: bool  # a job is queued or running
    next_change: datetime | None  # when time alone next changes the model (None: never)
    blocked: tuple[str, ...] = ()  # why queued jobs cannot start (e.g. a paused backend)


class StillPollGuard:
    def __init__(
        self,
        *,
        repeats: int = BUSY_REPEATS,
        reads: int = BUSY_READS,
        latency: float = REQUEST_LATENCY,
        horizon: float = BUSY_HORIZON,
    ) -> None:
        self.repeats, self.reads, self.latency, self.horizon = repeats, reads, latency, horizon
        self._instant: datetime | None = None  # the instant of the run (moved by the guard only)
        self._counts: dict[str, int] = {}
        self._total = 0
        self._busy = False
        self.busy_reads = 0  # reads served late so far, in all runs (the toolkit can show it)

    def check(
        self,
        request: Request,
        now: datetime,
        outlook: Callable[[], Outlook],
        advance: Callable[[float], datetime] | None,
        trace: Callable[[], str],
    ) -> Response | None:
        """None to serve the request (after moving the clock when the run is a busy wait), or the error."""
        if request.method != "GET" or now != self._instant:
            self._restart(now)
            if request.method != "GET":
                return None
        key = request.url
        self._counts[key] = count = self._counts.get(key, 0) + 1
        self._total += 1
        if not self._busy and count < self.repeats and self._total < self.reads:
            return None
        seen = outlook()
        if not seen.pending and not self._within_horizon(now, seen.next_change):
            return None  # no job waits and nothing changes soon: reading again and again is harmless
        if advance is None and not seen.pending:
            return None
        refusal = self._refusal(now, seen, advance is None)
        if refusal is not None:
            self._restart(None)
            return envelope(STILL_POLL_STATUS, STILL_POLL_CODE, refusal, _SOLUTION, trace())
        assert advance is not None
        self._busy = True
        self.busy_reads += 1
        self._instant = advance(self.latency)
        return None

    def _restart(self, instant: datetime | None) -> None:
        self._instant, self._counts, self._total, self._busy = instant, {}, 0, False

    def _within_horizon(self, now: datetime, when: datetime | None) -> bool:
        return when is not None and (when - now) / timedelta(seconds=1) <= self.horizon

    def _refusal(self, now: datetime, seen: Outlook, cannot_move: bool) -> str | None:
        head = f"fakeqpu: a poll loop that never sleeps, at {now.isoformat()}"
        if seen.next_change is None:
            why = "; ".join(seen.blocked) or "nothing is scheduled to happen"
            return (
                f"{head}, waits on jobs that no passing of time can end ({why}). Virtual time moves "
                "only when the code sleeps or the clock is moved, and here not even that would help."
            )
        ahead = (seen.next_change - now) / timedelta(seconds=1)
        if ahead > self.horizon:
            return (
                f"{head}: the next change is at {seen.next_change.isoformat()}, {ahead:.0f} virtual "
                f"seconds away, {ahead / self.latency:.0f} polls of {self.latency} s each. fakeqpu "
                f"lets a busy loop stand in for at most {self.horizon:.0f} s of waiting."
            )
        if cannot_move:
            return f"{head}: jobs are pending and this fake cannot move its clock on a request."
        return None


_SOLUTION = (
    "Sleep between polls (time.sleep is virtual under fakeqpu), move the clock with "
    "qpu_clock.advance(...), set the auto_tick option, or resume what holds the queue "
    "(runtime.set_backend_status(name, 'online'))."
)
