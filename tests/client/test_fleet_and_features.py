"""The fleet IBM's docs name, dynamic circuits on every device, fractional gates on Heron, and
`physical_qubits` for every device: through the real client."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import requests
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp, Statevector
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import EstimatorV2, RuntimeEncoder, SamplerV2
from qiskit_ibm_runtime.exceptions import IBMInputValueError, RuntimeJobFailureError

from fakeqpu.backend_data import DEFAULT_FLEET, available_backends
from tests.executor_primitives import SAMPLER_SINCE, sampler_class

HERON_EVERYWHERE = "ibm_torino"  # Heron r1: shipped by every supported client release


def shipped_fleet() -> list[str]:
    return [name for name in DEFAULT_FLEET if name in available_backends()]


# -- the fleet ---------------------------------------------------------------------------------------


def test_the_default_fleet_is_every_current_device_the_client_ships(fake_service, fake_backend):
    names = [b.name for b in fake_service.backends()]
    assert names == shipped_fleet()
    assert "ibm_marrakesh" in names  # IBM's tutorials ask for it by name
    assert fake_backend.name == "ibm_torino"  # the first of the fleet, as before
    assert fake_service.backend("ibm_marrakesh").num_qubits == 156


@pytest.mark.min_client("0.48", reason="the Heron r3 and Nighthawk snapshots ship from 0.48")
def test_the_devices_of_ibms_docs_are_served(fake_service):
    names = {b.name for b in fake_service.backends()}
    assert {"ibm_pittsburgh", "ibm_boston", "ibm_miami", "ibm_kingston"} <= names
    assert fake_service.backend("ibm_miami").configuration().processor_type["family"] == "Nighthawk"


@pytest.mark.fakeqpu(backends=["ibm_marrakesh", "ibm_fez"])
def test_backends_narrows_the_fleet(fake_service, fake_backend):
    assert [b.name for b in fake_service.backends()] == ["ibm_marrakesh", "ibm_fez"]
    assert fake_backend.name == "ibm_marrakesh"


# -- dynamic circuits --------------------------------------------------------------------------------


def test_every_device_offers_dynamic_circuits(fake_service):
    assert [b.name for b in fake_service.backends(dynamic_circuits=True)] == shipped_fleet()
    assert fake_service.backends(dynamic_circuits=False) == []
    backend = fake_service.least_busy(operational=True, simulator=False, dynamic_circuits=True)
    assert "if_else" in backend.target.operation_names


@pytest.mark.fakeqpu(backends=["ibm_brisbane"])
def test_a_feedforward_circuit_runs_on_an_eagle(fake_service):
    backend = fake_service.backend("ibm_brisbane")
    qc = QuantumCircuit(1, 2)
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(0)
    qc.measure(0, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    counts = SamplerV2(mode=backend).run([isa], shots=200).result()[0].data.c.get_counts()
    assert max(counts, key=counts.get) == "01"  # bit 0 read 1, the feedforward reset it: bit 1 reads 0


# -- fractional gates --------------------------------------------------------------------------------


def test_heron_serves_fractional_gates_when_asked(fake_service):
    plain = fake_service.backend(HERON_EVERYWHERE)
    assert not {"rx", "rzz"} & set(plain.target.operation_names)  # the client filters them out
    fractional = fake_service.backend(HERON_EVERYWHERE, use_fractional_gates=True)
    assert {"rx", "rzz"} <= set(fractional.target.operation_names)
    edge = next(iter(fractional.target["cz"]))
    assert fractional.target["rzz"][edge].duration == fractional.target["cz"][edge].duration
    assert fractional.target["rx"][(0,)].error == fractional.target["sx"][(0,)].error


@pytest.mark.min_client("0.48", reason="0.43 and 0.45 take the flag but load the backend without it")
def test_least_busy_with_fractional_gates_picks_a_heron(fake_service):
    backend = fake_service.least_busy(use_fractional_gates=True)
    assert backend.configuration().processor_type["family"] == "Heron"
    assert "rzz" in backend.target.operation_names


def test_eagle_and_nighthawk_have_no_fractional_gates(fake_service):
    for backend in fake_service.backends(use_fractional_gates=True):
        configuration = backend.configuration()
        fractional = {"rx", "rzz"} <= set(configuration.basis_gates)
        assert fractional == (configuration.processor_type["family"] == "Heron"), backend.name


@pytest.mark.min_client("0.45", reason="the client's own refusal ships from 0.45 (0.43.1 has none)")
def test_asking_an_eagle_for_fractional_gates_is_refused(fake_service):
    with pytest.raises(IBMInputValueError, match="does not support fractional gates"):
        fake_service.backend("ibm_brisbane", use_fractional_gates=True)


def _rotations(theta: float | Parameter) -> QuantumCircuit:
    qc = QuantumCircuit(2)
    qc.rx(0.7, 0)
    qc.rx(0.7, 1)
    qc.rzz(theta, 0, 1)
    return qc


def test_sampler_and_estimator_run_rzz_and_rx(fake_service):
    backend = fake_service.backend(HERON_EVERYWHERE, use_fractional_gates=True)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=1)
    measured = _rotations(math.pi / 3)
    measured.measure_all()
    sampled = pm.run(measured)
    assert {"rzz", "rx"} <= set(sampled.count_ops())  # the transpiler kept the native rotations
    counts = SamplerV2(mode=backend).run([sampled], shots=400).result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 400

    theta = Parameter("θ")
    estimated = pm.run(_rotations(theta))
    observable = SparsePauliOp("IY")
    exact = Statevector(_rotations(0.4)).expectation_value(observable).real
    result = EstimatorV2(mode=backend).run([(estimated, observable.apply_layout(estimated.layout), [[0.4]])])
    value = float(np.asarray(result.result()[0].data.evs).ravel()[0])
    assert abs(exact) > 0.3 and abs(value - exact) < 0.15  # the rotation, less the device's noise


@pytest.mark.min_client("0.43", reason="0.40 drops control flow from a backend with fractional gates")
def test_fractional_and_dynamic_in_one_circuit_run(fake_service):
    """IBM's client (0.43 on): "our backends now support dynamic circuits and fractional gates
    simultaneously"."""
    backend = fake_service.backend(HERON_EVERYWHERE, use_fractional_gates=True)
    qc = QuantumCircuit(2, 2)
    qc.rx(math.pi, 0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.rzz(math.pi / 2, 0, 1)
    qc.measure(1, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=1).run(qc)
    result = SamplerV2(mode=backend).run([isa], shots=100).result()
    assert result[0].data.c.num_shots == 100


def test_an_rzz_angle_outside_its_range_is_refused_by_the_client_and_the_server(fake_runtime, fake_service):
    backend = fake_service.backend(HERON_EVERYWHERE, use_fractional_gates=True)
    theta = Parameter("θ")
    qc = QuantumCircuit(2)
    qc.rzz(theta, 0, 1)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=0, backend=backend, initial_layout=[0, 1]).run(qc)
    with pytest.raises(IBMInputValueError, match="range"):
        SamplerV2(mode=backend).run([(isa, [2.0])])
    # Past the client (a REST caller): the job fails with the same words
    body = {
        "program_id": "sampler",
        "backend": HERON_EVERYWHERE,
        "params": {"pubs": [[isa, np.array([2.0]), 10]], "options": {}, "version": 2},
    }
    token = fake_service._active_api_client._session.auth.tm.get_token()
    response = requests.post(
        "https://quantum.cloud.ibm.com/api/v1/jobs",
        headers={"Authorization": f"Bearer {token}", "Service-CRN": fake_runtime.crn},
        data=json.dumps(body, cls=RuntimeEncoder),
        timeout=5,
    )
    assert response.status_code == 200
    with pytest.raises(RuntimeJobFailureError, match=r"1517.*rzz is supported only for angles"):
        fake_service.job(response.json()["id"]).result()


