"""The Estimator's method ladder: light cones and Pauli propagation, each against an independent reference."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import efficient_su2
from qiskit.quantum_info import Clifford, Pauli, SparsePauliOp, Statevector
from qiskit_aer import AerSimulator
from qiskit_ibm_runtime import RuntimeDecoder

from fakeqpu import execution
from fakeqpu.execution.errors import SYSTEM_LIMITS, ExecutionError
from fakeqpu.execution.simulation import noise, plan
from fakeqpu.execution.simulation import pauli_propagation as pp
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.light_cone import light_cone
from tests.estimator_circuits import BACKEND, edge_layers, kicked_ising, shallow, shallow_reference, z_label

from .conftest import START, STOP


def _run(
    params: dict[str, Any], budget: float, mode: str = plan.AUTO, seed: int = 7
) -> tuple[Any, list[Any]]:
    prepared = execution.prepare("estimator", params, BACKEND)
    policy = plan.SimulationPolicy(budget_seconds=budget, mode=mode)
    text, reports = execution.run_reported(prepared, seed=seed, start=START, stop=STOP, policy=policy)
    return json.loads(text, cls=RuntimeDecoder), [plan.MethodReport(**report) for report in reports]


@pytest.fixture(scope="module")
def small_isa(transpile: Any) -> QuantumCircuit:
    circuit = efficient_su2(5, reps=2, entanglement="linear")
    values = np.random.default_rng(1).uniform(0, 2 * math.pi, circuit.num_parameters)
    return transpile(circuit.assign_parameters(values), [92, 99, 100, 101, 102])


LABELS = ["ZIIII", "IIIZZ", "IIXYZ", "XXXXX", "IYIXI"]


def _twirled_density_matrix(compact: QuantumCircuit, qubits: tuple[int, ...]) -> Any:
    """Aer's density matrix under the same Pauli-twirled device errors the wide models use."""
    target = noise.compact_target(noise.backend_target(BACKEND), qubits, physical_operations(compact, qubits))
    saved = compact.copy()
    saved.save_density_matrix()
    simulator = AerSimulator(method="density_matrix", noise_model=noise._pauli_twirled_model(target))
    return simulator.run(saved).result().data()["density_matrix"]


def test_pauli_propagation_equals_the_statevector_without_noise(small_isa):
    compact, qubits = cut(small_isa)
    program = pp.compile_circuit(compact, qubits, None)
    state = Statevector(compact)

    for label in LABELS:
        got = pp.propagate(program, Pauli(label), max_terms=100_000, atol=0.0)
        assert got.value == pytest.approx(state.expectation_value(Pauli(label)).real, abs=1e-9)
        assert got.truncated_one_norm == 0.0


def test_pauli_propagation_equals_the_noisy_density_matrix(small_isa):
    compact, qubits = cut(small_isa)
    program = pp.compile_circuit(compact, qubits, BACKEND)
    rho = _twirled_density_matrix(compact, qubits)
    ideal = Statevector(compact)

    for label in LABELS:
        got = pp.propagate(program, Pauli(label), max_terms=100_000, atol=0.0).value
        assert got == pytest.approx(rho.expectation_value(Pauli(label)).real, abs=1e-9)
    # and the noise is there: the weight-5 term is damped
    assert abs(pp.propagate(program, Pauli("XXXXX"), 100_000).value) < abs(
        ideal.expectation_value(Pauli("XXXXX")).real
    )


def test_propagating_through_a_light_cone_selection_changes_nothing(small_isa):
    from fakeqpu.execution.simulation.light_cone import cone_positions, operations_of

    compact, qubits = cut(small_isa)
    program = pp.compile_circuit(compact, qubits, BACKEND)
    ops = operations_of(compact)

    for qubit in range(compact.num_qubits):
        label = "I" * (compact.num_qubits - 1 - qubit) + "Z" + "I" * qubit
        kept, _ = cone_positions(ops, [qubit])
        whole = pp.propagate(program, Pauli(label), 100_000, atol=0.0).value
        selected = pp.propagate(program, Pauli(label), 100_000, atol=0.0, positions=kept).value
        assert selected == pytest.approx(whole, abs=1e-12)
    assert len(cone_positions(ops, [0])[0]) < len(ops)


def test_every_native_gate_is_its_rotations():
    from qiskit.circuit.library import PauliEvolutionGate, get_standard_gate_name_mapping
    from qiskit.quantum_info import Operator

    gates = get_standard_gate_name_mapping()
    for name in ("sx", "x", "rz", "cz", "ecr", "cx", "rzz", "rx", "h", "u"):
        gate = gates[name]
        if gate.params:
            gate = type(gate)(*np.linspace(0.3, 0.9, len(gate.params)))
        rebuilt = QuantumCircuit(gate.num_qubits)
        for label, qubits, theta in pp.rotations(
            name, [float(p) for p in gate.params], tuple(range(gate.num_qubits))
        ):
            rebuilt.append(PauliEvolutionGate(SparsePauliOp(label), theta / 2), list(qubits))
        assert Operator(gate).equiv(Operator(rebuilt)), name


