"""freezegun and time-machine in tests that use the fake (docs/time.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from qiskit_ibm_runtime import SamplerV2 as Sampler

import fakeqpu

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


@pytest.mark.fakeqpu(job_duration=5)
def test_a_freezegun_jump_forward_moves_the_fake(fake_session, qpu_clock, bell):
    Sampler(mode=fake_session).run([bell], shots=10)
    start = qpu_clock.now()
    with freeze_time(start + timedelta(minutes=2)) as frozen:
        assert fake_session.status() == "Pending"  # the interactive TTL lapsed at +65 s
        frozen.tick(timedelta(minutes=30))
        assert fake_session.status() == "Closed"  # 30 idle minutes after the job
    assert qpu_clock.now() == start + timedelta(minutes=32)  # kept after the block


def test_a_freezegun_jump_backwards_is_ignored_by_the_fake(qpu_clock):
    now = qpu_clock.now()
    with freeze_time(now - timedelta(days=1)):
        assert datetime.now(UTC) == now - timedelta(days=1)  # your code sees your time
        assert qpu_clock.now() == now  # the fake never goes back
    assert datetime.now(UTC) == now


def test_time_machine_moves_the_fake_too(fake_session, qpu_clock, time_machine):
    time_machine.move_to(qpu_clock.now() + timedelta(hours=1), tick=False)
    assert fake_session.status() == "Closed"  # never used for 30 minutes


def test_a_fake_started_under_freezegun_falls_back():
    with freeze_time("2031-06-01 12:00:00"), fakeqpu.mock_runtime() as runtime:
        noon = datetime(2031, 6, 1, 12, tzinfo=UTC)
        assert runtime.clock.now() == noon  # the clock starts at freezegun's time
        runtime.clock.advance(hours=2)
        time.sleep(60)  # still virtual
        assert runtime.clock.now() == noon + timedelta(hours=2, minutes=1)
        assert datetime.now(UTC) == noon  # but the process keeps showing freezegun's time
