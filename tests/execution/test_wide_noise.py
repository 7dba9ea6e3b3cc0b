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
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.quantum_info import Chi, Operator, PauliList, pauli_basis
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel
from qiskit_aer.noise.device import basic_device_gate_errors, basic_device_readout_errors

from fakeqpu.execution.simulation import noise
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.sampler import _experiment
from fakeqpu.execution.simulation.simulate import _methods, _seed_stride, sample
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


def rotated(size: int) -> QuantumCircuit:
    """A product of non-Clifford single-qubit states: qubit i rotated by RY(0.35 + 0.09 i)."""
    circuit = QuantumCircuit(size)
    for qubit in range(size):
        circuit.ry(0.35 + 0.09 * qubit, qubit)
    circuit.measure_all()
    return circuit


def entangled_rotations(size: int) -> QuantumCircuit:
    """A GHZ chain with a non-Clifford RY on every qubit before and after: entangled, not Clifford."""
    circuit = QuantumCircuit(size)
    for qubit in range(size):
        circuit.ry(0.2 + 0.05 * qubit, qubit)
    circuit.h(0)
    for qubit in range(size - 1):
        circuit.cx(qubit, qubit + 1)
    for qubit in range(size):
        circuit.ry(0.3, qubit)
    circuit.measure_all()
    return circuit


def _pauli_channel(error) -> np.ndarray:
    """The Pauli twirl of an exact error: its Pauli probabilities (I, X, Y, Z), from the χ matrix."""
    probabilities = np.real(np.diag(Chi(error.to_quantumchannel()).data)) / 2
    return probabilities / probabilities.sum()


def closed_form_ones(circuit: QuantumCircuit, target) -> dict[int, float]:
    """P(read 1) of each measured clbit of a circuit without two-qubit gates, in closed form.

    Each qubit's 2x2 density matrix goes through its gates; after each gate, the Pauli twirl of the
    exact error Aer's `from_backend` gives that gate (computed here from the χ matrix, not with the
    fake's `twirl.py`); then the target's readout assignment matrix.
    """
    exact = {(name, qargs): error for name, qargs, error in basic_device_gate_errors(target=target)}
    readout = {tuple(q): error.probabilities for q, error in basic_device_readout_errors(target=target)}
    paulis = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1, -1])]
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    states = {i: np.diag([1.0, 0.0]).astype(complex) for i in range(circuit.num_qubits)}
    ones: dict[int, float] = {}
    for instruction in circuit.data:
        name = instruction.operation.name
        if name == "barrier":
            continue
        (qubit,) = (index[q] for q in instruction.qubits)
        if name == "measure":
            p_one = float(np.real(states[qubit][1, 1]))
            matrix = readout[(qubit,)]  # rows: prepared 0/1; columns: read 0/1
            clbit = circuit.find_bit(instruction.clbits[0]).index
            ones[clbit] = (1 - p_one) * matrix[0][1] + p_one * matrix[1][1]
            continue
        unitary = Operator(instruction.operation).data
        rho = unitary @ states[qubit] @ unitary.conj().T
        error = exact.get((name, (qubit,)))
        if error is not None:
            channel = zip(_pauli_channel(error), paulis, strict=True)
            rho = sum(p * pauli @ rho @ pauli.conj().T for p, pauli in channel)
        states[qubit] = rho
    return ones


def marginal_ones(counts: dict[str, int], num_clbits: int) -> np.ndarray:
    shots = sum(counts.values())
    ones = np.zeros(num_clbits)
    for bits, count in counts.items():
        ones += count * np.array([bit == "1" for bit in reversed(bits.replace(" ", ""))])
    return ones / shots


def test_the_matrix_product_state_path_matches_a_closed_form_on_a_wide_product_state(transpile):
    size, shots = 30, 4000
    circuit, qubits, target = compact(transpile(rotated(size)))
    assert len(qubits) == size and _methods([circuit]) == ("matrix_product_state",)
    simulator = noise.simulator("ibm_torino", qubits, physical_operations(circuit, qubits))
    result = simulator.run(circuit, shots=shots, seed_simulator=5, method=_methods([circuit])[0]).result()
    measured = marginal_ones(result.get_counts(), circuit.num_clbits)
    expected = closed_form_ones(circuit, target)
    predicted = np.array([expected[clbit] for clbit in range(circuit.num_clbits)])
    sigma = np.sqrt(predicted * (1 - predicted) / shots)
    z = (measured - predicted) / sigma
    print(f"max |z| {np.max(np.abs(z)):.2f}, mean z^2 {np.mean(z**2):.2f}")
    assert np.all(np.abs(z) < 4.5), (measured, predicted)
    assert float(np.mean(z**2)) < 2.0  # chi-square per degree of freedom: no systematic bias


def test_matrix_product_states_and_statevector_agree_under_the_same_twirled_noise(transpile):
    size, shots = 11, 2000
    circuit, qubits, _ = compact(transpile(entangled_rotations(size)))
    simulator = noise.simulator("ibm_torino", qubits, physical_operations(circuit, qubits))
    runs = {
        method: simulator.run(circuit, shots=shots, seed_simulator=seed, method=method).result().get_counts()
        # Aer seeds shot i with seed + i: seeds closer than `shots` would share most shots.
        for method, seed in (("matrix_product_state", 10**6), ("statevector", 2 * 10**6))
    }
    mps = marginal_ones(runs["matrix_product_state"], circuit.num_clbits)
    statevector = marginal_ones(runs["statevector"], circuit.num_clbits)
    pooled = (mps + statevector) / 2
    sigma = np.sqrt(2 * pooled * (1 - pooled) / shots)
    assert np.all(np.abs(mps - statevector) < 4.5 * sigma), (mps, statevector)
    p_mps, p_sv = (ghz_population(runs[m], size) for m in ("matrix_product_state", "statevector"))
    print(f"max |diff| {np.max(np.abs(mps - statevector)):.4f}, GHZ population {p_mps:.4f} vs {p_sv:.4f}")
    assert abs(p_mps - p_sv) < 4.5 * np.sqrt(2 * p_sv * (1 - p_sv) / shots) + 1e-3, (p_mps, p_sv)


def test_experiments_of_one_job_draw_independent_shots_past_aer_seed_stride(transpile):
    # Aer seeds experiment k of a run with seed + 2113·k and, shot by shot, shot s with that + s: two
    # identical PUBs of more than 2113 shots in one run would repeat each other's shots, shifted.
    stride = _seed_stride()
    shots = stride + 900
    scrambled = QuantumCircuit(22)  # Clifford, > 20 qubits: the stabilizer method, shot by shot
    scrambled.h(range(22))
    for qubit in range(0, 21, 2):
        scrambled.cx(qubit, qubit + 1)
    scrambled.measure_all()
    pub = SamplerPub.coerce((transpile(scrambled),), shots=shots)
    experiment = _experiment(pub, "ibm_torino")
    first, second = (bits.reshape(shots, -1) for bits in sample([experiment, experiment], seed=11))
    shifted = np.mean(np.all(first[stride:] == second[: shots - stride], axis=1))
    aligned = np.mean(np.all(first == second, axis=1))
    assert shifted < 0.2 and aligned < 0.2, (shifted, aligned)
    assert experiment.simulator is not None and _methods([experiment.circuit])[0] == "stabilizer"
    assert 0.3 < np.mean(first) < 0.7  # near-uniform bits: equal 22-bit rows mean shared draws
