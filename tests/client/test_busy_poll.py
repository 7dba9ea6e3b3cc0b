"""A poll loop that never sleeps ends as it does on IBM; one that can never end gets a clear error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMError

from fakeqpu.api.http import Request
from fakeqpu.api.poll_guard import BUSY_REPEATS, REQUEST_LATENCY, Outlook, StillPollGuard
from tests.contract.helpers import RawApi

FINAL = ("DONE", "ERROR", "CANCELLED")


def spin(job, bound: int) -> tuple[str, int]:
    """The code under test: poll the status without sleeping (bounded, so a broken fake fails)."""
    polls, status = 1, job.status()
    while status not in FINAL and polls < bound:
        status, polls = job.status(), polls + 1
    return status, polls


@pytest.mark.fakeqpu(job_duration=5)
def test_a_loop_that_never_sleeps_sees_its_job_end(fake_backend, qpu_clock, bell, fake_runtime):
    start = qpu_clock.now()
    job = Sampler(mode=fake_backend).run([bell], shots=10)
    status, polls = spin(job, 100_000)
    assert status == "DONE"
    moved = (qpu_clock.now() - start).total_seconds()
    assert 5 <= moved < 5 + 2 * REQUEST_LATENCY  # the job's 5 s, in reads of 0.1 s, and no more
    # the reads at the first instant, then one read per 0.1 s until the job ended
    assert BUSY_REPEATS <= polls <= BUSY_REPEATS + 5 / REQUEST_LATENCY + 2
    late = [r for r in fake_runtime.requests() if r.path.endswith(job.job_id()) and r.seconds > 0]
    assert {r.seconds for r in late} == {REQUEST_LATENCY}  # the request log shows the latency
    assert job.result()[0].data.meas.num_shots == 10


@pytest.mark.fakeqpu(job_duration=5)
def test_a_loop_that_sleeps_keeps_exact_time(fake_backend, qpu_clock, bell):
    job = Sampler(mode=fake_backend).run([bell], shots=10)
    start = qpu_clock.now()
    for _ in range(BUSY_REPEATS + 10):  # many reads, but the clock moves between them
        job.status()
        qpu_clock.advance(seconds=0.01)
    assert qpu_clock.now() - start == timedelta(seconds=0.01) * (BUSY_REPEATS + 10)


@pytest.mark.fakeqpu(job_duration=5)
def test_a_loop_on_a_paused_backend_gets_a_clear_error(fake_backend, bell, fake_runtime, qpu_clock):
    sampler = Sampler(mode=fake_backend)
    sampler.run([bell], shots=10)  # runs
    waiting = sampler.run([bell], shots=10)  # queued behind it
    fake_runtime.set_backend_status(fake_backend.name, "paused")  # the running job finishes, no more
    start = qpu_clock.now()
    with pytest.raises(IBMError) as raised:
        spin(waiting, 10 * BUSY_REPEATS)
    message = str(raised.value)
    assert "429" in message and "9429" in message
    assert f"{fake_backend.name} is paused with 1 queued job(s)" in message
    assert "no passing of time can end" in message and "set_backend_status" in message
    assert qpu_clock.now() - start <= timedelta(seconds=5)  # the busy wait saw the first job end
    assert waiting.status() == "QUEUED"  # the next request is served


@pytest.mark.fakeqpu(job_duration=3600)
def test_a_loop_that_would_stand_in_for_an_hour_gets_a_clear_error(fake_backend, bell, qpu_clock):
    job = Sampler(mode=fake_backend).run([bell], shots=10)
    start = qpu_clock.now()
    with pytest.raises(IBMError, match=r"9429.*3600 virtual seconds away.*time\.sleep"):
        spin(job, 10 * BUSY_REPEATS)
    assert qpu_clock.now() == start
    qpu_clock.advance(hours=1)  # the fix the message names
    assert job.status() == "DONE"


def test_many_reads_at_one_instant_are_fine_when_nothing_waits(fake_service, qpu_clock):
    raw = RawApi(fake_service)
    start = qpu_clock.now()
    statuses = {raw.get("/backends/ibm_fez/status").status_code for _ in range(BUSY_REPEATS + 5)}
    assert statuses == {200} and qpu_clock.now() == start


T0 = datetime(2026, 1, 1, tzinfo=UTC)
GET = Request("GET", "https://quantum.cloud.ibm.com/api/v1/jobs/x", {})
OTHER = Request("GET", "https://quantum.cloud.ibm.com/api/v1/jobs/y", {})
POST = Request("POST", "https://quantum.cloud.ibm.com/api/v1/jobs", {})


class Model:
    """The clock and outlook a guard sees, without a fake runtime."""

    def __init__(self, next_change: datetime | None = T0 + timedelta(seconds=5)) -> None:
        self.now = T0
        self.next_change = next_change

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def check(self, guard: StillPollGuard, request: Request = GET) -> int | None:
        outlook = Outlook(pending=True, next_change=self.next_change)
        response = guard.check(request, self.now, lambda: outlook, self.advance, lambda: "trace")
        return None if response is None else response.status


def test_the_guard_moves_time_only_once_a_run_is_a_busy_wait():
    guard, model = StillPollGuard(repeats=3, reads=5, latency=0.5), Model()
    assert [model.check(guard) for _ in range(2)] == [None, None] and model.now == T0
    assert model.check(guard) is None and model.now == T0 + timedelta(seconds=0.5)  # the 3rd repeat
    assert model.check(guard) is None and model.now == T0 + timedelta(seconds=1)  # the run goes on
    model.now += timedelta(seconds=2)  # a sleep: the run ends, timing is exact again
    assert [model.check(guard) for _ in range(2)] == [None, None] and model.now == T0 + timedelta(seconds=3)
    assert model.check(guard, POST) is None  # a write ends the run too
    assert [model.check(guard) for _ in range(2)] == [None, None] and model.now == T0 + timedelta(seconds=3)


def test_a_round_robin_over_many_reads_is_a_busy_wait_too():
    guard, model = StillPollGuard(repeats=3, reads=5, latency=0.5), Model()
    statuses = [model.check(guard, GET if n % 2 else OTHER) for n in range(5)]
    assert statuses == [None] * 5 and model.now == T0 + timedelta(seconds=0.5)  # the 5th read


def test_the_guard_refuses_what_no_time_can_end_then_serves_again():
    guard, model = StillPollGuard(repeats=3, reads=5), Model(next_change=None)
    assert [model.check(guard) for _ in range(4)] == [None, None, 429, None]
    guard, far = StillPollGuard(repeats=3), Model(next_change=T0 + timedelta(hours=1))
    assert [far.check(guard) for _ in range(3)] == [None, None, 429]


@pytest.mark.fakeqpu(job_duration=5)
def test_a_loop_on_a_session_timer_sees_it_lapse(fake_session, bell, qpu_clock):
    Sampler(mode=fake_session).run([bell], shots=10).result()
    start = qpu_clock.now()
    polls = 0
    while fake_session.status() != "Pending" and polls < 100_000:  # no job waits: the 60-s window does
        polls += 1
    assert fake_session.status() == "Pending"
    assert timedelta(seconds=60) <= qpu_clock.now() - start < timedelta(seconds=60.2)