def test_a_light_cone_keeps_the_expectation_value(small_isa):
    compact, _ = cut(small_isa)
    full = Statevector(compact)

    for qubit in range(compact.num_qubits):
        reduced, kept = light_cone(compact, [qubit])
        local = kept.index(qubit)
        got = Statevector(reduced).expectation_value(
            Pauli(("I" * (len(kept) - 1 - local)) + "Z" + "I" * local)
        )
        expected = full.expectation_value(Pauli("I" * (compact.num_qubits - 1 - qubit) + "Z" + "I" * qubit))
        assert got.real == pytest.approx(expected.real, abs=1e-9)


def test_light_cone_of_a_late_gate_only():
    circuit = QuantumCircuit(4)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(2, 3)
    circuit.x(3)

    reduced, kept = light_cone(circuit, [1])

    assert kept == (0, 1)
    assert [instruction.operation.name for instruction in reduced.data] == ["h", "cx"]


def test_local_observables_of_a_wide_shallow_circuit_take_their_light_cones(estimator_params):
    num_qubits = 64
    angles = list(np.random.default_rng(5).uniform(0.3, 2.8, num_qubits))
    circuit = shallow(num_qubits, angles)
    terms = [({10: "Z"}, [10], "Z"), ({40: "X"}, [40], "X"), ({28: "Z", 29: "Z"}, [28, 29], "ZZ")]
    observables = [SparsePauliOp(z_label(letters)) for letters, _, _ in terms]

    result, reports = _run(estimator_params((circuit, observables), precision=0.02), budget=2.0)

    (report,) = reports
    assert report.method == "light_cone" and report.exact
    assert report.details["light_cone_qubits"] <= 10
    expected = [shallow_reference(num_qubits, angles, qubits, label) for _, qubits, label in terms]
    # the device's noise and 2500 shots: a few percent (couplers chosen away from the snapshot's broken ones)
    np.testing.assert_allclose(result[0].data.evs, expected, atol=0.1)


def _kicked_ising_clifford(num_qubits: int, steps: int) -> Clifford:
    """The kicked-Ising circuit at θ = π/2 as qiskit's stabilizer tableau (RX(π/2) = SX and
    RZZ(-π/2) = CZ · S† ⊗ S†, up to phases)."""
    circuit = QuantumCircuit(num_qubits)
    for _ in range(steps):
        circuit.sx(range(num_qubits))
        for layer in edge_layers(num_qubits):
            for a, b in layer:
                circuit.cz(a, b)
                circuit.sdg(a)
                circuit.sdg(b)
    return Clifford(circuit)


def _expectation_in_zero_state(evolved: Pauli) -> float:
    """⟨0…0| P |0…0⟩ of a Heisenberg-evolved Pauli: its sign when it is made of I and Z, else 0."""
    if evolved.x.any():
        return 0.0
    return -1.0 if evolved.phase == 2 else 1.0


def test_clifford_kicked_ising_on_127_qubits_is_exact_without_noise():
    steps = 20
    clifford = _kicked_ising_clifford(127, steps)
    # U Z_q U† is a wide Pauli whose expectation value is exactly ±1; a single Z_q's is 0
    observables = [Pauli(z_label({q: "Z"}, 127)).evolve(clifford, frame="s") for q in (0, 62, 126)]
    signs = [-1.0 if p.phase == 2 else 1.0 for p in observables]
    observables = [Pauli((p.z, p.x)) for p in observables] + [Pauli(z_label({62: "Z"}, 127))]
    compact, qubits = cut(kicked_ising(127, steps, math.pi / 2, width=127))
    program = pp.compile_circuit(compact, qubits, None)

    for observable, expected in zip(observables, [*signs, None], strict=True):
        got = pp.propagate(program, observable, max_terms=64)
        reference = _expectation_in_zero_state(observable.evolve(clifford, frame="h"))
        assert got.value == pytest.approx(reference, abs=1e-9)
        if expected is not None:
            assert reference == expected and sum(observable.x | observable.z) > 3
        assert got.truncated_one_norm < 1e-9 and got.terms == 1


def test_clifford_kicked_ising_propagated_with_noise_agrees_with_aer(estimator_params):
    circuit = kicked_ising(27, 2, math.pi / 2)
    observables = [SparsePauliOp(z_label({q: "Z"})) for q in (0, 13, 26)]
    params = estimator_params((circuit, observables), precision=0.1)

    propagated, propagated_reports = _run(params, budget=0.01)
    sampled, sampled_reports = _run(params, budget=1000.0)

    assert propagated_reports[0].method == "pauli_propagation" and propagated_reports[0].exact
    assert sampled_reports[0].method == "stabilizer"
    # Aer samples the same Pauli-twirled errors shot by shot: the two agree within shot noise
    difference = propagated[0].data.evs - sampled[0].data.evs
    spread = np.hypot(propagated[0].data.stds, sampled[0].data.stds)
    assert np.all(np.abs(difference) <= 5 * spread + 1e-9)


