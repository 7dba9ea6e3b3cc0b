"""Executor items on many parameter sets: batched Pauli trajectories against Aer's exact density matrix,
the mirror circuit's known output, determinism, and the method chosen within the job's budget."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from qiskit.circuit import Instruction, ParameterVector, QuantumCircuit
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.quantum_info import Statevector

from fakeqpu.execution.errors import SYSTEM_LIMITS, ExecutionError
from fakeqpu.execution.simulation import plan
from fakeqpu.execution.simulation.components import prepare_components, run_components
from fakeqpu.execution.simulation.gate_matrices import gate_matrices
from fakeqpu.execution.simulation.randomized import Choice
from fakeqpu.execution.simulation.simulate import Experiment, sample

BACKEND = "ibm_torino"
NOISY = (40, 41, 42)  # ibm_torino's CZ 40-41 and 41-42 err 6-7 %, qubit 42 misreads 14 %
QUIET = (43, 44, 45, 46)  # CZ errors below 1 %


def _layers(qubits: tuple[int, ...], layers: int) -> list[list[tuple[int, int]]]:
    pairs = list(itertools.pairwise(qubits))
    return [pairs[layer % 2 :: 2] for layer in range(layers)]


def _template(qubits: tuple[int, ...], layers: int, mirror: bool) -> QuantumCircuit:
    """ISA template on the whole device: blocks of rz·sx·rz·sx·rz on each qubit between CZ layers;
    `mirror` appends the blocks and layers again in reverse (angles from `_mirror_values`)."""
    cz_layers = _layers(qubits, layers)
    blocks = 2 * layers + 2 if mirror else layers + 1
    angles = iter(ParameterVector("a", 3 * len(qubits) * blocks))
    circuit = QuantumCircuit(133, len(qubits))

    def block() -> None:
        for qubit in qubits:
            circuit.rz(next(angles), qubit)
            circuit.sx(qubit)
            circuit.rz(next(angles), qubit)
            circuit.sx(qubit)
            circuit.rz(next(angles), qubit)

    for layer in range(layers):
        block()
        for a, b in cz_layers[layer]:
            circuit.cz(a, b)
    block()
    if mirror:
        block()
        for layer in reversed(range(layers)):
            for a, b in cz_layers[layer]:
                circuit.cz(a, b)
            block()
    circuit.measure(list(qubits), list(range(len(qubits))))
    return circuit


def _mirror_values(rng: np.random.Generator, num_sets: int, qubits: int, layers: int) -> np.ndarray:
    """Random forward angles; each inverse block undoes its forward twin: U = Rz(c)·SX·Rz(b)·SX·Rz(a)
    has U† = Rz(π - a)·SX·Rz(2π - b)·SX·Rz(π - c) up to a global phase."""
    forward = rng.uniform(0, 2 * np.pi, (num_sets, layers + 1, qubits, 3))
    inverse = np.stack([np.pi - forward[..., 2], 2 * np.pi - forward[..., 1], np.pi - forward[..., 0]], -1)
    # Forward blocks 0..layers-1 precede CZ layers; block `layers` and its inverse meet in the middle.
    blocks = [forward[:, i] for i in range(layers)] + [forward[:, layers]]
    blocks += [inverse[:, layers]] + [inverse[:, i] for i in reversed(range(layers))]
    # The template has 2·layers + 2 blocks: forward ×layers, middle pair, inverse ×layers.
    return np.concatenate([block.reshape(num_sets, -1) for block in blocks], axis=1)


def _choice(count: int) -> Choice:
    return Choice("pauli_trajectories", False, 0.0, count)


@pytest.mark.parametrize(
    ("name", "params"),
    [("rz", 1), ("rx", 1), ("ry", 1), ("p", 1), ("u", 3), ("u2", 2), ("r", 2), ("rzz", 1)],
)
def test_closed_form_gate_matrices_match_qiskit(name, params):
    vector = ParameterVector("t", params)
    gate = get_standard_gate_name_mapping()[name].base_class(*vector)
    values = np.random.default_rng(3).uniform(-7, 7, (5, params))
    matrices = gate_matrices(gate, values, {p: i for i, p in enumerate(vector)})
    for row, matrix in zip(values, matrices, strict=True):
        expected = get_standard_gate_name_mapping()[name].base_class(*row).to_matrix()
        np.testing.assert_allclose(matrix, expected, atol=1e-12)


def test_trajectories_sample_the_exact_density_matrix_distribution():
    """A mirror circuit with random single-qubit blocks (randomizations) on noisy qubits: one trajectory
    per shot matches Aer's exact density matrix (non-Pauli T1/T2 errors) within sampling error, while
    the noise itself moves the distribution far from the ideal all-zeros."""
    layers = 2
    circuit = _template(NOISY, layers, mirror=True)
    values = _mirror_values(np.random.default_rng(11), 48, len(NOISY), layers)
    item = prepare_components(circuit, values, 200, BACKEND)
    ((component, wide),) = item.wide
    trajectories = wide.run_trajectories(_choice(200), seed=5)
    (exact,) = sample(
        [Experiment(component.circuit, wide.values, wide.aer_simulator(), ("test", component.qubits), 200)], 5
    )

    def distribution(bits: np.ndarray) -> np.ndarray:
        outcomes = bits.astype(int) @ (1 << np.arange(bits.shape[-1]))
        return np.bincount(outcomes.ravel(), minlength=8) / outcomes.size

    ideal = np.eye(8)[0]
    distance = 0.5 * np.abs(distribution(trajectories) - distribution(exact)).sum()
    noise_effect = 0.5 * np.abs(ideal - distribution(exact)).sum()
    assert noise_effect > 0.1
    assert distance < 0.04, (distance, noise_effect)


def test_mirror_circuit_returns_all_zeros_with_high_probability_under_noise():
    qubits, layers = QUIET, 3
    circuit = _template(qubits, layers, mirror=True)
    values = _mirror_values(np.random.default_rng(2), 32, len(qubits), layers)
    item = prepare_components(circuit, values, 200, BACKEND)
    ((component, wide),) = item.wide
    ideal = component.circuit.remove_final_measurements(inplace=False).assign_parameters(wide.values[0])
    assert Statevector(ideal).probabilities()[0] == pytest.approx(1.0)
    bits = wide.run_trajectories(_choice(4), seed=9)
    all_zero = float((~bits.any(axis=-1)).mean())
    assert bits.shape == (32, 200, len(qubits))
    assert 0.6 < all_zero < 0.99  # noisy, yet 10 times above chance (1/16)


def test_trajectories_are_deterministic_per_seed():
    circuit = _template(QUIET[:3], layers=2, mirror=False)
    values = np.random.default_rng(4).uniform(0, 6, (6, circuit.num_parameters))
    ((_, wide),) = prepare_components(circuit, values, 50, BACKEND).wide
    first = wide.run_trajectories(_choice(3), seed=1)
    assert np.array_equal(first, wide.run_trajectories(_choice(3), seed=1))
    assert not np.array_equal(first, wide.run_trajectories(_choice(3), seed=2))


def test_the_budget_picks_the_exact_density_matrix_when_it_fits_and_trajectories_when_not():
    circuit = _template(QUIET[:3], layers=2, mirror=False)
    values = np.random.default_rng(4).uniform(0, 6, (8, circuit.num_parameters))
    item = prepare_components(circuit, values, 40, BACKEND)
    reports = []
    for budget in (60.0, 1e-4):
        with plan.simulating(plan.SimulationPolicy(budget_seconds=budget)) as collected:
            bits = run_components(item, seed=3, where="item 0")
        assert bits.shape == (8, 40, 3)
        reports += collected
    generous, tight = reports
    assert (generous.method, generous.exact, generous.where) == ("density_matrix", True, "item 0")
    assert (tight.method, tight.exact) == ("pauli_trajectories", False)
    assert tight.details["trajectories"] >= 1 and tight.qubits == 3
    assert math.isfinite(tight.predicted_seconds)


def test_exact_mode_fails_the_job_naming_the_method_it_would_need():
    circuit = _template(QUIET[:3], layers=2, mirror=False)
    values = np.random.default_rng(4).uniform(0, 6, (8, circuit.num_parameters))
    item = prepare_components(circuit, values, 40, BACKEND)
    with (
        plan.simulating(plan.SimulationPolicy(budget_seconds=1e-4, mode=plan.EXACT)),
        pytest.raises(ExecutionError) as failure,
    ):
        run_components(item, seed=3, where="item 1")
    assert failure.value.code == SYSTEM_LIMITS
    assert "pauli_trajectories" in failure.value.message and "item 1" in failure.value.message


def test_schedule_evolves_any_one_and_two_qubit_gates_as_the_statevector():
    """Non-diagonal and parameterized two-qubit gates, fused single-qubit runs: noiseless trajectories
    give the statevector itself (up to a global phase)."""
    from fakeqpu.execution.simulation import batched_trajectories as trajectories
    from fakeqpu.execution.simulation.trajectory_noise import ComponentNoise

    theta = ParameterVector("t", 4)
    circuit = QuantumCircuit(4)
    circuit.h(range(4))
    circuit.ecr(0, 2)
    circuit.rzz(theta[0], 3, 1)
    circuit.cx(2, 3)
    circuit.ry(theta[1], 0)
    circuit.u(theta[2], theta[3], 0.3, 1)
    circuit.cz(0, 1)
    circuit.swap(1, 2)
    circuit.sx(3)
    schedule = trajectories.compile_schedule(circuit, ComponentNoise({}, np.tile([0.0, 1.0], (4, 1))))
    assert schedule is not None and schedule.noiseless
    values = np.random.default_rng(8).uniform(-3, 3, (3, 4))
    matrices = [
        gate_matrices(op, values, {p: i for i, p in enumerate(circuit.parameters)})
        for op, _ in schedule.gates
    ]
    states = trajectories._evolve(schedule, matrices, np.arange(3), np.random.default_rng(0))
    for row, state in zip(values, states, strict=True):
        expected = Statevector(circuit.assign_parameters(row)).data
        overlap = abs(np.vdot(expected, state))
        assert overlap == pytest.approx(1.0, abs=1e-5)


def test_dynamic_circuits_and_unknown_gates_are_left_to_aer():
    from fakeqpu.execution.simulation import batched_trajectories as trajectories
    from fakeqpu.execution.simulation.trajectory_noise import ComponentNoise

    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.measure(0, 0)
    circuit.cx(0, 1)
    circuit.measure(1, 1)
    assert trajectories.compile_schedule(circuit, ComponentNoise({}, np.zeros((2, 2)))) is None
    opaque = QuantumCircuit(2, 2)
    opaque.append(Instruction("mystery", 2, 0, []), [0, 1])
    opaque.measure([0, 1], [0, 1])
    assert trajectories.compile_schedule(opaque, ComponentNoise({}, np.zeros((2, 2)))) is None
