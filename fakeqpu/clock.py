"""One virtual time the whole process agrees on.

A :class:`Clock` holds a tz-aware UTC instant that moves only when told to: :meth:`Clock.advance`,
:meth:`Clock.travel_to`, a virtual :func:`time.sleep`, or a forward jump made by the user's own
freezegun / time-machine. While started, ``datetime.now()``, ``datetime.utcnow()``, ``date.today()``,
``time.time()`` and ``time.time_ns()`` in any code return the clock's instant, frozen between moves.

Driver: time-machine (``time_machine.travel(dest, tick=False)``, moved with ``Traveller.move_to``).
It patches the C functions in microseconds; freezegun would rescan every loaded module on each
start/stop (tens of ms with qiskit loaded, see ``benchmarks/bench_clock.py``).

Behaviour worth knowing:

- Forward jumps by the user are picked up: ``now()`` moves to the patched ``datetime.now()`` when it
  is later, and the clock observes the user's time just before their ``freeze_time``/``travel`` block
  exits (``time_machine.travel.stop``, and ``freezegun.api._freeze_time.stop`` if freezegun was
  imported before a clock started, are wrapped once and for good; the wrappers do nothing while no
  clock is started). Earlier user times are ignored: the clock never goes backwards.
- Fallback: time-machine refuses to start while freezegun is active. A clock started then does not
  patch time at all for that start/stop period: ``datetime.now()`` etc. show the user's freezegun time
  (or the real time once freezegun stops), ``now()`` follows that time when it is later, and
  ``advance()``/``travel_to()``/virtual sleep still move the clock's own ``now()``.
- The process time zone (``TZ``) is left alone, so naive ``datetime.now()`` is the clock's instant in
  local time (``datetime.now(UTC)`` equals ``clock.now()``).
- Virtual sleep replaces the *attribute* ``time.sleep``; a ``from time import sleep`` alias taken
  before the clock started still sleeps for real. ``REAL_SLEEP`` / ``Clock.real_sleep`` always do.
- ``time.monotonic``/``perf_counter`` are not patched: timeouts measured with them run on wall time.
- Sleeps called directly from tooling that polls a real event (``REAL_SLEEP_CALLERS``: a subprocess's
  exit, a Jupyter kernel's parent, its output flush) stay real: virtual, such a loop would spin and
  push the clock forward on every turn.
- Nested clocks: the innermost started one wins; stopping it hands back the outer clock's own time.
  Stop clocks and travellers in LIFO order (a clock stopped under another traveller is removed
  without disturbing it).
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a clock starts: time-machine imports pytest, too slow for `import fakeqpu`
    import time_machine

__all__ = ["REAL_SLEEP", "REAL_SLEEP_CALLERS", "Clock"]

REAL_SLEEP: Callable[[float], None] = time.sleep

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# time-machine sets TZ=UTC (+ tzset) for destinations whose tzinfo == UTC; an equivalent fixed
# non-zero offset names the same instant without touching the process time zone.
_NON_UTC = timezone(timedelta(hours=1))

# Modules whose own `time.sleep` calls wait for something real (subprocess.Popen.wait's timeout loop,
# ipykernel's parent poller and output flush, jupyter_client's heartbeat): they always sleep for real.
REAL_SLEEP_CALLERS = ("subprocess", "ipykernel", "jupyter_client", "zmq", "tornado", "debugpy")

_LOCK = threading.RLock()
_ACTIVE: list[Clock] = []  # started clocks, innermost last
_saved_sleep: Callable[[float], None] = REAL_SLEEP
_hooked: set[object] = set()


def _to_us(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // _US


def _virtual_sleep(secs: float, /) -> None:
    caller = sys._getframe(1).f_globals.get("__name__") or ""
    if caller.partition(".")[0] in REAL_SLEEP_CALLERS:
        _saved_sleep(secs)
        return
    with _LOCK:
        clock = _ACTIVE[-1] if _ACTIVE else None
    if clock is None:  # a reference kept after every clock stopped
        _saved_sleep(secs)
    else:
        clock.sleep(secs)


def _hook_stop(cls: Any) -> None:
    """Let the innermost clock see a user's travel/freeze time before their block takes it away."""
    if cls in _hooked:
        return
    original: Callable[[Any], None] = cls.stop

    @functools.wraps(original)
    def stop(self: Any) -> None:
        with _LOCK:
            if _ACTIVE:
                _ACTIVE[-1]._sync()
        original(self)

    cls.stop = stop
    _hooked.add(cls)