def test_exact_mode_fails_when_only_propagation_fits(estimator_params):
    circuit = kicked_ising(127, 4, 0.3)
    params = estimator_params((circuit, [SparsePauliOp(z_label({62: "Z"}))]), precision=0.05)

    with pytest.raises(ExecutionError) as raised:
        _run(params, budget=0.5, mode=plan.EXACT)

    assert raised.value.code == SYSTEM_LIMITS
    assert "pauli_propagation" in str(raised.value)


def test_propagated_values_are_plausible_and_deterministic(estimator_params):
    circuit = kicked_ising(127, 2, 0.3)
    observables = [SparsePauliOp(z_label({q: "Z"})) for q in (10, 62)] + [
        SparsePauliOp([z_label({62: "Z"}), z_label({62: "X", 63: "X"})], [0.5, 0.5])
    ]
    params = estimator_params((circuit, observables), precision=0.05)

    first, reports = _run(params, budget=0.2, seed=3)
    again, _ = _run(params, budget=0.2, seed=3)
    other, _ = _run(params, budget=0.2, seed=4)

    (report,) = reports
    assert report.method == "pauli_propagation" and report.where == "pub 0"
    assert report.details["terms_propagated"] >= 1
    assert report.details["max_pauli_terms"] >= report.details["pauli_terms_kept"] > 0
    evs, stds = first[0].data.evs, first[0].data.stds
    assert evs.shape == stds.shape == (3,)
    assert np.all(np.abs(evs) <= 1) and np.all(stds > 0) and np.all(stds < 0.1)
    np.testing.assert_array_equal(evs, again[0].data.evs)
    assert not np.array_equal(evs, other[0].data.evs)
    assert first.metadata["resilience"] == again.metadata["resilience"]


def test_a_narrow_pub_keeps_the_measured_path(estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp("ZZ").apply_layout(good_bell_unmeasured.layout)

    _, reports = _run(estimator_params((good_bell_unmeasured, observable), precision=0.02), budget=10.0)

    (report,) = reports
    assert (report.method, report.exact, report.qubits) == ("density_matrix", True, 2)


def test_each_pub_reports_its_own_method(estimator_params, good_bell_unmeasured):
    narrow = (good_bell_unmeasured, SparsePauliOp("ZZ").apply_layout(good_bell_unmeasured.layout))
    wide = (kicked_ising(127, 2, 0.3), [SparsePauliOp(z_label({62: "Z"}))])

    result, reports = _run(estimator_params(narrow, wide, precision=0.05), budget=1.0)

    assert [(r.where, r.method) for r in reports] == [
        ("pub 0", "density_matrix"),
        ("pub 1", "pauli_propagation"),
    ]
    assert reports[1].details["light_cone_qubits"] > 10 and reports[1].predicted_seconds <= 1.0
    assert 0.8 < float(result[0].data.evs) <= 1.1 and abs(float(result[1].data.evs[0])) <= 1


def test_a_parameterised_circuit_is_compiled_once_and_bound_per_set(estimator_params):
    from qiskit.circuit import Parameter

    theta = Parameter("θ")
    symbolic = kicked_ising(20, 2, theta)  # rz(θ + π): an expression, bound per set
    compact, qubits = cut(symbolic)
    unbound = pp.compile_circuit(compact, qubits, BACKEND)
    observable = Pauli(z_label({7: "Z"}, compact.num_qubits))

    for value in (0.2, 1.1):
        bound = pp.compile_circuit(compact.assign_parameters([value]), qubits, BACKEND)
        expected = pp.propagate(bound, observable, 100_000, atol=0.0).value
        got = pp.propagate(unbound.bound({theta: value}), observable, 100_000, atol=0.0).value
        assert got == pytest.approx(expected, abs=1e-12)

    values = np.array([[0.2], [1.1]])
    result, reports = _run(
        estimator_params((symbolic, [SparsePauliOp(z_label({7: "Z"}))], values), precision=0.05), 0.2
    )
    assert reports[0].method == "pauli_propagation" and result[0].data.evs.shape == (2,)
    assert result[0].data.evs[0] > result[0].data.evs[1]  # a stronger kick turns the spin further


def test_a_circuit_with_measurements_keeps_the_devices_own_way(estimator_params, bell_isa):
    observable = SparsePauliOp("ZZ").apply_layout(bell_isa.layout)

    result, reports = _run(estimator_params((bell_isa, observable), precision=0.05), budget=1e-6)

    assert reports[0].method == "density_matrix" and reports[0].exact
    assert 0.8 < float(result[0].data.evs) <= 1.1
