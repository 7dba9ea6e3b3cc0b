"""Virtual `time.sleep`, `job.result()` polling and threads (docs/time.md)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import RuntimeJobTimeoutError

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


def wait_until_idle(session, poll_seconds: float = 5) -> None:
    """Code under test: wait, politely, until a session has gone inactive."""
    while session.status() != "Pending":
        time.sleep(poll_seconds)


@pytest.mark.fakeqpu(job_duration=5)
def test_code_that_sleeps_runs_on_virtual_time(fake_session, qpu_clock, bell):
    Sampler(mode=fake_session).run([bell], shots=10)
    start = qpu_clock.now()
    wall = time.perf_counter()  # perf_counter is not patched: it measures real time
    wait_until_idle(fake_session)
    assert qpu_clock.now() - start == timedelta(seconds=65)  # 5 s job + 60 s interactive TTL
    assert time.perf_counter() - wall < 1


@pytest.mark.min_client("0.48", reason="RuntimeJobV2.result(poll_interval=...) arrives in 0.48")
@pytest.mark.fakeqpu(job_duration=600)
def test_result_polls_on_virtual_time(fake_backend, qpu_clock, bell):
    start = qpu_clock.now()
    job = Sampler(mode=fake_backend).run([bell], shots=10)
    with pytest.raises(RuntimeJobTimeoutError):
        job.result(timeout=60, poll_interval=5)  # gives up after 60 virtual seconds
    assert job.status() == "RUNNING"
    result = job.result(poll_interval=30)  # 18 polls of 30 s, not 1080 of 0.5 s
    assert result[0].data.meas.num_shots == 10
    assert timedelta(seconds=600) <= qpu_clock.now() - start < timedelta(seconds=630)


def test_threads_that_sleep_at_the_same_time_overlap(qpu_clock):
    start = qpu_clock.now()
    ready = threading.Barrier(2)

    def nap(naps: int) -> None:
        qpu_clock.now()  # what this thread has seen: `start`
        ready.wait()
        for _ in range(naps):
            time.sleep(1)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(nap, [3, 5]))
    assert qpu_clock.now() - start == timedelta(seconds=5)  # not 3 + 5


def test_an_explicit_move_counts_as_seen_by_every_thread(qpu_clock):
    start = qpu_clock.now()
    step = threading.Barrier(2)

    def worker() -> None:
        qpu_clock.now()  # the worker has seen `start` ...
        step.wait()
        step.wait()  # ... and meanwhile the test moved the clock
        time.sleep(2)  # so the worker wakes 2 s after the move, not 2 s after `start`

    thread = threading.Thread(target=worker)
    thread.start()
    step.wait()
    qpu_clock.advance(hours=1)
    step.wait()
    thread.join()
    assert qpu_clock.now() - start == timedelta(hours=1, seconds=2)


@pytest.mark.fakeqpu(job_duration=2)
def test_two_workloads_share_a_session_from_two_threads(fake_session, qpu_clock, bell):
    start = qpu_clock.now()

    def workload(tag: str) -> list[int]:
        sampler = Sampler(mode=fake_session)
        sampler.options.environment.job_tags = [tag]
        return [sampler.run([bell], shots=10).result()[0].data.meas.num_shots for _ in range(3)]

    with ThreadPoolExecutor(2) as pool:
        shots = list(pool.map(workload, ["cobyla", "nelder-mead"]))
    assert shots == [[10, 10, 10], [10, 10, 10]]
    assert qpu_clock.now() - start >= timedelta(seconds=12)  # six 2-second jobs on one QPU
    assert len(fake_session.service.jobs(session_id=fake_session.session_id, job_tags=["cobyla"])) == 3


@pytest.mark.fakeqpu(job_duration=5)
def test_a_loop_that_never_sleeps_still_sees_its_job_end(fake_backend, qpu_clock, bell):
    job = Sampler(mode=fake_backend).run([bell], shots=10)
    start = qpu_clock.now()
    while job.status() not in ("DONE", "ERROR", "CANCELLED"):
        pass  # a busy wait: after 250 reads at one instant, each read takes 0.1 virtual seconds
    assert timedelta(seconds=5) <= qpu_clock.now() - start < timedelta(seconds=5.2)
