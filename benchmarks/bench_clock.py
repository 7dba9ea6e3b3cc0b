"""Why fakeqpu's clock drives time-machine and not freezegun.

Both libraries are measured in one process with qiskit_ibm_runtime imported (freezegun's start/stop
walk every loaded module, so what is loaded matters): the cost of starting+stopping a frozen time and
the cost of moving it. Also the cost of the same operations through ``fakeqpu.clock.Clock``.
Run: ``python benchmarks/bench_clock.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import freezegun
import qiskit_ibm_runtime  # noqa: F401  (the modules freezegun has to scan)
import time_machine

from fakeqpu.clock import Clock

# freezegun rebinds module-level aliases of perf_counter while frozen; a dict value is out of its reach.
_REAL = {"perf_counter": time.perf_counter}
T0 = datetime(2030, 1, 1, tzinfo=UTC)
# What Clock hands time-machine: the same instant under a non-UTC offset, so TZ is never touched.
OFFSET = timezone(timedelta(hours=1))
STEP = timedelta(seconds=1)


def per_op(op: Callable[[], object], *, batch: int, repeats: int) -> float:
    """Median over `repeats` batches of the wall time of one call, in seconds."""
    perf = _REAL["perf_counter"]
    samples = []
    for _ in range(repeats):
        start = perf()
        for _ in range(batch):
            op()
        samples.append((perf() - start) / batch)
    return statistics.median(samples)


def freezegun_start_stop() -> None:
    freezer = freezegun.freeze_time(T0)
    freezer.start()
    freezer.stop()


def time_machine_start_stop() -> None:
    traveller = time_machine.travel(T0, tick=False)
    traveller.start()
    traveller.stop()


def clock_start_stop() -> None:
    clock = Clock(T0)
    clock.start()
    clock.stop()


def main() -> None:
    modules = len(sys.modules)
    perf = _REAL["perf_counter"]
    first = perf()
    freezegun_start_stop()
    fg_first = perf() - first
    fg_cycle = per_op(freezegun_start_stop, batch=1, repeats=25)
    tm_cycle = per_op(time_machine_start_stop, batch=200, repeats=25)
    clock_cycle = per_op(clock_start_stop, batch=200, repeats=25)

    with freezegun.freeze_time(T0) as frozen:
        moved = [T0]

        def freezegun_move() -> None:
            moved[0] += STEP
            frozen.move_to(moved[0])

        fg_move = per_op(freezegun_move, batch=1000, repeats=25)
        assert datetime.now(UTC) == moved[0]

    traveller = time_machine.travel(T0, tick=False)
    shifted = traveller.start()
    moved = [T0]

    def time_machine_move(offset: timezone) -> None:
        moved[0] += STEP
        shifted.move_to(moved[0].astimezone(offset))

    try:
        # A tz-aware UTC destination makes time-machine set TZ=UTC and call tzset() on every move.
        tm_move_utc = per_op(lambda: time_machine_move(UTC), batch=1000, repeats=25)
        tm_move = per_op(lambda: time_machine_move(OFFSET), batch=1000, repeats=25)
        assert datetime.now(UTC) == moved[0]
    finally:
        traveller.stop()

    with Clock(T0) as clock:
        clock_advance = per_op(lambda: clock.advance(seconds=1), batch=1000, repeats=25)
        clock_sleep = per_op(lambda: time.sleep(1), batch=1000, repeats=25)

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:10.4f} ms"

    moves = 100  # a time-travel test: one frozen period, a hundred moves
    fg_test = fg_cycle + moves * fg_move
    tm_test = tm_cycle + moves * tm_move
    print(f"bench_clock: {modules} modules loaded (qiskit_ibm_runtime imported); medians of 25 batches")
    print(f"  freezegun    start+stop, first call      {ms(fg_first)}")
    print(f"  freezegun    start+stop                  {ms(fg_cycle)}")
    print(f"  time-machine start+stop                  {ms(tm_cycle)}")
    print(f"  freezegun    move_to                     {ms(fg_move)}")
    print(f"  time-machine move_to (UTC dest, tzset)   {ms(tm_move_utc)}")
    print(f"  time-machine move_to (offset dest)       {ms(tm_move)}")
    print(f"  fakeqpu Clock start+stop                 {ms(clock_cycle)}")
    print(f"  fakeqpu Clock.advance                    {ms(clock_advance)}")
    print(f"  fakeqpu virtual time.sleep (+sleep(0))   {ms(clock_sleep)}")
    print(f"  ratio freezegun/time-machine  start+stop {fg_cycle / tm_cycle:10.0f}x")
    print(f"                                first call {fg_first / tm_cycle:10.0f}x")
    print(f"                                move_to    {fg_move / tm_move:10.2f}x")
    print(f"                                1 start+stop + {moves} moves {fg_test / tm_test:6.1f}x")


if __name__ == "__main__":
    main()
