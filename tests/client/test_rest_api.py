"""IBM's REST guides ("Primitives with REST API", "Execution modes with REST API"): jobs posted with
`requests`, an IAM bearer token and `Service-CRN`, PUBs of OpenQASM 3 text, observables as
`{pauli: coefficient}` maps, and results read as the plain JSON the guides read."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
import requests
from qiskit import qasm3
from qiskit.quantum_info import SparsePauliOp, Statevector

from tests.iam import iam_headers

JOBS = "https://quantum.cloud.ibm.com/api/v1/jobs"
FINAL = ("Completed", "Failed", "Cancelled")

# Physical qubits $1 and $2 of a Heron (rz, sx, x, cz): what the guides post.
GATES = """OPENQASM 3.0;
include "stdgates.inc";
bit[2] meas;
rz(pi/2) $1;
sx $1;
rz(pi) $1;
x $2;
cz $2, $1;
sx $1;
rz(pi/2) $1;
"""
MEASURED = GATES + "meas[0] = measure $1;\nmeas[1] = measure $2;\n"
PARAMETRIZED = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] phi;
input float[64] theta;
bit[2] meas;
sx $0;
rz(theta) $0;
sx $0;
sx $1;
rz(phi) $1;
sx $1;
meas[0] = measure $0;
meas[1] = measure $1;
"""


@pytest.fixture
def headers(fake_runtime):
    return {**iam_headers(fake_runtime), "Content-Type": "application/json"}


def run(headers, program: str, params: dict, backend: str = "ibm_torino") -> tuple[dict, requests.Response]:
    """POST a job as the guides do, poll it with time.sleep (virtual), and GET its results."""
    created = requests.post(
        JOBS, headers=headers, json={"program_id": program, "backend": backend, "params": params}, timeout=5
    )
    assert created.status_code == 200, created.text
    job_id = created.json()["id"]
    for _ in range(100):
        state = requests.get(f"{JOBS}/{job_id}", headers=headers, timeout=5).json()["state"]
        if state["status"] in FINAL:
            break
        time.sleep(10)
    return state, requests.get(f"{JOBS}/{job_id}/results", headers=headers, timeout=5)


def ideal(qasm: str, pauli: dict[str, float]) -> float:
    circuit = qasm3.loads(qasm)
    return float(Statevector(circuit).expectation_value(SparsePauliOp.from_list(list(pauli.items()))).real)


def test_the_guides_estimator_job_runs_and_its_results_are_plain_json(headers):
    observable = {"IZI": 1, "IXI": 2.3}
    state, response = run(headers, "estimator", {"version": "2", "pubs": [[GATES, observable, None]]})

    assert state["status"] == "Completed", state
    assert response.headers["content-type"].startswith("application/json")
    (pub,) = response.json()["results"]
    evs, stds = pub["data"]["evs"], pub["data"]["stds"]
    assert isinstance(evs, float) and isinstance(stds, float)  # one observable: 0-d, a bare number
    assert abs(evs - ideal(GATES, observable)) < 0.3
    assert pub["metadata"]["shots"] == 4096 and pub["metadata"]["target_precision"] == 0.015625
    assert response.json()["metadata"]["version"] == 2


def test_the_guides_sampler_job_reads_hex_samples_per_register(headers):
    state, response = run(headers, "sampler", {"version": "2", "pubs": [[MEASURED], [MEASURED, None, 500]]})

    assert state["status"] == "Completed", state
    first, second = response.json()["results"]
    samples = first["data"]["meas"]["samples"]
    assert len(samples) == 4096 and len(second["data"]["meas"]["samples"]) == 500
    assert first["data"]["meas"]["num_bits"] == 2
    assert all(re.fullmatch(r"0x[0-3]", sample) for sample in samples)
    probabilities = Statevector(qasm3.loads(GATES)).probabilities([1, 2])  # meas[0] = $1, meas[1] = $2
    most_likely = int(np.argmax(probabilities))
    counts = {value: samples.count(hex(value)) for value in range(4)}
    assert max(counts, key=counts.__getitem__) == most_likely


