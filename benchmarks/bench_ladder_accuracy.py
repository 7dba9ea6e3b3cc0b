"""The sampling ladder's accuracy: each method's counts against an exact reference, in one process.

    .venv/bin/python benchmarks/bench_ladder_accuracy.py

For circuits transpiled for ibm_torino, each forced onto one rung of the ladder (the exact rungs
withdrawn and a tiny `simulation_budget`, the statevector rung switched off to reach the MPS rungs
at a checkable width), it prints the total variation distance (TVD) between the sampled counts and the exact
distribution of the noise model that rung samples (Aer's density matrix, readout applied
exactly), beside the TVD that sampling the exact distribution with the same shots gives (the floor
no method can beat), the method's report, and predicted vs measured seconds. docs/fidelity.md
quotes these numbers.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BACKEND = "ibm_torino"
SHOTS = 8000


def main() -> None:
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    from fakeqpu.backend_data import get_backend_data
    from fakeqpu.execution.simulation import ladder, noise

    backend = get_backend_data(BACKEND).fake_backend()
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)

    def entangling(size: int, seed: int) -> QuantumCircuit:
        rng = np.random.default_rng(seed)
        circuit = QuantumCircuit(size)
        for layer in range(3):
            for qubit in range(size):
                circuit.ry(float(rng.uniform(0, math.pi)), qubit)
            for qubit in range(layer % 2, size - 1, 2):
                circuit.cx(qubit, qubit + 1)
        circuit.measure_all()
        return circuit

    def ghz(size: int) -> QuantumCircuit:
        circuit = QuantumCircuit(size)
        circuit.h(0)
        for qubit in range(size - 1):
            circuit.cx(qubit, qubit + 1)
        circuit.measure_all()
        return circuit

    print(f"{'case':46} {'method':26} {'TVD':>7} {'floor':>7} {'pred s':>8} {'meas s':>8}  details")
    cases: list[tuple[str, Any, float, bool, str]] = [
        ("4-qubit entangling, default budget", entangling(4, 1), 10.0, False, "device"),
        ("8-qubit entangling, default budget", entangling(8, 2), 10.0, False, "device"),
        ("4-qubit entangling, budget 1e-4 s", entangling(4, 1), 1e-4, False, "twirled"),
        ("8-qubit entangling, budget 1e-4 s", entangling(8, 2), 1e-4, False, "twirled"),
        ("8-qubit GHZ (Clifford), budget 1e-4 s", ghz(8), 1e-4, False, "twirled"),
        ("6-qubit entangling, MPS rung, budget 1e-4 s", entangling(6, 3), 1e-4, True, "twirled"),
        ("8-qubit entangling, MPS rung, budget 1e-4 s", entangling(8, 2), 1e-4, True, "twirled"),
        ("8-qubit entangling, MPS rung, budget 1 s", entangling(8, 2), 1.0, True, "twirled"),
    ]
    for name, circuit, budget, force_mps, model in cases:
        isa = manager.run(circuit)
        saved = ladder.STATEVECTOR_MAX_QUBITS, ladder._exact_candidates
        if model == "twirled":  # an approximate rung: no exact one offered
            ladder._exact_candidates = lambda *args: []
        if force_mps:
            ladder.STATEVECTOR_MAX_QUBITS = 0
        try:
            _sample(isa, budget)  # warm: the noise model, Aer
            counts, report, seconds = _sample(isa, budget)
        finally:
            ladder.STATEVECTOR_MAX_QUBITS, ladder._exact_candidates = saved
        reference = _reference(isa, model, noise)
        floor = _floor(reference, SHOTS)
        details = {k: v for k, v in report["details"].items() if k != "noise"}
        print(
            f"{name:46} {report['method']:26} {_tvd(counts, reference):7.4f} {floor:7.4f} "
            f"{report['predicted_seconds']:8.3f} {seconds:8.3f}  {details}",
            flush=True,
        )
    _product_state(manager)


def _sample(isa: Any, budget: float) -> tuple[dict[str, int], dict[str, Any], float]:
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    from fakeqpu.execution.simulation import plan
    from fakeqpu.execution.simulation.sampler import run_sampler

    with plan.simulating(plan.SimulationPolicy(budget_seconds=budget)) as reports:
        started = time.perf_counter()
        data = run_sampler([SamplerPub.coerce(isa, SHOTS)], BACKEND, 11)
        seconds = time.perf_counter() - started
    return data[0].registers["meas"].get_counts(), reports[0].as_json(), seconds


def _reference(isa: Any, model_kind: str, noise: Any) -> dict[str, float]:
    """Exact outcome probabilities: Aer's density matrix of the compact circuit under the device
    model (`model_kind` "device") or its Pauli twirl ("twirled"), then each qubit's readout matrix."""
    from qiskit.quantum_info import DensityMatrix
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel
    from qiskit_aer.noise.device import basic_device_readout_errors

    from fakeqpu.execution.simulation.cutting import cut, physical_operations

    circuit, qubits = cut(isa)
    target = noise.compact_target(noise.backend_target(BACKEND), qubits, physical_operations(circuit, qubits))
    if model_kind == "device":
        model = NoiseModel.from_backend(noise._CompactBackend(target))
    else:
        model = noise._pauli_twirled_model(target)
    # readout errors are applied below: strip them from the model
    model._local_readout_errors = {}
    model._default_readout_error = None
    unmeasured = circuit.copy()
    unmeasured.remove_final_measurements()
    unmeasured.save_density_matrix()
    rho = AerSimulator(noise_model=model, method="density_matrix").run(unmeasured).result().data()
    probabilities = DensityMatrix(rho["density_matrix"]).probabilities()
    n = circuit.num_qubits
    readout = {q: np.asarray(e.probabilities) for (q,), e in basic_device_readout_errors(target=target)}
    tensor = probabilities.reshape([2] * n)  # axis k is qubit n-1-k
    for q in range(n):
        matrix = readout.get(q, np.eye(2))
        tensor = np.moveaxis(np.tensordot(matrix.T, np.moveaxis(tensor, n - 1 - q, 0), axes=1), 0, n - 1 - q)
    flat = tensor.reshape(-1)
    return {format(i, f"0{n}b"): float(p) for i, p in enumerate(flat) if p > 1e-12}


