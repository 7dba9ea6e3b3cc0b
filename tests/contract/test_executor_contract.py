"""Executor jobs as IBM runs them (2 qubits, <= 64 shots each; 3 jobs and one refused request)."""

from __future__ import annotations

import pytest
import requests

from tests.contract.helpers import JOB_STATUS_WORDS, SHOTS, envelope
from tests.executor_primitives import SAMPLER_SINCE, sampler_class

pytestmark = [
    pytest.mark.contract,
    SAMPLER_SINCE,
]


@pytest.mark.contract(fidelity="Executor programs: a completed executor job, raw shots and chunk timing")
def test_executor_sampler_job_and_result(fake_backend, bell, raw, contract_record):
    Sampler = sampler_class()

    job = Sampler(mode=fake_backend).run([bell], shots=SHOTS)
    result = job.result()
    state = raw.job_state(job.job_id())
    contract_record("state", state)
    assert state["status"] in JOB_STATUS_WORDS and state["status"] == "Completed"
    assert job.primitive_id == "executor"
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == SHOTS
    assert counts.get("00", 0) + counts.get("11", 0) > SHOTS // 2
    body = raw.get(f"/jobs/{job.job_id()}/results").json()
    contract_record("result_keys", sorted(body))
    assert body["schema_version"] == job.inputs["schema_version"]  # the version the client sent
    assert body["semantic_role"] == "sampler_v2"  # echoed as sent
    (item,) = body["data"]
    assert item["results"]["meas"]["shape"] == [SHOTS, 2]
    spans = body["metadata"]["chunk_timing"]
    assert [part["idx_item"] for span in spans for part in span["parts"]] == [0]


@pytest.mark.contract(
    fidelity="Executor programs: twirled items echo the samplex outputs but parameter_values"
)
def test_twirled_executor_result_echoes_the_measurement_flips(fake_backend, bell, raw, contract_record):
    Sampler = sampler_class()

    sampler = Sampler(mode=fake_backend)
    sampler.options.twirling.enable_gates = True
    sampler.options.twirling.enable_measure = True
    sampler.options.twirling.num_randomizations = 2
    sampler.options.twirling.shots_per_randomization = SHOTS // 2
    job = sampler.run([bell], shots=SHOTS)
    assert sum(job.result()[0].data.meas.get_counts().values()) == SHOTS
    (item,) = raw.get(f"/jobs/{job.job_id()}/results").json()["data"]
    contract_record("twirled_results", {name: value["shape"] for name, value in item["results"].items()})
    assert item["results"]["meas"]["shape"] == [2, SHOTS // 2, 2]
    assert "measurement_flips.meas" in item["results"]
    assert "parameter_values" not in item["results"]


@pytest.mark.contract(fidelity="Executor programs: an unknown params.schema_version is a 400")
def test_unknown_executor_schema_version_is_refused(fake_backend, raw, contract_record):
    body = {
        "program_id": "executor",
        "backend": fake_backend.name,
        "params": {"schema_version": "v99.0", "quantum_program": {}, "options": {}},
    }
    response = requests.post(f"{raw.base}/jobs", json=body, headers=raw.headers, timeout=30)
    error = envelope(response, 400)
    contract_record("error", error)
    assert error["code"] == 1208