@pytest.mark.parametrize(
    ("values", "shape"),
    [({"theta": 1.57, "phi": 3.14}, ()), ([1.0, 2.0], ()), ([[0.0, 0.0], [3.14, 0.0], [0.0, 3.14]], (3,))],
)
def test_parameter_values_by_name_or_in_order_and_broadcast(headers, values, shape):
    state, response = run(headers, "sampler", {"pubs": [[PARAMETRIZED, values, 64]]})

    assert state["status"] == "Completed", state
    samples = np.array(response.json()["results"][0]["data"]["meas"]["samples"], dtype=object)
    assert samples.shape == (*shape, 64)
    if shape:  # sx rz(a) sx: a = 0 flips the qubit, a = pi leaves it; theta is bit 0, phi bit 1,
        # and a list gives the values in the circuit's parameter order: phi, then theta
        values = np.vectorize(lambda sample: int(sample, 16))(samples)
        theta_bit, phi_bit = (values & 1).mean(axis=1), (values >> 1 & 1).mean(axis=1)
        assert min(theta_bit[0], theta_bit[1]) > 0.6 > 0.4 > theta_bit[2]  # ideal: 1, 1, 0
        assert min(phi_bit[0], phi_bit[2]) > 0.6 > 0.4 > phi_bit[1]  # ideal: 1, 0, 1


def test_observables_as_a_list_of_maps_and_broadcast_against_parameter_sets(headers):
    observables = [[{"ZZ": 1.0}], [{"ZI": 0.5, "IZ": 0.5}]]  # shape (2, 1)
    parametrized = PARAMETRIZED.replace("bit[2] meas;", "").split("meas[0]")[0]
    state, response = run(
        headers,
        "estimator",
        {"pubs": [[parametrized, observables, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], 0.1]], "version": 2},
    )

    assert state["status"] == "Completed", state
    pub = response.json()["results"][0]
    assert np.array(pub["data"]["evs"]).shape == (2, 3)
    assert pub["metadata"]["target_precision"] == 0.1


def test_support_qiskit_true_gets_the_encoded_result_the_client_decodes(headers):
    from qiskit_ibm_runtime import RuntimeDecoder

    state, response = run(headers, "sampler", {"pubs": [[MEASURED, None, 10]], "support_qiskit": True})

    assert state["status"] == "Completed", state
    assert "results" not in response.json()
    result = json.loads(response.text, cls=RuntimeDecoder)
    assert result[0].data.meas.num_shots == 10


@pytest.mark.parametrize(
    ("program", "pub", "code", "words"),
    [
        ("sampler", ["OPENQASM 3.0;\nqubit[2] q;\nfoo q[0];\n"], 1603, "not defined"),
        ("sampler", ['OPENQASM 3.0;\ninclude "secrets.inc";\n'], 1603, "stdgates"),
        ("sampler", ['OPENQASM 3.0;\ninclude "stdgates.inc";\nh $0;\n'], 1517, "not supported"),
        ("estimator", [GATES, {"IZI": "a lot"}, None], 1521, "malformed"),
        ("estimator", [GATES, {"IZA": 1.0}, None], 1521, "malformed"),
        ("estimator", [GATES, {"ZZ": 1.0}, None], 1501, "number of qubits"),
        ("estimator", [7, {"IZI": 1.0}, None], 1521, "not a circuit"),
        ("sampler", [MEASURED, None, 0], 1521, "malformed"),
    ],
)
def test_hostile_pubs_fail_the_job_with_ibms_reason_code(headers, program, pub, code, words):
    state, _ = run(headers, program, {"pubs": [pub], "version": 2})

    assert state["status"] == "Failed" and state["reason_code"] == code, state
    assert words in state["reason"]


def test_a_non_boolean_support_qiskit_fails_the_job_with_1002(headers):
    state, _ = run(headers, "sampler", {"pubs": [[MEASURED]], "support_qiskit": "yes"})
    assert state["status"] == "Failed" and state["reason_code"] == 1002, state


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_coefficient_is_refused_at_submission(headers, token):
    pub = f'[{json.dumps(GATES)}, {{"IZI": {token}}}, null]'
    body = f'{{"program_id": "estimator", "backend": "ibm_torino", "params": {{"pubs": [{pub}]}}}}'
    response = requests.post(JOBS, headers=headers, data=body, timeout=5)

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == 1208 and "not valid JSON" in error["message"]


def test_more_openqasm_than_fakeqpu_parses_fails_with_1520_before_parsing(headers):
    from fakeqpu.execution.qasm import MAX_QASM_CHARACTERS

    half = MEASURED + "//" + "x" * (MAX_QASM_CHARACTERS // 2) + "\n"  # two of them: over the job's budget
    state, _ = run(headers, "sampler", {"pubs": [[half], [half]]})

    assert state["status"] == "Failed" and state["reason_code"] == 1520, state
    assert "QPY" in state["reason"]