class Clock:
    """Virtual UTC time; see the module docstring. Thread-safe; usable as a context manager."""

    real_sleep = staticmethod(REAL_SLEEP)

    def __init__(self, start: datetime | None = None) -> None:
        # Default: the current time as the process sees it (under freezegun/another clock, theirs).
        self._us = _to_us(start) if start is not None else _to_us(datetime.now(UTC)) // 10**6 * 10**6
        # Instant of the last explicit move (advance, travel_to, user jump): every thread has seen it.
        self._floor = self._us
        self._local = threading.local()  # .seen: the instant this thread last observed
        self._travel: time_machine.travel | None = None
        self._traveller: time_machine.Traveller | None = None
        self._user_jumps: list[tuple[datetime, datetime]] = []  # (from, to) of followed user jumps

    # -- reading and moving -------------------------------------------------------------------------

    def now(self) -> datetime:
        with _LOCK:
            self._sync()
            self._local.seen = self._us
            return _EPOCH + self._us * _US

    def advance(
        self,
        delta: timedelta | float | None = None,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> datetime:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta or 0)
        step += timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if step < timedelta(0):
            raise ValueError(f"cannot advance by {step}: the clock never goes backwards")
        with _LOCK:
            self._sync()
            target = self._us + step // _US
            moved = _EPOCH + target * _US  # past year 9999 this raises OverflowError, before any move
            self._move(target, jump=True)
            return moved

    def travel_to(self, when: datetime) -> datetime:
        """Move to an absolute instant (naive means UTC); earlier than now raises ValueError."""
        target = _to_us(when)
        with _LOCK:
            self._sync()
            if target < self._us:
                raise ValueError(
                    f"cannot travel to {_EPOCH + target * _US}: the clock never goes backwards "
                    f"(now is {_EPOCH + self._us * _US})"
                )
            self._move(target, jump=True)
            return _EPOCH + self._us * _US

    def user_jumps(self) -> list[tuple[datetime, datetime]]:
        """The last forward jumps made by the user's own freezegun or time-machine, as (from, to)."""
        with _LOCK:
            return list(self._user_jumps)

    def sleep(self, seconds: float, *, since: datetime | None = None) -> datetime:
        """Virtual sleep: wake at this thread's last observed instant + seconds, without waiting.

        Threads that observed the same instant and sleep concurrently overlap (two 0.1 s sleeps from
        t end at t+0.1, not t+0.2); one thread's successive sleeps add up. An explicit move (advance,
        travel_to, a user's jump) counts as observed by every thread, so a sleep never starts before it.
        `since`: the instant the sleeper last observed, for a sleeper elsewhere (another process of
        `fakeqpu run`). Returns the clock's now after the sleep.
        """
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        step = timedelta(seconds=seconds) // _US
        with _LOCK:
            self._sync()
            seen = _to_us(since) if since is not None else getattr(self._local, "seen", self._us)
            wake = max(seen, self._floor) + step
            _ = _EPOCH + wake * _US  # past year 9999 this raises OverflowError, before any move
            if wake > self._us:
                self._move(wake, jump=False)
            self._local.seen = wake
            now = _EPOCH + self._us * _US
        if threading.active_count() > 1:
            # Yield the GIL so other threads' loops progress. Alone, skip it: a real sleep(0) gives the
            # CPU away to other processes too, which costs a busy machine 0.1-1 ms per poll.
            REAL_SLEEP(0)
        return now

    # -- patching -------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self in _ACTIVE

    def start(self) -> None:
        global _saved_sleep
        with _LOCK:
            if self in _ACTIVE:
                return
            import time_machine

            _hook_stop(time_machine.travel)
            freezegun_api = sys.modules.get("freezegun.api")
            if freezegun_api is not None:
                _hook_stop(freezegun_api._freeze_time)
            travel = time_machine.travel(self._destination(), tick=False)
            try:
                self._traveller = travel.start()
                self._travel = travel
            except RuntimeError:  # freezegun is active: fall back (module docstring)
                self._travel = self._traveller = None
            if not _ACTIVE:
                _saved_sleep = time.sleep
                setattr(time, "sleep", _virtual_sleep)  # noqa: B010 (mypy: no assigning to a function)
            _ACTIVE.append(self)

    def stop(self) -> None:
        with _LOCK:
            if self not in _ACTIVE:
                return
            self._sync()
            if self._travel is not None:
                import time_machine

                stack = time_machine.traveller_stack
                if stack and stack[-1] is self._traveller:
                    self._travel.stop()  # we are still innermost: the hook syncs us, not an outer clock
                elif self._traveller in stack:
                    stack.remove(self._traveller)
                self._travel = self._traveller = None
            _ACTIVE.remove(self)
            if not _ACTIVE:
                setattr(time, "sleep", _saved_sleep)  # noqa: B010

    def __enter__(self) -> Clock:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Clock({_EPOCH + self._us * _US:%Y-%m-%dT%H:%M:%S.%fZ}, active={self.active})"

    # -- internals (call with _LOCK held) -----------------------------------------------------------

    def _destination(self) -> datetime:
        return (_EPOCH + self._us * _US).astimezone(_NON_UTC)

    def _sync(self) -> None:
        """If this is the innermost started clock, follow a later time patched in by the user."""
        if not _ACTIVE or _ACTIVE[-1] is not self:
            return
        seen = _to_us(datetime.now(UTC))
        if seen > self._us:
            self._user_jumps.append((_EPOCH + self._us * _US, _EPOCH + seen * _US))
            del self._user_jumps[:-100]  # the recent ones are enough for a hint
            self._move(seen, jump=True)

    def _move(self, us: int, *, jump: bool) -> None:
        self._us = us
        if jump:
            self._floor = us
        if self._traveller is not None:
            self._traveller.move_to(self._destination())
