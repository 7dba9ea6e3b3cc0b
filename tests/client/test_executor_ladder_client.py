"""IBM's Executor PEC example in miniature through the real client: a 10-qubit mirror circuit, its
boxes learned by NoiseLearnerV3, one twirled and one PEC samplex item, simulated as batched Pauli
trajectories (an exact density matrix per randomization would not fit the job's budget)."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from tests.contract.helpers import RawApi

pytestmark = pytest.mark.min_client("0.50", reason="samplomatic boxing with injected noise and Executor v2.0")

LINE = list(range(40, 50))  # a path of ten qubits on ibm_torino


def _mirror(num_qubits: int, layers: int) -> QuantumCircuit:
    circuit = QuantumCircuit(num_qubits)
    for layer in range(layers):
        circuit.rx(Parameter(f"t{layer}"), range(num_qubits))
        for i in range(0, num_qubits - 1, 2):
            circuit.cz(i, i + 1)
        circuit.rx(Parameter(f"p{layer}"), range(num_qubits))
        for i in range(1, num_qubits - 1, 2):
            circuit.cz(i, i + 1)
    mirrored = circuit.compose(circuit.inverse())
    mirrored.measure_all()
    return mirrored


def _boxed(backend, circuit: QuantumCircuit, **boxing) -> QuantumCircuit:
    from samplomatic.transpiler import generate_boxing_pass_manager

    manager = generate_preset_pass_manager(backend=backend, initial_layout=LINE, optimization_level=0)
    manager.post_scheduling = generate_boxing_pass_manager(enable_gates=True, enable_measures=True, **boxing)
    return manager.run(circuit)


def test_twirled_and_pec_mirror_items_run_as_pauli_trajectories(fake_backend, fake_service):
    from qiskit_ibm_runtime.executor import Executor
    from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3
    from qiskit_ibm_runtime.quantum_program import QuantumProgram
    from samplomatic import build
    from samplomatic.utils import find_unique_box_instructions

    mirror = _mirror(10, layers=1)
    values = np.random.default_rng(1).random(mirror.num_parameters)
    twirled = _boxed(fake_backend, mirror)
    pec = _boxed(
        fake_backend, mirror, inject_noise_targets="gates", inject_noise_strategy="uniform_modification"
    )
    boxes = find_unique_box_instructions(pec.data)
    learner = NoiseLearnerV3(fake_backend)
    learner.options.num_randomizations = 4
    maps = learner.run(boxes).result().to_dict(instructions=boxes, require_refs=False)

    program = QuantumProgram(shots=50)
    template, samplex = build(twirled)
    program.append_samplex_item(
        template, samplex=samplex, samplex_arguments={"parameter_values": values}, shape=(12,)
    )
    template, samplex = build(pec)
    arguments = {
        "parameter_values": values,
        "pauli_lindblad_maps": maps,
        "noise_scales": dict.fromkeys(maps, -1.0),
    }
    program.append_samplex_item(template, samplex=samplex, samplex_arguments=arguments, shape=(12,))
    job = Executor(fake_backend).run(program)
    twirl_result, pec_result = job.result()

    assert twirl_result["meas"].shape == pec_result["meas"].shape == (12, 50, 10)
    unflipped = twirl_result["meas"] ^ twirl_result["measurement_flips.meas"]
    assert (~unflipped.any(axis=-1)).mean() > 10 / 2**10  # the ideal output, far above chance
    signs = np.prod((-1.0) ** pec_result["pauli_signs"], axis=-1)
    assert pec_result["pauli_signs"].shape[0] == 12 and set(np.unique(signs)) <= {-1.0, 1.0}

    body = RawApi(fake_service).get(f"/jobs/{job.job_id()}/results").json()
    reports = body["metadata"]["fakeqpu"]["simulation"]
    assert [report["where"] for report in reports] == ["item 0", "item 1"]
    for report in reports:
        assert (report["method"], report["exact"], report["qubits"]) == ("pauli_trajectories", False, 10)
        assert report["details"]["trajectories"] >= 1 and report["details"]["parameter_sets"] == 12