def _floor(reference: dict[str, float], shots: int) -> float:
    rng = np.random.default_rng(5)
    keys = list(reference)
    probabilities = np.array([reference[k] for k in keys])
    draws = rng.multinomial(shots, probabilities / probabilities.sum(), size=20)
    return float(np.mean([_tvd(dict(zip(keys, map(int, row), strict=True)), reference) for row in draws]))


def _tvd(counts: dict[str, int], reference: dict[str, float]) -> float:
    shots = sum(counts.values())
    keys = set(counts) | set(reference)
    return 0.5 * sum(abs(counts.get(k, 0) / shots - reference.get(k, 0.0)) for k in keys)


def _product_state(manager: Any) -> None:
    from qiskit import QuantumCircuit
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    from fakeqpu.execution.simulation import noise, plan
    from fakeqpu.execution.simulation.sampler import run_sampler

    size = 60
    angles = np.linspace(0.3, 2.8, size)
    circuit = QuantumCircuit(size)
    for qubit, angle in enumerate(angles):
        circuit.ry(float(angle), qubit)
    circuit.measure_all()
    isa = manager.run(circuit)
    run_sampler([SamplerPub.coerce(isa, SHOTS)], BACKEND, 4)  # warm
    from fakeqpu.execution.simulation import ladder

    saved = ladder._exact_candidates
    ladder._exact_candidates = lambda *args: []
    try:
        with plan.simulating(plan.SimulationPolicy(budget_seconds=1e-4)) as reports:
            started = time.perf_counter()
            data = run_sampler([SamplerPub.coerce(isa, SHOTS)], BACKEND, 5)
            seconds = time.perf_counter() - started
    finally:
        ladder._exact_candidates = saved
    bits = data[0].registers["meas"].to_bool_array(order="little")
    physical = isa.layout.final_index_layout()
    flip = np.array([noise.readout_error(BACKEND, physical[q]) for q in range(size)])
    ideal = np.sin(angles / 2) ** 2
    expected = ideal * (1 - flip) + (1 - ideal) * flip
    error = np.abs(bits.mean(axis=0) - expected)
    report = reports[0].as_json()
    print(
        f"{'60-qubit product state vs closed form':46} {report['method']:26} "
        f"max |ΔP(1)| {error.max():.4f} (sampling σ ≤ {0.5 / math.sqrt(SHOTS):.4f}, gate errors not in "
        f"the closed form) pred {report['predicted_seconds']:.3f} s meas {seconds:.3f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