@SAMPLER_SINCE
def test_the_executor_sampler_meets_the_servers_rzz_refusal(fake_service):
    """The executor-based Sampler does not check rzz angles in the client: the server does."""
    backend = fake_service.backend(HERON_EVERYWHERE, use_fractional_gates=True)
    theta = Parameter("θ")
    qc = QuantumCircuit(2)
    qc.rzz(theta, 0, 1)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=0, backend=backend, initial_layout=[0, 1]).run(qc)
    sampler = sampler_class()(mode=backend)
    assert sampler.run([(isa, [1.0])], shots=50).result()[0].data.meas.num_shots == 50
    with pytest.raises(RuntimeJobFailureError, match=r"1517.*rzz is supported only for angles"):
        sampler.run([(isa, [2.0])], shots=50).result()


def test_gate_twirling_with_fractional_gates_fails_the_job(fake_service):
    backend = fake_service.backend(HERON_EVERYWHERE, use_fractional_gates=True)
    measured = _rotations(math.pi / 4)
    measured.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=1).run(measured)
    sampler = SamplerV2(mode=backend)
    sampler.options.twirling.enable_gates = True
    with pytest.raises(RuntimeJobFailureError, match=r"1519.*Gate twirling does not support"):
        sampler.run([isa], shots=100).result()
    sampler.options.twirling.enable_gates = False
    assert sampler.run([isa], shots=100).result()[0].data.meas.num_shots == 100


# -- physical_qubits ---------------------------------------------------------------------------------


@pytest.mark.min_client("0.50", reason="IBMBackend.physical_qubits (Qiskit/qiskit-ibm-runtime#3080)")
def test_every_device_reports_its_physical_qubits(fake_service):
    reported = {b.name: b.physical_qubits for b in fake_service.backends()}
    assert all(isinstance(value, int) for value in reported.values()), reported
    assert reported["ibm_brisbane"] == 127  # Eagle: fixed couplers, the qubits alone (CHOSEN)


def test_the_device_list_carries_physical_qubits(fake_runtime, fake_service):
    token = fake_service._active_api_client._session.auth.tm.get_token()
    devices = requests.get(
        "https://quantum.cloud.ibm.com/api/v1/backends",
        headers={"Authorization": f"Bearer {token}", "Service-CRN": fake_runtime.crn},
        timeout=5,
    ).json()["devices"]
    assert all(isinstance(device["physical_qubits"], int) for device in devices)
