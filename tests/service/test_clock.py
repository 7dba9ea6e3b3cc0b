"""The virtual clock: arithmetic, process-wide patching, user time travel, virtual sleep, nesting."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import freezegun
import pytest
import time_machine

import fakeqpu.clock
from fakeqpu.clock import REAL_SLEEP, Clock

T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def real_now() -> datetime:
    hatch = time_machine.escape_hatch
    return datetime.fromtimestamp(hatch.time.time() if hatch.is_travelling() else time.time(), UTC)


@pytest.fixture(autouse=True)
def _restored() -> Iterator[None]:
    yield
    assert time.sleep is REAL_SLEEP
    assert not time_machine.escape_hatch.is_travelling()
    assert abs(datetime.now(UTC) - real_now()) < timedelta(seconds=5)


# -- arithmetic ---------------------------------------------------------------------------------------


def test_now_is_tz_aware_utc_and_default_start_is_current_whole_second() -> None:
    now = Clock().now()
    assert now.utcoffset() == timedelta(0)
    assert now.microsecond == 0
    assert timedelta(0) <= real_now() - now < timedelta(seconds=5)


def test_start_naive_means_utc_and_aware_is_converted() -> None:
    assert Clock(datetime(2030, 1, 1, 12)).now() == T0
    assert Clock(datetime(2030, 1, 1, 14, tzinfo=timezone(timedelta(hours=2)))).now() == T0
    assert Clock(T0).now().tzinfo is not None


def test_advance_accepts_timedelta_seconds_and_keywords() -> None:
    clock = Clock(T0)
    assert clock.advance(timedelta(minutes=1)) == T0 + timedelta(minutes=1)
    assert clock.advance(2.5) == T0 + timedelta(minutes=1, seconds=2.5)
    assert clock.advance(seconds=1, minutes=2, hours=3, days=4) == T0 + timedelta(
        days=4, hours=3, minutes=3, seconds=3.5
    )
    assert clock.advance() == clock.now() == T0 + timedelta(days=4, hours=3, minutes=3, seconds=3.5)


@pytest.mark.parametrize(
    "kwargs", [{"delta": timedelta(seconds=-1)}, {"delta": -0.001}, {"hours": 1, "minutes": -61}]
)
def test_advance_backwards_raises_and_leaves_clock_alone(kwargs: dict[str, object]) -> None:
    clock = Clock(T0)
    with pytest.raises(ValueError, match="never goes backwards"):
        clock.advance(**kwargs)  # type: ignore[arg-type]
    assert clock.now() == T0


def test_travel_to_absolute_naive_is_utc_and_never_backwards() -> None:
    clock = Clock(T0)
    assert clock.travel_to(datetime(2030, 1, 2)) == datetime(2030, 1, 2, tzinfo=UTC)
    later = datetime(2030, 1, 2, 3, tzinfo=timezone(timedelta(hours=3)))  # = 00:00 UTC, same instant
    assert clock.travel_to(later) == datetime(2030, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="never goes backwards"):
        clock.travel_to(datetime(2030, 1, 1, 23, 59, 59, tzinfo=UTC))
    assert clock.now() == datetime(2030, 1, 2, tzinfo=UTC)


# -- process-wide patching ----------------------------------------------------------------------------


def test_time_functions_follow_the_clock_and_are_restored_after_stop() -> None:
    clock = Clock(T0)
    assert not clock.active
    with clock:
        assert clock.active
        assert datetime.now(UTC) == T0
        assert datetime.utcnow() == T0.replace(tzinfo=None)
        assert datetime.now().astimezone(UTC) == T0
        assert time.time() == T0.timestamp()
        assert date.today() == T0.astimezone().date()
        clock.advance(hours=30, seconds=0.25)
        assert datetime.now(UTC) == T0 + timedelta(hours=30, seconds=0.25)
        assert time.time_ns() == (int(T0.timestamp()) + 30 * 3600) * 10**9 + 250_000_000
        assert date.today() == (T0 + timedelta(hours=30)).astimezone().date()
    assert not clock.active
    assert abs(datetime.now(UTC) - real_now()) < timedelta(seconds=5)
    assert clock.now() == T0 + timedelta(hours=30, seconds=0.25)  # keeps its time when stopped


def test_time_is_frozen_between_moves() -> None:
    with Clock(T0):
        first = time.time()
        REAL_SLEEP(0.01)
        assert time.time() == first == T0.timestamp()


def test_start_and_stop_are_idempotent() -> None:
    clock = Clock(T0)
    clock.start()
    clock.start()
    assert datetime.now(UTC) == T0
    clock.stop()
    clock.stop()
    assert not clock.active
    assert datetime.now(UTC).year != 2030


def test_stopped_clock_is_purely_virtual() -> None:
    clock = Clock(T0)
    clock.advance(seconds=10)
    clock.sleep(5)
    assert clock.now() == T0 + timedelta(seconds=15)  # no drift towards real time


# -- the user's own freezegun / time-machine ----------------------------------------------------------


def test_user_freezegun_jump_forward_is_seen_even_without_reading_inside() -> None:
    later = T0 + timedelta(days=3)
    with Clock(T0) as clock:
        with freezegun.freeze_time(later):
            assert datetime.now(UTC) == later
        assert clock.now() == later
        assert datetime.now(UTC) == later  # the clock's own patch now shows it too


def test_user_freezegun_moves_inside_are_followed_by_now() -> None:
    with Clock(T0) as clock, freezegun.freeze_time(T0) as frozen:
        frozen.tick(timedelta(minutes=5))
        assert clock.now() == T0 + timedelta(minutes=5)
        frozen.tick(timedelta(minutes=5))
    assert clock.now() == T0 + timedelta(minutes=10)


def test_user_freezegun_jump_backwards_is_ignored() -> None:
    with Clock(T0) as clock:
        with freezegun.freeze_time(T0 - timedelta(days=1)):
            assert datetime.now(UTC) == T0 - timedelta(days=1)  # the user's choice inside their block
            assert clock.now() == T0
        assert clock.now() == T0
        assert datetime.now(UTC) == T0


@pytest.mark.parametrize("tick", [False, True])
def test_user_time_machine_travel_inside_works_and_is_kept(tick: bool) -> None:
    later = T0 + timedelta(hours=5)
    with Clock(T0) as clock:
        with time_machine.travel(later, tick=tick):
            assert later <= datetime.now(UTC) < later + timedelta(seconds=5)
        assert later <= clock.now() < later + timedelta(seconds=5)
        assert datetime.now(UTC) == clock.now()


def test_advance_and_travel_to_start_from_a_user_jump() -> None:
    later = T0 + timedelta(hours=1)
    with Clock(T0) as clock:
        with time_machine.travel(later, tick=False):
            assert clock.advance(seconds=1) == later + timedelta(seconds=1)
        with time_machine.travel(later + timedelta(hours=1), tick=False), pytest.raises(ValueError):
            clock.travel_to(later + timedelta(minutes=30))


def test_user_time_machine_travel_backwards_is_ignored() -> None:
    with Clock(T0) as clock:
        with time_machine.travel(T0 - timedelta(hours=1), tick=False):
            assert clock.now() == T0
        assert clock.now() == datetime.now(UTC) == T0


def test_clock_stopped_under_a_user_traveller_leaves_it_running() -> None:
    later = T0 + timedelta(hours=1)
    clock = Clock(T0)
    clock.start()
    user = time_machine.travel(later, tick=False)
    user.start()
    clock.stop()  # out of LIFO order: e.g. pytest fixture teardown order
    assert datetime.now(UTC) == later
    assert clock.now() == later
    user.stop()


def test_starting_when_freezegun_is_active_falls_back_without_error() -> None:
    frozen_at = T0 + timedelta(days=1)
    with freezegun.freeze_time(frozen_at):
        clock = Clock(T0)
        clock.start()
        assert clock.active
        assert clock.now() == frozen_at  # follows the user's later time
        assert clock.advance(hours=1) == frozen_at + timedelta(hours=1)
        assert clock.now() == frozen_at + timedelta(hours=1)  # freezegun's earlier time is ignored
        assert datetime.now(UTC) == frozen_at  # nothing patched over freezegun
        time.sleep(60)  # virtual sleep still moves the clock
        assert clock.now() == frozen_at + timedelta(hours=1, minutes=1)
        clock.stop()
        assert datetime.now(UTC) == frozen_at


# -- virtual sleep ------------------------------------------------------------------------------------


def test_virtual_sleep_moves_time_without_waiting() -> None:
    wall = time.perf_counter()
    with Clock(T0) as clock:
        assert time.sleep is not REAL_SLEEP
        time.sleep(8 * 3600)
        assert clock.now() == datetime.now(UTC) == T0 + timedelta(hours=8)
        with pytest.raises(ValueError, match="non-negative"):
            time.sleep(-1)
    assert time.perf_counter() - wall < 1
    assert time.sleep is REAL_SLEEP


def test_sequential_sleeps_in_one_thread_accumulate() -> None:
    wall = time.perf_counter()
    with Clock(T0) as clock:
        for _ in range(100):
            time.sleep(0.5)
        assert clock.now() == T0 + timedelta(seconds=50)
    assert time.perf_counter() - wall < 1


def test_concurrent_sleeps_from_one_observed_instant_overlap() -> None:
    barrier = threading.Barrier(2)
    seen: list[datetime] = []

    def worker() -> None:
        seen.append(clock.now())
        barrier.wait()
        time.sleep(0.1)

    with Clock(T0) as clock:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == [T0, T0]
        assert clock.now() == T0 + timedelta(seconds=0.1)


def test_threads_each_keep_their_own_timeline() -> None:
    barrier = threading.Barrier(2)

    def worker(naps: int) -> None:
        clock.now()
        barrier.wait()
        for _ in range(naps):
            time.sleep(1)

    with Clock(T0) as clock:
        threads = [threading.Thread(target=worker, args=(n,)) for n in (3, 5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert clock.now() == T0 + timedelta(seconds=5)


def test_sleep_after_an_explicit_move_starts_from_the_new_instant() -> None:
    with Clock(T0) as clock:
        clock.now()  # this thread observed T0 ...
        clock.advance(hours=1)  # ... then the world moved on
        time.sleep(2)
        assert clock.now() == T0 + timedelta(hours=1, seconds=2)


def test_a_stale_sleeper_never_moves_the_clock_backwards() -> None:
    with Clock(T0) as clock:
        clock.now()  # main thread observes T0
        sleeper = threading.Thread(target=time.sleep, args=(10,))
        sleeper.start()
        sleeper.join()
        assert datetime.now(UTC) == T0 + timedelta(seconds=10)  # (the patched read records nothing)
        time.sleep(1)  # main thread's sleep started from T0 (when it last looked): wakes at T0+1
        assert clock.now() == T0 + timedelta(seconds=10)
        time.sleep(1)  # now it has seen T0+10
        assert clock.now() == T0 + timedelta(seconds=11)


def test_polling_loop_with_a_deadline_terminates_quickly() -> None:
    wall = time.perf_counter()
    with Clock(T0) as clock:

        def poll() -> None:
            deadline = time.time() + 600
            while time.time() < deadline:
                time.sleep(0.5)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        thread.join(timeout=5)
        assert not thread.is_alive()
        assert clock.now() == T0 + timedelta(seconds=600)
    assert time.perf_counter() - wall < 1


def test_virtual_sleep_yields_the_gil_only_when_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    monkeypatch.setattr(fakeqpu.clock, "REAL_SLEEP", calls.append)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    clock = Clock(T0)
    clock.sleep(3)
    assert calls == []  # alone, a real sleep(0) would only give the CPU away to other processes
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    clock.sleep(3)
    clock.sleep(0)
    assert calls == [0, 0]
    assert Clock.real_sleep is REAL_SLEEP is fakeqpu.clock._saved_sleep


# -- nesting and threads ------------------------------------------------------------------------------


def test_nested_clocks_inner_wins_and_outer_resumes_with_its_own_time() -> None:
    inner_start = T0 + timedelta(days=10)
    with Clock(T0) as outer:
        with Clock(inner_start) as inner:
            assert datetime.now(UTC) == inner_start
            time.sleep(30)
            assert inner.now() == inner_start + timedelta(seconds=30)
            assert outer.now() == T0  # the inner clock's time is not a user jump
            outer.advance(seconds=1)
            assert datetime.now(UTC) == inner_start + timedelta(seconds=30)
        assert not inner.active and outer.active
        assert datetime.now(UTC) == outer.now() == T0 + timedelta(seconds=1)
        time.sleep(1)
        assert outer.now() == T0 + timedelta(seconds=2)
        assert inner.now() == inner_start + timedelta(seconds=30)


def test_default_start_inside_a_running_clock_is_that_clocks_time() -> None:
    with Clock(T0 + timedelta(seconds=0.7)):
        assert Clock().now() == T0


def test_concurrent_advances_all_count() -> None:
    clock = Clock(T0)

    def worker() -> None:
        for _ in range(200):
            clock.advance(seconds=1)

    with clock:
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert clock.now() == datetime.now(UTC) == T0 + timedelta(seconds=1600)
