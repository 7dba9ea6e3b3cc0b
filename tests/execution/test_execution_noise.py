"""Cutting to the used qubits, the compact noise model, and its cache."""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import Chi
from qiskit_aer import AerSimulator
from qiskit_aer.noise.device import basic_device_gate_errors

from fakeqpu import execution
from fakeqpu.execution.simulation import noise
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.twirl import twirled_gate_errors


def test_cut_keeps_only_the_used_qubits(good_bell_isa):
    circuit, qubits = cut(good_bell_isa)

    assert good_bell_isa.num_qubits == 133
    assert qubits == (92, 99)
    assert circuit.num_qubits == 2
    assert circuit.cregs == good_bell_isa.cregs
    assert "barrier" not in circuit.count_ops()
    assert circuit.count_ops()["measure"] == 2


def test_cut_keeps_extra_qubits_and_names_physical_operations(good_bell_isa):
    circuit, qubits = cut(good_bell_isa, keep={5})

    assert qubits == (5, 92, 99)
    operations = physical_operations(circuit, qubits)
    assert ("measure", (92,)) in operations
    assert {qargs for name, qargs in operations if name == "cz"} <= {(92, 99), (99, 92)}
    assert all(5 not in qargs for _, qargs in operations)


def test_compact_noise_reproduces_full_device_noise_exactly(bell_isa, backend):
    """Same Aer seed, same counts: the cut circuit with its compact noise model is the same experiment."""
    full = AerSimulator.from_backend(backend).run(bell_isa, shots=4000, seed_simulator=5).result()

    circuit, qubits = cut(bell_isa)
    compact = noise.simulator("ibm_torino", qubits, physical_operations(circuit, qubits))
    cut_result = compact.run(circuit, shots=4000, seed_simulator=5).result()

    assert cut_result.get_counts() == full.get_counts()


def test_second_run_reuses_the_noise_model(run_job, sampler_params, good_bell_isa):
    params = sampler_params((good_bell_isa, None, 100))
    run_job("sampler", params)
    before = noise.cache_stats()

    run_job("sampler", params)

    assert noise.cache_stats().builds == before.builds


def test_the_same_params_object_is_prepared_and_cut_once(run_job, sampler_params, good_bell_isa):
    params = sampler_params((good_bell_isa, None, 100))
    first = execution.prepare("sampler", params, "ibm_torino")
    second = execution.prepare("sampler", params, "ibm_torino")
    equal_copy = execution.prepare("sampler", sampler_params((good_bell_isa, None, 100)), "ibm_torino")

    assert second is first
    assert equal_copy is not first and equal_copy == first


def test_a_repeated_job_gives_the_same_counts_for_the_same_seed(sampler_params, good_bell_isa, window):
    params = sampler_params((good_bell_isa, None, 100))
    start, stop = window
    texts = [
        execution.run(execution.prepare("sampler", params, "ibm_torino"), seed=seed, start=start, stop=stop)
        for seed in (7, 7, 8)
    ]

    assert texts[0] == texts[1]
    assert texts[2] != texts[0]


def test_warm_loads_the_backend():
    execution.warm("ibm_torino")

    assert noise.backend_target("ibm_torino").num_qubits == 133


def test_wide_models_carry_the_pauli_twirl_of_the_exact_errors(backend):
    operations = frozenset(
        (name, qargs)
        for name in ("sx", "x", "id", "reset", "cz")
        for qargs in backend.target[name]
        if set(qargs) <= {3, 4}
    )
    compact = noise.compact_target(backend.target, (3, 4), operations)

    exact = {(name, qargs): error for name, qargs, error in basic_device_gate_errors(target=compact)}
    twirled = {(name, qargs): error for name, qargs, error in twirled_gate_errors(compact)}

    assert twirled.keys() == exact.keys()
    for key, error in exact.items():
        np.testing.assert_allclose(
            _pauli_probabilities(twirled[key]), _pauli_probabilities(error), atol=1e-12
        )


def _pauli_probabilities(error):
    return np.real(np.diag(Chi(error.to_quantumchannel()).data)) / 2**error.num_qubits


def _ghz(size: int, tilt: float = 0.0) -> QuantumCircuit:
    circuit = QuantumCircuit(size)
    circuit.h(0)
    for qubit in range(size - 1):
        circuit.cx(qubit, qubit + 1)
    if tilt:
        circuit.rx(tilt, range(size))
    circuit.measure_all()
    return circuit


def test_wide_clifford_circuit_runs_fast_on_twirled_noise(run_job, sampler_params, transpile):
    isa = transpile(_ghz(24))

    _, result = run_job("sampler", sampler_params((isa, None, 500)))

    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 500
    top_two = sorted(counts, key=counts.__getitem__)[-2:]
    assert set(top_two) == {"0" * 24, "1" * 24}


def test_wide_non_clifford_circuit_falls_back_to_matrix_product_states(run_job, sampler_params, transpile):
    isa = transpile(_ghz(22, tilt=0.3))

    _, result = run_job("sampler", sampler_params((isa, None, 50)))

    assert result[0].data.meas.num_shots == 50
    assert result[0].data.meas.num_bits == 22
