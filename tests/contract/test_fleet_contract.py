"""The fleet's features as IBM serves them: dynamic circuits everywhere, fractional gates on Heron, an
integer `physical_qubits` on every device, and the rzz angle refusal. Against IBM they settle the rows
of docs/fidelity.md that are CHOSEN (Eagle's `physical_qubits`, the rzz refusal's code)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import RuntimeEncoder
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError

from tests.contract.helpers import SHOTS


@pytest.mark.min_client("0.43", reason="0.40 asks for API 2024-01-01, whose GET /backends lists names only")
@pytest.mark.contract(fidelity="Backends: physical_qubits an integer on every device (Eagle CHOSEN)")
def test_every_device_has_integer_physical_qubits(fake_service, raw, contract_record):
    devices = raw.get("/backends").json()["devices"]
    contract_record("physical_qubits", {d["name"]: d.get("physical_qubits") for d in devices})
    assert devices
    for device in devices:
        assert isinstance(device.get("physical_qubits"), int), device["name"]
        assert device["physical_qubits"] >= device["qubits"]


@pytest.mark.contract(fidelity="Backends: dynamic circuits on every device (supported_features)")
def test_every_device_lists_dynamic_circuits(fake_service, contract_record):
    features = {b.name: b.configuration().supported_features for b in fake_service.backends()}
    contract_record("supported_features", features)
    assert features
    assert all("dynamic_circuits" in listed for listed in features.values())


@pytest.mark.contract(fidelity="Backends: rx and rzz in a Heron configuration (client filters)")
def test_a_heron_lists_the_fractional_gates(fake_service, contract_record):
    heron = [b for b in fake_service.backends() if b.configuration().processor_type.get("family") == "Heron"]
    assert heron
    name = heron[0].name
    plain = fake_service.backend(name)
    fractional = fake_service.backend(name, use_fractional_gates=True)
    plain_gates, fractional_gates = plain.configuration().basis_gates, fractional.configuration().basis_gates
    contract_record("basis_gates", {"plain": plain_gates, "fractional": fractional_gates})
    assert not {"rx", "rzz"} & set(plain_gates)
    assert {"rx", "rzz"} <= set(fractional_gates)


@pytest.mark.contract(fidelity="Fractional gates: rzz angle outside [0, pi/2] fails the job (1517 CHOSEN)")
def test_an_rzz_angle_out_of_range_fails_the_job(fake_service, raw, contract_record):
    heron = [b for b in fake_service.backends() if b.configuration().processor_type.get("family") == "Heron"]
    backend = fake_service.backend(heron[0].name, use_fractional_gates=True)
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.rzz(theta, 0, 1)
    circuit.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=1).run(circuit)
    body = {
        "program_id": "sampler",
        "backend": backend.name,
        "params": {"pubs": [[isa, np.array([2.0]), SHOTS]], "options": {}, "version": 2},
    }
    response = requests.post(
        f"{raw.base}/jobs",
        headers={**raw.headers, "Content-Type": "application/json"},
        data=json.dumps(body, cls=RuntimeEncoder),
        timeout=30,
    )
    contract_record("submit", {"status": response.status_code, "body": response.text[:500]})
    if response.status_code != 200:  # refused at submission: the envelope is the answer
        assert response.status_code == 400
        return
    job = fake_service.job(response.json()["id"])
    with pytest.raises(RuntimeJobFailureError) as failure:
        job.result()
    contract_record("failure", str(failure.value)[:500])
    assert "1517" in str(failure.value) and "rzz" in str(failure.value)
