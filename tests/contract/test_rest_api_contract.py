"""IBM's REST guides run against the service itself: OpenQASM 3 PUBs posted without `support_qiskit`,
the plain JSON results they read, and Sampler circuit timing (3 jobs of <= 64 shots, 2 qubits, and one
that fails before running)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from qiskit import qasm3

from tests.contract.helpers import SHOTS, RawApi

pytestmark = pytest.mark.contract

FINAL_WORDS = ("Completed", "Failed", "Cancelled")


def _post_and_wait(raw: RawApi, backend: str, program: str, params: dict[str, Any]) -> tuple[str, dict]:
    headers = {**raw.headers, "Content-Type": "application/json"}
    body = {"program_id": program, "backend": backend, "params": params}
    created = requests.post(f"{raw.base}/jobs", headers=headers, json=body, timeout=30)
    assert created.status_code == 200, created.text[:500]
    job_id = created.json()["id"]
    for _ in range(360):  # virtual on the fake; up to an hour against IBM
        state = raw.job_state(job_id)
        if state["status"] in FINAL_WORDS:
            return job_id, state
        time.sleep(10)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.contract(
    fidelity="REST API: without support_qiskit a Sampler result is plain JSON, registers as hex samples"
)
def test_sampler_plain_json_results(fake_backend, bell, raw, contract_record):
    job_id, state = _post_and_wait(
        raw, fake_backend.name, "sampler", {"pubs": [[qasm3.dumps(bell), None, SHOTS]], "version": 2}
    )
    assert state["status"] == "Completed", state
    response = raw.get(f"/jobs/{job_id}/results")
    body = response.json()
    contract_record("content_type", response.headers.get("content-type"))
    contract_record("keys", {"body": sorted(body), "pub": sorted(body["results"][0])})
    contract_record("metadata", body["metadata"])
    register = body["results"][0]["data"]["meas"]
    contract_record("register_keys", sorted(register))
    assert response.headers["content-type"].startswith("application/json")
    assert len(register["samples"]) == SHOTS
    assert all(re.fullmatch(r"0x[0-9a-f]+", sample) for sample in register["samples"])
    assert register["num_bits"] == 2  # CHOSEN: seen in third-party clients, not in IBM's guides
    assert body["metadata"]["version"] == 2


@pytest.mark.contract(
    fidelity="REST API: without support_qiskit an Estimator result is plain JSON, evs as numbers"
)
def test_estimator_plain_json_results(fake_backend, bell_zz, raw, contract_record):
    text = qasm3.dumps(bell_zz[0])
    circuit = qasm3.loads(text)  # physical qubits $0..$n: as wide as the highest one used, plus one
    width = circuit.num_qubits
    used = sorted({circuit.find_bit(q).index for inst in circuit.data for q in inst.qubits})
    label = ["I"] * width
    for qubit in used:
        label[width - 1 - qubit] = "Z"
    job_id, state = _post_and_wait(
        raw,
        fake_backend.name,
        "estimator",
        {"pubs": [[text, [{"".join(label): 1.0}], None, 0.125]], "version": 2},
    )
    assert state["status"] == "Completed", state
    body = raw.get(f"/jobs/{job_id}/results").json()
    (pub,) = body["results"]
    contract_record("pub", pub)
    assert isinstance(pub["data"]["evs"], list) and len(pub["data"]["evs"]) == 1
    assert pub["data"]["evs"][0] > 0.5  # ZZ of a Bell pair
    assert pub["metadata"]["target_precision"] == 0.125


@pytest.mark.contract(fidelity="REST API: an OpenQASM 3 circuit that does not load fails the job with 1603")
def test_qasm_that_does_not_load_fails_with_1603(fake_backend, raw, contract_record):
    program = 'OPENQASM 3.0;\ninclude "stdgates.inc";\nbit[1] c;\nnot_a_gate $0;\nc[0] = measure $0;\n'
    _, state = _post_and_wait(raw, fake_backend.name, "sampler", {"pubs": [[program, None, SHOTS]]})
    contract_record("state", state)
    assert state["status"] == "Failed" and state["reason_code"] == 1603, state


@pytest.mark.contract(fidelity="Circuit timing: scheduler_timing rows and circuit_duration of a Sampler PUB")
def test_scheduler_timing_of_a_sampler_pub(fake_backend, bell, contract_record):
    from qiskit_ibm_runtime import SamplerV2

    sampler = SamplerV2(mode=fake_backend)
    sampler.options.experimental = {"execution": {"scheduler_timing": True}}
    timing = sampler.run([bell], shots=SHOTS).result()[0].metadata["compilation"]["scheduler_timing"]
    rows = [line.split(",") for line in timing["timing"].splitlines() if line]
    contract_record("keys", sorted(timing))
    contract_record("rows", rows[:40])
    assert rows and all(len(row) == 6 for row in rows)
    assert {row[0] for row in rows} <= {"main", "then", "else"}
    assert all(row[2].startswith(("Qubit ", "AWGR", "Hub", "Receive")) for row in rows)
    assert all(int(row[3]) >= 0 and int(row[4]) >= 0 for row in rows)
    assert "circuit_duration" in timing  # CHOSEN for the legacy Sampler: the executor schema's field
