"""The virtual clock: `qpu_clock.now()`, `advance()`, `travel_to()` (docs/time.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


@pytest.mark.fakeqpu(start="2030-01-01T09:00:00")  # naive means UTC
def test_the_clock_moves_only_forward(qpu_clock):
    assert qpu_clock.now() == datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    qpu_clock.advance(minutes=30)
    qpu_clock.advance(timedelta(hours=1), seconds=15)  # a timedelta and keywords add up
    assert qpu_clock.now() == datetime(2030, 1, 1, 10, 30, 15, tzinfo=UTC)
    qpu_clock.travel_to(datetime(2030, 1, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="never goes backwards"):
        qpu_clock.travel_to(datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="never goes backwards"):
        qpu_clock.advance(seconds=-1)
    # the process's own time functions show the clock, frozen between moves
    assert datetime.now(UTC) == qpu_clock.now() == datetime(2030, 1, 2, tzinfo=UTC)
    assert time.time() == qpu_clock.now().timestamp()


@pytest.mark.fakeqpu(job_duration=5)
def test_the_session_goes_pending_when_the_interactive_ttl_lapses(fake_session, qpu_clock, bell):
    job = Sampler(mode=fake_session).run([bell], shots=10)
    assert fake_session.status() == "In progress, accepting new jobs"
    qpu_clock.advance(seconds=5)  # the job ends; the 60-second interactive window begins
    assert job.status() == "DONE"
    qpu_clock.advance(seconds=59)
    assert fake_session.status() == "In progress, accepting new jobs"
    qpu_clock.advance(seconds=1)
    assert fake_session.status() == "Pending"  # inactive: its next job queues like any other
    assert fake_session.usage() == 65  # wall clock while active, the interactive window included


@pytest.mark.min_client("0.51", reason="Session.details() returns timestamps from 0.51")
@pytest.mark.fakeqpu(job_duration=5, start="2030-01-01T09:00:00")
def test_one_long_jump_lands_every_event_at_its_own_instant(fake_session, qpu_clock, bell):
    Sampler(mode=fake_session).run([bell], shots=10)
    qpu_clock.advance(hours=3)  # nothing ran during the jump; this request catches up
    details = fake_session.details()
    assert details["state"] == "closed"
    # job ends at 09:00:05, inactive at 09:01:05, closed 30 idle minutes after the job: 09:30:05
    assert details["timestamps"][-2:] == [
        {"status": "inactive", "timestamp": "2030-01-01T09:01:05.000Z"},
        {"status": "closed", "timestamp": "2030-01-01T09:30:05.000Z"},
    ]


@pytest.mark.min_client("0.50", reason="executor_sampler.Sampler has this name from 0.50")
@pytest.mark.fakeqpu(job_duration=5)
def test_the_current_sampler_job_runs_on_the_virtual_clock(fake_session, qpu_clock, bell):
    from qiskit_ibm_runtime.executor_sampler import Sampler as CurrentSampler

    job = CurrentSampler(mode=fake_session).run([bell], shots=10)
    assert job.status() in ("QUEUED", "RUNNING")
    qpu_clock.advance(seconds=5)
    assert job.status() == "DONE"
    assert job.usage() == 5
