"""Flows d–e of http-surface.md through the real client: primitives, jobs, results, status words."""

from __future__ import annotations

import os
from datetime import timedelta

import numpy as np
import pytest
from qiskit.primitives import PrimitiveResult
from qiskit_ibm_runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime import Session
from qiskit_ibm_runtime.exceptions import (
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobNotFound,
)


def test_sampler_result_is_a_real_primitive_result(fake_backend, bell):
    result = Sampler(mode=fake_backend).run([bell], shots=300).result()
    assert isinstance(result, PrimitiveResult)
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 300
    assert counts.get("00", 0) + counts.get("11", 0) > 200
    spans = result.metadata["execution"]["execution_spans"]
    assert len(spans) == 1 and spans[0].start <= spans[0].stop


def test_default_shots_parameter_sweeps_and_several_pubs(fake_backend, bell, sweep):
    sampler = Sampler(mode=fake_backend, options={"default_shots": 64})
    values = np.linspace(0, np.pi, 3).reshape(3, 1)
    result = sampler.run([bell, (sweep, values), (bell, None, 10)]).result()
    assert result[0].data.meas.num_shots == 64
    assert result[1].data.meas.shape == (3,)
    assert result[2].data.meas.num_shots == 10
    # ry(0) gives |00>, ry(pi) gives |11> (up to noise)
    first, last = result[1].data.meas[0].get_counts(), result[1].data.meas[2].get_counts()
    assert max(first, key=first.get) == "00" and max(last, key=last.get) == "11"


def test_estimator_precision_sets_the_shots(fake_backend, bell_zz):
    circuit, zz = bell_zz
    result = Estimator(mode=fake_backend).run([(circuit, zz)], precision=0.05).result()
    evs, stds = float(result[0].data.evs), float(result[0].data.stds)
    assert result[0].metadata["target_precision"] == 0.05
    # ceil(1 / 0.05**2) = 400 shots, measurement twirled: 7 randomizations of 64 run 448
    assert (result[0].metadata["num_randomizations"], result[0].metadata["shots"]) == (7, 448)
    assert 0.03 < stds < 0.1  # readout mitigation widens the 1/sqrt(400) of the raw estimate
    assert abs(evs - 0.99) < 4 * stds


@pytest.mark.fakeqpu(job_duration=5)
def test_job_goes_queued_running_done_on_the_clock(fake_backend, qpu_clock, bell):
    first = Sampler(mode=fake_backend).run([bell])
    second = Sampler(mode=fake_backend).run([bell])
    assert (first.status(), second.status()) == ("RUNNING", "QUEUED")
    qpu_clock.advance(seconds=5)
    assert (first.status(), second.status()) == ("DONE", "RUNNING")
    qpu_clock.advance(seconds=5)
    assert second.status() == "DONE"


@pytest.mark.fakeqpu(job_duration=300)
def test_result_waits_in_virtual_time(fake_backend, qpu_clock, bell):
    wall = os.times().elapsed
    start = qpu_clock.now()
    job = Sampler(mode=fake_backend).run([bell])
    assert job.result()[0].data.meas.num_shots > 0
    assert qpu_clock.now() - start >= timedelta(seconds=300)
    assert os.times().elapsed - wall < 30


@pytest.mark.fakeqpu(job_duration=60)
def test_cancel_a_queued_job_and_a_final_one(fake_backend, bell):
    running = Sampler(mode=fake_backend).run([bell])
    queued = Sampler(mode=fake_backend).run([bell])
    queued.cancel()
    assert queued.status() == "CANCELLED"
    with pytest.raises(RuntimeInvalidStateError):
        queued.result()
    with pytest.raises(RuntimeInvalidStateError):
        queued.cancel()
    running.cancel()
    assert running.status() == "CANCELLED"


@pytest.mark.fakeqpu(job_duration=100)
def test_max_execution_time_cancels_with_1305(fake_backend, qpu_clock, bell):
    sampler = Sampler(mode=fake_backend)
    sampler.options.max_execution_time = 30
    job = sampler.run([bell])
    qpu_clock.advance(seconds=31)
    assert job.status() == "ERROR"
    with pytest.raises(RuntimeJobMaxTimeoutError):
        job.result()
    assert "ran longer than maximum execution time" in job.error_message()


