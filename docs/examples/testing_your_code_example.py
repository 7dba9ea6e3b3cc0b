"""Testing your own code with fakeqpu: faults, maintenance windows, max TTL, and what was submitted.

Each section has a piece of "application code" (what you would have in your project) and the test
that drives it through the real client against the fake.
"""

from __future__ import annotations

import time
from importlib.metadata import version

import pytest
from packaging.version import Version
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime import Session
from qiskit_ibm_runtime.exceptions import IBMRuntimeError, RuntimeJobFailureError

# -- retry on 503 -------------------------------------------------------------------------------------


def job_status_with_retry(service, job_id, attempts=3):
    """Application code: the client retries a 5xx five times; this retries the whole call on top."""
    for attempt in range(attempts):
        try:
            return service.job(job_id).status()
        except IBMRuntimeError:
            if attempt == attempts - 1:
                raise
            time.sleep(2**attempt)  # virtual under fakeqpu: no real waiting


# The client's own tries for a 503: one and five retries; qiskit-ibm-runtime 0.40 does not retry a 503.
CLIENT_TRIES = 6 if Version(version("qiskit-ibm-runtime")) >= Version("0.41") else 1


def test_status_survives_a_burst_of_503(fake_runtime, fake_service, fake_backend, bell):
    job = Sampler(mode=fake_backend).run([bell], shots=10)
    fake_runtime.http_fault(status=503, method="GET", path="/jobs/{job_id}", times=CLIENT_TRIES)
    assert job_status_with_retry(fake_service, job.job_id()) in ("QUEUED", "RUNNING", "DONE")
    answers = [r.status for r in fake_runtime.requests() if r.path.endswith(job.job_id())]
    # the client's own tries, then our second attempt
    assert answers[: CLIENT_TRIES + 1] == [503] * CLIENT_TRIES + [200]


def resubmit_failed(backend, circuit, shots=100):
    """Application code: a job service that resubmits a job the QPU failed, once."""
    try:
        return Sampler(mode=backend).run([circuit], shots=shots).result()
    except RuntimeJobFailureError:
        return Sampler(mode=backend).run([circuit], shots=shots).result()


def test_a_failed_job_is_resubmitted_once(fake_runtime, fake_backend, bell):
    fake_runtime.fail_jobs(1517, "Injected: calibration lost.")
    result = resubmit_failed(fake_backend, bell)
    assert result[0].data.meas.num_shots == 100
    outcomes = [(job.status, job.reason_code) for job in fake_runtime.jobs()]
    assert outcomes == [("Failed", 1517), ("Completed", None)]


# -- surviving max TTL ----------------------------------------------------------------------------------


def run_in_sessions(backend, circuits, shots=100):
    """Application code: run circuits one by one in a session; when it has closed, open a new one."""
    session = Session(backend=backend)
    results = []
    for circuit in circuits:
        try:
            job = Sampler(mode=session).run([circuit], shots=shots)
        except IBMRuntimeError as error:
            if "1217" not in str(error):  # "Session has been closed."
                raise
            session = Session(backend=backend)
            job = Sampler(mode=session).run([circuit], shots=shots)
        results.append(job.result())
    session.close()
    return results


@pytest.mark.fakeqpu(max_ttl=15, job_duration=10)
def test_a_long_run_outlives_the_max_ttl(fake_runtime, fake_backend, bell):
    results = run_in_sessions(fake_backend, [bell] * 3)
    assert len(results) == 3
    first, second = fake_runtime.sessions()
    assert (first.state_reason, len(first.jobs)) == ("max_ttl_reached", 2)
    assert (second.state, len(second.jobs)) == ("closed", 1)


# -- waiting out a maintenance window -----------------------------------------------------------------


def wait_until_operational(backend, poll_seconds=60, give_up_after=4 * 3600):
    """Application code: poll the backend until it is operational again."""
    waited = 0
    while not backend.status().operational:
        if waited >= give_up_after:
            raise TimeoutError(f"{backend.name} still down after {waited} s")
        time.sleep(poll_seconds)
        waited += poll_seconds
    return waited


def test_the_scheduler_waits_out_a_maintenance_window(fake_runtime, fake_backend, bell):
    fake_runtime.set_backend_status(fake_backend.name, "paused", "maintenance", until=2 * 3600)
    assert wait_until_operational(fake_backend) == 2 * 3600
    assert Sampler(mode=fake_backend).run([bell], shots=10).result()[0].data.meas.num_shots == 10


def test_the_scheduler_gives_up_after_four_hours(fake_runtime, fake_backend):
    fake_runtime.set_backend_status(fake_backend.name, "offline", "maintenance", at=0, until=24 * 3600)
    with pytest.raises(TimeoutError, match="still down after 14400 s"):
        wait_until_operational(fake_backend)


# -- asserting what was submitted ---------------------------------------------------------------------


def sample_twice(backend, circuit):
    """Application code: two independent estimates of the same distribution."""
    sampler = Sampler(mode=backend, options={"default_shots": 77})
    return [sampler.run([circuit]).result() for _ in range(2)]


def test_the_app_submitted_two_jobs_of_77_shots(fake_runtime, fake_backend, bell):
    sample_twice(fake_backend, bell)
    jobs = fake_runtime.jobs()
    assert [job.shots for job in jobs] == [(77,), (77,)]
    assert all(job.pubs[0].circuit == bell and job.program == "sampler" for job in jobs)
    assert fake_runtime.sessions() == []  # job mode: no session was opened


# -- leftovers, budgets, latency ------------------------------------------------------------------


@pytest.mark.fakeqpu(strict=True, max_jobs=2, max_qpu_seconds=60, job_duration=10)
def test_within_budget_and_tidy(fake_runtime, fake_backend, bell):
    with Session(backend=fake_backend) as session:
        Sampler(mode=session).run([bell], shots=10).result()
    fake_runtime.assert_no_leftovers()  # what strict=True also checks at teardown


@pytest.mark.fakeqpu(auto_tick=0.25, job_duration=1)
def test_every_request_takes_a_quarter_second(fake_runtime, fake_backend, bell):
    Sampler(mode=fake_backend).run([bell], shots=10).result()
    assert all(request.seconds == 0.25 for request in fake_runtime.requests())
