"""The wide noise paths checked against independent computations of the same noise.

- Above 10 qubits the fake simulates Pauli-twirled gate errors: on a circuit that still fits the
  exact path, the twirled and the exact models give the same GHZ population (to sampling error).
- Above 20 qubits Clifford circuits run on Aer's stabilizer method: a Pauli-frame sampler written
  here (numpy, no Aer), fed the same twirled channels and readout errors, gives the same GHZ
  population, and P(0…0) + P(1…1) of a 50-qubit GHZ follows from the snapshot's errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Chi, PauliList, pauli_basis
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel
from qiskit_aer.noise.device import basic_device_readout_errors

from fakeqpu.execution.simulation import noise
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.simulate import _methods
from fakeqpu.execution.simulation.twirl import twirled_gate_errors


def ghz(size: int) -> QuantumCircuit:
    circuit = QuantumCircuit(size)
    circuit.h(0)
    for qubit in range(size - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.measure_all()
    return circuit


def ghz_population(counts: dict[str, int], size: int) -> float:
    return (counts.get("0" * size, 0) + counts.get("1" * size, 0)) / sum(counts.values())


def compact(isa: QuantumCircuit, backend_name: str = "ibm_torino"):
    circuit, qubits = cut(isa)
    operations = physical_operations(circuit, qubits)
    target = noise.compact_target(noise.backend_target(backend_name), qubits, operations)
    return circuit, qubits, target


def pauli_frame_ghz_population(circuit: QuantumCircuit, target, shots: int, seed: int) -> float:
    """P(all equal) for a Clifford circuit whose ideal outcome is 0…0 or 1…1, by Pauli-frame sampling.

    Every gate error is a Pauli channel applied after its gate (Aer's convention); each possible
    Pauli is pushed to the end of the circuit through the remaining Clifford gates, where its X part
    flips measured bits. Readout flips each bit with the target's assignment probabilities.
    """
    rng = np.random.default_rng(seed)
    errors = {(name, qargs): error for name, qargs, error in twirled_gate_errors(target)}
    n = circuit.num_qubits
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    frames = PauliList(["I" * n])[:0]
    locations: list[tuple[int, np.ndarray]] = []  # (first row in frames, probabilities)
    measured: dict[int, int] = {}
    for instruction in circuit.data:
        qargs = tuple(index[q] for q in instruction.qubits)
        name = instruction.operation.name
        if name == "measure":
            measured[circuit.find_bit(instruction.clbits[0]).index] = qargs[0]
            continue
        if name == "barrier":
            continue
        if len(frames):
            frames = frames.evolve(instruction.operation, qargs=list(qargs), frame="s")
        error = errors.get((name, qargs))
        if error is None:
            continue
        probabilities = np.real(np.diag(Chi(error.to_quantumchannel()).data)) / 2 ** len(qargs)
        local = pauli_basis(len(qargs))
        embedded = np.zeros((len(local), n), dtype=bool), np.zeros((len(local), n), dtype=bool)
        for position, qubit in enumerate(qargs):
            embedded[0][:, qubit] = local.z[:, position]
            embedded[1][:, qubit] = local.x[:, position]
        locations.append((len(frames), probabilities))
        frames = frames + PauliList.from_symplectic(*embedded)
    flips = np.zeros((shots, n), dtype=bool)
    x_parts = frames.x
    for start, probabilities in locations:
        chosen = rng.choice(len(probabilities), size=shots, p=probabilities / probabilities.sum())
        flips ^= x_parts[start + chosen]
    ideal = rng.integers(0, 2, size=(shots, 1), dtype=bool)
    bits = ideal ^ flips
    readout = {tuple(qargs): error for qargs, error in basic_device_readout_errors(target=target)}
    read = bits.copy()
    for qubit in measured.values():
        matrix = readout[(qubit,)].probabilities  # rows: prepared 0/1; columns: read 0/1
        draw = rng.random(shots)
        read[:, qubit] = np.where(bits[:, qubit], draw >= matrix[1][0], draw < matrix[0][1])
    columns = [measured[clbit] for clbit in sorted(measured)]
    outcome = read[:, columns]
    return float(np.mean(outcome.all(axis=1) | ~outcome.any(axis=1)))


def test_twirled_and_exact_models_agree_on_a_circuit_that_fits_both(transpile):
    size, shots = 8, 4000
    circuit, _, target = compact(transpile(ghz(size)))
    exact = AerSimulator(noise_model=NoiseModel.from_backend(noise._CompactBackend(target)))
    twirled = AerSimulator(noise_model=noise._pauli_twirled_model(target))
    p_exact = ghz_population(exact.run(circuit, shots=shots, seed_simulator=1).result().get_counts(), size)
    twirled_counts = twirled.run(circuit, shots=shots, seed_simulator=2).result().get_counts()
    p_twirled = ghz_population(twirled_counts, size)
    sigma = np.sqrt(2 * p_exact * (1 - p_exact) / shots)
    assert 0.5 < p_exact < 0.99
    assert abs(p_exact - p_twirled) < 4 * sigma, (p_exact, p_twirled)


@pytest.mark.parametrize("size", [24, 50])
def test_the_stabilizer_path_matches_an_independent_pauli_frame_sampler(transpile, size):
    shots = 1000 if size == 24 else 500
    circuit, qubits, target = compact(transpile(ghz(size)))
    simulator = noise.simulator("ibm_torino", qubits, physical_operations(circuit, qubits))
    assert _methods([circuit]) == ("stabilizer", "matrix_product_state")
    counts = simulator.run(circuit, shots=shots, seed_simulator=3, method="stabilizer").result().get_counts()
    p_fake = ghz_population(counts, size)
    p_frame = pauli_frame_ghz_population(circuit, target, 20_000, seed=4)
    sigma = np.sqrt(p_frame * (1 - p_frame) / shots + p_frame * (1 - p_frame) / 20_000) + 1e-3
    assert abs(p_fake - p_frame) < 4 * sigma, (p_fake, p_frame)