@pytest.mark.fakeqpu(job_duration=5)
def test_job_metadata_metrics_usage_logs_and_tags(fake_service, fake_backend, qpu_clock, bell):
    sampler = Sampler(mode=fake_backend)
    sampler.options.environment.job_tags = ["alpha"]
    job = sampler.run([bell], shots=100)
    assert job.usage_estimation["quantum_seconds"] > 2
    assert job.usage() == 0  # usage is "pending" until the job ends
    qpu_clock.advance(seconds=10)
    job.result()
    metrics = job.metrics()
    assert metrics["timestamps"]["running"] is not None and metrics["usage"]["status"] == "complete"
    assert job.usage() == 5
    assert "completed" in job.logs()
    job.update_tags(["beta", "gamma"])
    assert sorted(job.tags) == ["beta", "gamma"]
    again = fake_service.job(job.job_id())
    assert again.backend().name == fake_backend.name
    assert sorted(again.tags) == ["beta", "gamma"]
    assert again.creation_date is not None
    assert again.inputs["pubs"][0][0].num_qubits == bell.num_qubits
    assert again.session_id is None


def test_unknown_job_and_delete(fake_service, fake_backend, bell):
    with pytest.raises(RuntimeJobNotFound):
        fake_service.job("doesnotexist00000000")
    job = Sampler(mode=fake_backend).run([bell])
    job.result()
    fake_service.delete_job(job.job_id())
    with pytest.raises(RuntimeJobNotFound):
        fake_service.job(job.job_id())


@pytest.mark.fakeqpu(job_duration=10)
def test_job_listing_filters(fake_service, fake_backend, qpu_clock, bell):
    start = qpu_clock.now()
    tagged = Sampler(mode=fake_backend)
    tagged.options.environment.job_tags = ["t1", "t2"]
    a = tagged.run([bell])
    qpu_clock.advance(seconds=60)
    middle = qpu_clock.now()
    with Session(backend=fake_backend) as session:
        b = Sampler(mode=session).run([bell])
    c = Estimator(mode=fake_backend).run(
        [(bell.remove_final_measurements(inplace=False), "Z" * bell.num_qubits)]
    )
    ids = lambda jobs: [j.job_id() for j in jobs]  # noqa: E731
    assert ids(fake_service.jobs(limit=10)) == [c.job_id(), b.job_id(), a.job_id()]
    assert ids(fake_service.jobs(limit=10, descending=False)) == [a.job_id(), b.job_id(), c.job_id()]
    assert ids(fake_service.jobs(job_tags=["t1", "t2"])) == [a.job_id()]
    assert ids(fake_service.jobs(job_tags=["t1", "nope"])) == []
    assert ids(fake_service.jobs(session_id=session.session_id)) == [b.job_id()]
    assert ids(fake_service.jobs(program_id="estimator")) == [c.job_id()]
    assert ids(fake_service.jobs(pending=False)) == [a.job_id()]
    assert set(ids(fake_service.jobs(pending=True))) == {b.job_id(), c.job_id()}
    assert ids(fake_service.jobs(created_after=middle)) == [c.job_id(), b.job_id()]
    assert ids(fake_service.jobs(created_before=start + timedelta(seconds=1))) == [a.job_id()]
    assert ids(fake_service.jobs(limit=1, skip=1)) == [b.job_id()]
    assert ids(fake_service.jobs(backend_name="ibm_fez")) == []


def test_a_non_isa_circuit_sent_anyway_fails_with_1517(fake_runtime, fake_service):
    """The client refuses non-ISA circuits itself; a direct POST shows what the server does."""
    import json

    import requests
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import RuntimeEncoder

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.measure_all()
    body = {
        "program_id": "sampler",
        "backend": "ibm_torino",
        "params": {"pubs": [[qc, np.zeros((0,)), 10]], "options": {}, "version": 2},
    }
    token = fake_service._active_api_client._session.auth.tm.get_token()
    headers = {
        "Authorization": f"Bearer {token}",
        "Service-CRN": fake_runtime.crn,
        "Content-Type": "application/json",
    }
    response = requests.post(
        "https://quantum.cloud.ibm.com/api/v1/jobs",
        headers=headers,
        timeout=5,
        data=json.dumps(body, cls=RuntimeEncoder),
    )
    assert response.status_code == 200
    job = fake_service.job(response.json()["id"])
    assert job.status() == "ERROR"
    with pytest.raises(RuntimeJobFailureError, match="1517"):
        job.result()


def test_same_seed_same_ids_timestamps_and_counts(bell):
    from datetime import UTC, datetime

    import fakeqpu

    def run() -> tuple:
        with fakeqpu.mock_runtime(seed=3, start=datetime(2026, 5, 1, tzinfo=UTC)) as runtime:
            backend = runtime.service().backend("ibm_torino")
            with Session(backend=backend) as session:
                job = Sampler(mode=session).run([bell], shots=200)
                counts = job.result()[0].data.meas.get_counts()
            return session.session_id, job.job_id(), str(job.creation_date), counts, str(runtime.timeline())

    assert run() == run()
