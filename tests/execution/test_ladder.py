"""The sampling ladder: which method each width and budget gets, and each approximate method checked
against an independent reference (an exact density matrix, a closed form)."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.quantum_info import DensityMatrix, Statevector
from qiskit_aer import AerSimulator
from qiskit_aer.noise.device import basic_device_readout_errors

from fakeqpu.execution import ExecutionError
from fakeqpu.execution.errors import SYSTEM_LIMITS
from fakeqpu.execution.simulation import ladder, noise, plan, progress
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.sampler import run_sampler

BACKEND = "ibm_torino"


def stats(
    qubits: int, *, operations: int = 100, clifford: bool = False, bond_log2: int = 3
) -> ladder.CircuitStats:
    return ladder.CircuitStats(
        qubits=qubits,
        operations=operations,
        two_qubit=operations // 4,
        clifford=clifford,
        dynamic=False,
        bond_log2=bond_log2,
        swap_weight=operations // 4,
    )


def test_narrow_circuits_get_the_exact_density_matrix():
    choice, exact = ladder.choose(stats(2, operations=10), 1000, 1, 10.0, exact_only=False)
    assert (choice.method, choice.exact, choice.trajectories) == ("density_matrix", True, None)
    assert exact is choice and choice.predicted_seconds < 0.05


def test_wide_entangled_sampling_gets_bounded_mps_trajectories_within_budget():
    wide = stats(127, operations=6500, bond_log2=29)
    choice, exact = ladder.choose(wide, 4096, 1, 10.0, exact_only=False)
    assert choice.method == "mps_trajectories" and not choice.exact
    assert (
        choice.max_bond_dimension is not None and 2 <= choice.max_bond_dimension <= ladder.MAX_BOND_DIMENSION
    )
    assert ladder.MIN_TRAJECTORIES <= (choice.trajectories or 0) <= 4096
    assert choice.predicted_seconds <= 10.0 * 1.01
    assert exact is None  # no exact method at all: 2^29 bond dimension, 127 qubits


def test_a_huge_sweep_of_a_small_circuit_stays_exact_as_nothing_would_be_cheaper():
    choice, _ = ladder.choose(stats(2, operations=10), 1000, 100_000, 1.0, exact_only=False)
    assert choice.exact and choice.predicted_seconds > 1.0


def test_an_unlimited_budget_still_gives_a_finite_plan():
    choice, _ = ladder.choose(stats(127, operations=6500, bond_log2=29), 4096, 1, math.inf, exact_only=False)
    assert choice.method == "mps_trajectories" and math.isfinite(choice.predicted_seconds)
    assert choice.max_bond_dimension == ladder.MAX_BOND_DIMENSION


def test_a_bigger_budget_buys_a_bigger_bond_dimension_or_more_trajectories():
    wide = stats(127, operations=6500, bond_log2=29)
    small, _ = ladder.choose(wide, 4096, 1, 2.0, exact_only=False)
    large, _ = ladder.choose(wide, 4096, 1, 200.0, exact_only=False)
    assert (large.max_bond_dimension or 0, large.trajectories or 0) > (
        small.max_bond_dimension or 0,
        small.trajectories or 0,
    )


def test_wide_clifford_circuits_take_the_stabilizer_rungs():
    ghz = stats(100, operations=300, clifford=True, bond_log2=1)
    per_shot, _ = ladder.choose(ghz, 100, 1, 10.0, exact_only=False)
    assert (per_shot.method, per_shot.exact) == ("stabilizer", True)
    squeezed, _ = ladder.choose(
        stats(127, operations=20000, clifford=True, bond_log2=30), 100_000, 1, 1.0, False
    )
    assert squeezed.method == "stabilizer_trajectories" and squeezed.trajectories is not None


def test_mid_width_circuits_fall_back_to_statevector_trajectories_past_the_budget():
    choice, exact = ladder.choose(stats(18, operations=2000, bond_log2=9), 4096, 1, 1.0, exact_only=False)
    assert choice.method == "statevector_trajectories"
    assert exact is not None and exact.predicted_seconds > 1.0


# -- sampling against references -----------------------------------------------------------------


def _run(isa: QuantumCircuit, shots: int, budget: float, seed: int = 3) -> tuple[dict[str, int], list[dict]]:
    with plan.simulating(plan.SimulationPolicy(budget_seconds=budget)) as reports:
        data = run_sampler([SamplerPub.coerce(isa, shots)], BACKEND, seed)
    register = next(iter(data[0].registers.values()))
    return register.get_counts(), [entry.as_json() for entry in reports]


def _twirled_reference(isa: QuantumCircuit) -> dict[str, float]:
    """The exact distribution of the Pauli-twirled noise model the trajectories sample: Aer's
    density matrix of the compact circuit under that model (not the code under test)."""
    circuit, qubits = cut(isa)
    target = noise.compact_target(noise.backend_target(BACKEND), qubits, physical_operations(circuit, qubits))
    model = noise._pauli_twirled_model(target)
    measured = circuit.copy()
    measured.remove_final_measurements()
    measured.save_density_matrix()
    rho = (
        AerSimulator(noise_model=model, method="density_matrix")
        .run(measured)
        .result()
        .data()["density_matrix"]
    )
    probabilities = DensityMatrix(rho).probabilities_dict()
    # readout error, qubit by qubit
    readout = {q: e.probabilities for (q,), e in basic_device_readout_errors(target=target)}
    out: dict[str, float] = {}
    n = circuit.num_qubits
    for bits, p in probabilities.items():
        for flips in range(2**n):
            weight = p
            word = []
            for q in range(n):
                ideal = int(bits[n - 1 - q])
                read = (flips >> q) & 1
                weight *= readout[q][ideal][read] if q in readout else float(ideal == read)
                word.append(str(read))
            key = "".join(reversed(word))
            out[key] = out.get(key, 0.0) + weight
    return out


def _tvd(counts: dict[str, int], reference: dict[str, float]) -> float:
    shots = sum(counts.values())
    keys = set(counts) | set(reference)
    return 0.5 * sum(abs(counts.get(k, 0) / shots - reference.get(k, 0.0)) for k in keys)


def _entangling(size: int, seed: int) -> QuantumCircuit:
    rng = np.random.default_rng(seed)
    circuit = QuantumCircuit(size)
    for layer in range(3):
        for qubit in range(size):
            circuit.ry(float(rng.uniform(0, math.pi)), qubit)
        for qubit in range(layer % 2, size - 1, 2):
            circuit.cx(qubit, qubit + 1)
    circuit.measure_all()
    return circuit


@pytest.fixture
def no_exact_rung(monkeypatch):
    """Force the approximate rungs on circuits small enough to check exactly."""
    monkeypatch.setattr(ladder, "_exact_candidates", lambda *args: [])


def test_statevector_trajectories_sample_the_exact_twirled_density_matrix(transpile, no_exact_rung):
    isa = transpile(_entangling(4, seed=1))
    counts, reports = _run(isa, 8000, budget=1e-4)
    assert reports[0]["method"] == "statevector_trajectories" and reports[0]["exact"] is False
    assert reports[0]["details"]["trajectories"] >= ladder.MIN_TRAJECTORIES
    # 16 outcomes, 8000 shots: sampling alone gives a TVD of ~0.02
    assert _tvd(counts, _twirled_reference(isa)) < 0.05


def test_truncated_mps_trajectories_stay_within_their_reported_truncation(
    transpile, monkeypatch, no_exact_rung
):
    monkeypatch.setattr(ladder, "STATEVECTOR_MAX_QUBITS", 0)  # force the MPS rung on a checkable width
    isa = transpile(_entangling(6, seed=2))
    counts, reports = _run(isa, 8000, budget=1e-4)
    (entry,) = reports
    assert entry["method"] == "mps_trajectories" and entry["details"]["bond_dimension"] == 2
    error = float(entry["details"]["truncation_error"])
    assert 0.0 < error < 1.0
    # Trace distance ≤ sqrt(1 - F) for the truncated pure trajectory states; plus sampling (~0.03).
    assert _tvd(counts, _twirled_reference(isa)) < math.sqrt(error) + 0.05


def test_a_wide_product_state_on_mps_trajectories_matches_its_closed_form(transpile, no_exact_rung):
    size = 30
    angles = np.linspace(0.3, 2.8, size)
    circuit = QuantumCircuit(size)
    for qubit, angle in enumerate(angles):
        circuit.ry(float(angle), qubit)
    circuit.measure_all()
    isa = transpile(circuit)
    with plan.simulating(plan.SimulationPolicy(budget_seconds=1e-4)) as reports:
        data = run_sampler([SamplerPub.coerce(isa, 4000)], BACKEND, 5)
    assert reports[0].method == "mps_trajectories" and "bond_dimension" not in reports[0].details
    bits = data[0].registers["meas"].to_bool_array(order="little")
    ideal = np.sin(angles / 2) ** 2
    physical = isa.layout.final_index_layout()
    flip = np.array([noise.readout_error(BACKEND, physical[q]) for q in range(size)])
    expected = ideal * (1 - flip) + (1 - ideal) * flip  # gate errors move it by a percent or so
    assert np.abs(bits.mean(axis=0) - expected).max() < 0.04


def test_exact_only_policy_fails_a_job_that_needs_an_approximation(transpile):
    isa = transpile(_entangling(10, seed=1))  # a 10-qubit density matrix: seconds
    exact_only = plan.SimulationPolicy(budget_seconds=0.01, mode=plan.EXACT)
    with plan.simulating(exact_only), pytest.raises(ExecutionError) as failure:
        run_sampler([SamplerPub.coerce(isa, 4000)], BACKEND, 1)
    assert failure.value.code == SYSTEM_LIMITS
    assert "statevector_trajectories" in failure.value.message and "pub 0" in failure.value.message


def test_a_long_plan_is_logged_once_and_listed_while_it_runs(transpile, caplog, monkeypatch):
    monkeypatch.setattr(progress, "LOG_ABOVE_SECONDS", 0.0)
    seen: list[list[dict]] = []
    real_tracking = progress.tracking

    def spying(experiments, choices):
        context = real_tracking(experiments, choices)

        class Spy:
            def __enter__(self):
                tracker = context.__enter__()
                seen.append(plan.running())
                return tracker

            def __exit__(self, *exc):
                return context.__exit__(*exc)

        return Spy()

    monkeypatch.setattr(progress, "tracking", spying)
    from fakeqpu.execution.simulation import simulate

    monkeypatch.setattr(simulate.progress, "tracking", spying)
    isa = transpile(_entangling(3, seed=4))
    policy = plan.SimulationPolicy(job_id="job-under-test")
    with caplog.at_level(logging.INFO, logger="fakeqpu.simulation"), plan.simulating(policy):
        run_sampler([SamplerPub.coerce(isa, 100)], BACKEND, 1)
    lines = [r.getMessage() for r in caplog.records if r.name == "fakeqpu.simulation"]
    assert len(lines) == 1 and "job-under-test" in lines[0] and "predicted" in lines[0]
    assert seen and seen[0][0]["job"] == "job-under-test" and seen[0][0]["where"] == "pub 0"
    assert plan.running() == []


def test_noiseless_reference_sanity():
    """The helpers above read bit strings as Qiskit does (qubit 0 rightmost)."""
    circuit = QuantumCircuit(2)
    circuit.x(0)
    assert Statevector(circuit).probabilities_dict() == {"01": 1.0}


def test_a_small_pub_keeps_its_exact_method_beside_a_wide_one_that_is_approximated(transpile):
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    pubs = [
        SamplerPub.coerce(transpile(bell), 1000),
        SamplerPub.coerce(transpile(_entangling(30, seed=5)), 1000),
    ]
    with plan.simulating(plan.SimulationPolicy(budget_seconds=0.5)) as reports:
        run_sampler(pubs, BACKEND, 2)
    by_pub = {entry.where: entry for entry in reports}
    assert by_pub["pub 0"].exact is True
    assert by_pub["pub 1"].method == "mps_trajectories"
    assert sum(entry.predicted_seconds for entry in reports) <= 0.5 * 1.01
