"""Hostile executor payloads: refused with IBM's envelope (400/1208) or a failed job with a code,
never a 500, and the next request still works."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import requests
from packaging.version import Version

from tests.client.test_http_errors import BASE, assert_envelope, headers  # noqa: F401

pytestmark = pytest.mark.min_client("0.47", reason="Executor and QuantumProgram came in 0.47")


@pytest.fixture
def payload(fake_backend, sweep):
    from qiskit_ibm_runtime import ExecutorOptions
    from qiskit_ibm_runtime.quantum_program import QuantumProgram
    from qiskit_ibm_runtime.quantum_program.params_converters import QUANTUM_PROGRAM_PARAMS_CONVERTERS

    program = QuantumProgram(shots=20)
    program.append_circuit_item(sweep, circuit_arguments=np.array([[0.0], [1.0]]))
    # the newest schema this client writes: v2.0 from 0.50, v1.1 in 0.48
    newest = max(QUANTUM_PROGRAM_PARAMS_CONVERTERS, key=lambda name: Version(name.removeprefix("v")))
    params = QUANTUM_PROGRAM_PARAMS_CONVERTERS[newest].encoder(program, ExecutorOptions())
    return {"program_id": "executor", "backend": fake_backend.name, "params": params.model_dump(mode="json")}


def _post(headers, body):  # noqa: F811
    return requests.post(f"{BASE}/jobs", json=body, headers=headers, timeout=5)


def _final_job(headers, fake_runtime, job_id):  # noqa: F811
    fake_runtime.clock.advance(hours=1)
    return requests.get(f"{BASE}/jobs/{job_id}", headers=headers, timeout=5).json()


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda p: p.update(params="nope"), id="params-not-an-object"),
        pytest.param(lambda p: p["params"].update(schema_version="v9.9"), id="unknown-schema"),
        pytest.param(lambda p: p["params"].pop("quantum_program"), id="no-program"),
        pytest.param(lambda p: p["params"]["quantum_program"].update(shots="many"), id="shots-wrong-type"),
        pytest.param(lambda p: p["params"]["quantum_program"].update(shots=0), id="zero-shots"),
        pytest.param(
            lambda p: p["params"]["quantum_program"]["items"].append(
                copy.deepcopy(p["params"]["quantum_program"]["items"][0])
            ),
            id="more-items-than-circuits",
        ),
        pytest.param(
            lambda p: p["params"]["quantum_program"]["circuits"].update(b64_data="!!!"), id="bad-qpy"
        ),
    ],
)
def test_malformed_program_is_a_400_and_the_next_request_works(headers, payload, mutate):  # noqa: F811
    good = copy.deepcopy(payload)
    mutate(payload)
    assert_envelope(_post(headers, payload), 400, 1208)
    assert _post(headers, good).status_code == 200


def _tensor(array, schema_version):
    from ibm_quantum_schemas.common import F64CompressedTensorModel, F64TensorModel

    model = F64CompressedTensorModel if Version(schema_version[1:]) >= Version("2.0") else F64TensorModel
    return model.from_numpy(np.asarray(array, dtype=float)).model_dump(mode="json")


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        pytest.param([[np.nan], [1.0]], 1002, id="nan-argument"),
        pytest.param([[np.inf], [1.0]], 1002, id="infinite-argument"),
        pytest.param([[0.0, 1.0]], 1002, id="arguments-for-two-parameters"),
        pytest.param(np.zeros((3_000_000, 1)), 1520, id="huge-shape"),
    ],
)
def test_inconsistent_program_fails_the_job_with_a_code(headers, payload, fake_runtime, arguments, code):  # noqa: F811
    good = copy.deepcopy(payload)
    params = payload["params"]
    params["quantum_program"]["items"][0]["circuit_arguments"] = _tensor(arguments, params["schema_version"])
    response = _post(headers, payload)
    assert response.status_code == 200
    job = _final_job(headers, fake_runtime, response.json()["id"])
    assert job["status"] == "Failed"
    assert job["state"]["reason_code"] == code
    following = _post(headers, good).json()["id"]
    assert _final_job(headers, fake_runtime, following)["status"] == "Completed"
