"""`fail_jobs` and `set_backend_status` through the real client: job mode, sessions and batches."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMRuntimeError, RuntimeJobFailureError

from tests.contract.helpers import error_body


@pytest.mark.fakeqpu(job_duration=10)
def test_next_job_fails_when_it_starts_then_jobs_run_again(fake_runtime, fake_backend, bell):
    fake_runtime.fail_jobs(1517, "Injected: the QPU lost calibration.")
    failed = Sampler(mode=fake_backend).run([bell], shots=50)
    assert failed.status() == "ERROR"
    with pytest.raises(RuntimeJobFailureError, match="1517"):
        failed.result()
    assert "the QPU lost calibration" in failed.error_message()
    fine = Sampler(mode=fake_backend).run([bell], shots=50)
    fake_runtime.clock.advance(seconds=10)
    assert fine.result()[0].data.meas.num_shots == 50
    record = fake_runtime.jobs()[0]
    assert (record.status, record.reason_code, record.qpu_seconds) == ("Failed", 1517, 0.0)
    assert fake_runtime.faults() == []


@pytest.mark.fakeqpu(job_duration=10)
def test_fault_at_run_fails_half_way_and_uses_qpu_time(fake_runtime, fake_backend, bell, qpu_clock):
    fake_runtime.fail_jobs(1305, at="run")
    job = Sampler(mode=fake_backend).run([bell])
    qpu_clock.advance(seconds=4)
    assert job.status() == "RUNNING"
    qpu_clock.advance(seconds=1)
    assert job.status() == "ERROR"
    assert "Ran too long" in job.error_message()  # IBM's own text for 1305 when no message is given
    assert fake_runtime.jobs()[0].qpu_seconds == 5.0


def test_fault_at_submit_answers_the_post_and_creates_no_job(fake_runtime, fake_backend, bell):
    fake_runtime.fail_jobs(1004, "The Backend is not available.", at="submit")
    with pytest.raises(IBMRuntimeError) as raised:
        Sampler(mode=fake_backend).run([bell])
    assert error_body(raised.value)["errors"][0]["code"] == 1004
    assert fake_runtime.jobs() == []
    assert [r.status for r in fake_runtime.requests() if r.method == "POST" and r.path.endswith("/jobs")] == [
        400
    ]
    Sampler(mode=fake_backend).run([bell])  # the next one is accepted
    assert len(fake_runtime.jobs()) == 1


@pytest.mark.fakeqpu(job_duration=5)
def test_match_and_times_pick_the_jobs(fake_runtime, fake_backend, bell, qpu_clock):
    fake_runtime.fail_jobs(1600, match=lambda job: job.shots == (77,), times=2)
    jobs = [Sampler(mode=fake_backend).run([bell], shots=shots) for shots in (10, 77, 20, 77, 77)]
    qpu_clock.advance(minutes=1)
    assert [job.status() for job in jobs] == ["DONE", "ERROR", "DONE", "ERROR", "DONE"]
    assert [r.reason_code for r in fake_runtime.jobs()] == [None, 1600, None, 1600, None]


@pytest.mark.fakeqpu(job_duration=5)
def test_a_failed_job_ends_the_sessions_work_like_any_final_job(fake_runtime, fake_backend, bell, qpu_clock):
    fake_runtime.fail_jobs(1517, at="run")
    with Session(backend=fake_backend) as session:
        job = Sampler(mode=session).run([bell])
    assert session.status() == "In progress, not accepting new jobs"
    qpu_clock.advance(seconds=5)
    assert job.status() == "ERROR"
    record = fake_runtime.sessions()[0]
    assert (record.state, record.state_reason, record.jobs) == ("closed", "jobs_completed", (job.job_id(),))


@pytest.mark.fakeqpu(job_duration=5)
def test_faults_in_a_batch_hit_only_matching_jobs(fake_runtime, fake_backend, bell, bell_zz, qpu_clock):
    fake_runtime.fail_jobs(1519, match=lambda job: job.program == "estimator")
    with Batch(backend=fake_backend) as batch:
        sampled = Sampler(mode=batch).run([bell])
        estimated = Estimator(mode=batch).run([bell_zz])
    qpu_clock.advance(seconds=20)
    assert (sampled.status(), estimated.status()) == ("DONE", "ERROR")


def test_fault_arguments_are_checked(fake_runtime):
    for bad in (
        {"code": "1517"},
        {"code": 1517, "at": "later"},
        {"code": 1517, "times": 0},
        {"code": 1, "match": 3},
    ):
        with pytest.raises(ValueError):
            fake_runtime.fail_jobs(**bad)
    assert fake_runtime.faults() == []


def test_faults_are_listed_and_cleared(fake_runtime):
    fake_runtime.fail_jobs(1517, times=3, at="run")
    fake_runtime.http_fault(status=503, path="/jobs/{job_id}")
    listed = fake_runtime.faults()
    assert [(f["kind"], f.get("code"), f.get("status"), f["times"]) for f in listed] == [
        ("job", 1517, None, 3),
        ("http", None, 503, 1),
    ]
    fake_runtime.clear_faults()
    assert fake_runtime.faults() == []


# -- backend status over time ---------------------------------------------------------------------


@pytest.mark.fakeqpu(job_duration=10)
def test_paused_backend_runs_nothing_until_online(fake_runtime, fake_backend, bell, qpu_clock):
    running = Sampler(mode=fake_backend).run([bell])
    queued = Sampler(mode=fake_backend).run([bell])
    fake_runtime.set_backend_status(fake_backend.name, "paused", "maintenance")
    qpu_clock.advance(minutes=5)
    assert (running.status(), queued.status()) == ("DONE", "QUEUED")  # the running job finished
    assert not fake_backend.status().operational
    with pytest.raises(IBMRuntimeError, match="1004"):
        Sampler(mode=fake_backend).run([bell])
    fake_runtime.set_backend_status(fake_backend.name, "online")
    assert queued.status() == "RUNNING"
    qpu_clock.advance(seconds=10)
    assert queued.status() == "DONE"


@pytest.mark.fakeqpu(job_duration=10)
def test_a_maintenance_window_on_the_virtual_clock(fake_runtime, fake_backend, bell, qpu_clock):
    fake_runtime.set_backend_status(fake_backend.name, "offline", "maintenance", at=60, until=3600)
    assert fake_backend.status().operational
    qpu_clock.advance(seconds=60)
    assert fake_backend.status().operational is False
    with pytest.raises(IBMRuntimeError, match="1004"):
        Sampler(mode=fake_backend).run([bell])
    qpu_clock.advance(seconds=3540)
    assert fake_backend.status().operational
    job = Sampler(mode=fake_backend).run([bell])
    assert job.status() == "RUNNING"


@pytest.mark.fakeqpu(job_duration=10)
def test_a_pause_scheduled_while_jobs_wait_starts_them_exactly_at_the_end(
    fake_runtime, fake_backend, bell, qpu_clock
):
    start = qpu_clock.now()
    first, second = (Sampler(mode=fake_backend).run([bell]) for _ in range(2))
    fake_runtime.set_backend_status(fake_backend.name, "paused", at=5, until=100)
    qpu_clock.advance(minutes=10)
    assert first.status() == second.status() == "DONE"
    one, two = fake_runtime.jobs()
    assert (one.started - start).total_seconds() == 0
    assert (two.started - start).total_seconds() == 100  # waited out the pause, not 10 s
    assert (two.finished - start).total_seconds() == 110


def test_backend_status_arguments_are_checked(fake_runtime, fake_backend):
    with pytest.raises(ValueError):
        fake_runtime.set_backend_status(fake_backend.name, "broken")
    with pytest.raises(ValueError):
        fake_runtime.set_backend_status(fake_backend.name, "paused", at=100, until=50)
    with pytest.raises(ValueError):
        fake_runtime.set_backend_status(fake_backend.name, "paused", at=float("nan"))
    assert fake_backend.status().operational
