"""IBM's Executor PEC example through the real client, and the executor's methods against an exact reference.

    .venv/bin/python benchmarks/bench_executor_ladder.py [--no-before] [--no-error]

One process, ibm_torino, `fakeqpu.mock_runtime(plan="premium")`:
1. The workload of IBM's "Executor examples" guide (PEC section), as a new user runs it: a 10-qubit
   mirror circuit of 2 × 10 layers, transpiled onto qubits 40-49 and boxed by samplomatic (one copy
   twirled, one with injected noise); NoiseLearnerV3 on its three unique boxes; then one `Executor`
   job of two samplex items of shape (900,) × 1000 shots: twirled, and PEC (the learned maps,
   `noise_scales` -1). Wall time of each step, the job's method reports (from its raw results), the
   twirled item's all-zero probability and the guide's ⟨Z⟩ estimates.
2. Before: the same items simulated the previous way, Aer's exact density matrix per randomization;
   timed on 2 randomizations and scaled to the job's 1800 (running them all takes hours).
3. Error against the exact reference: a 3-qubit mirror on ibm_torino's noisiest qubits (40-42), 48
   random randomizations × 200 shots; the total variation distance of each method's outcome
   distribution from Aer's exact density matrix, beside the noise's own effect (distance from ideal).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

warnings.filterwarnings("ignore")

SHAPE = 900
SHOTS = 1000
LINE = list(range(40, 50))


def mirror_circuit(num_qubits: int = 10, layers: int = 10) -> Any:
    from qiskit.circuit import Parameter, QuantumCircuit

    circuit = QuantumCircuit(num_qubits)
    for layer in range(layers):
        circuit.rx(Parameter(f"theta_{layer}"), range(num_qubits))
        for i in range(0, num_qubits - 1, 2):
            circuit.cz(i, i + 1)
        circuit.rx(Parameter(f"phi_{layer}"), range(num_qubits))
        for i in range(1, num_qubits - 1, 2):
            circuit.cz(i, i + 1)
    mirrored = circuit.compose(circuit.inverse())
    mirrored.measure_all()
    return mirrored


def boxed(backend: Any, circuit: Any, **boxing: Any) -> Any:
    from qiskit.transpiler import generate_preset_pass_manager
    from samplomatic.transpiler import generate_boxing_pass_manager

    manager = generate_preset_pass_manager(backend=backend, initial_layout=LINE, optimization_level=0)
    manager.post_scheduling = generate_boxing_pass_manager(enable_gates=True, enable_measures=True, **boxing)
    return manager.run(circuit)


def workload() -> tuple[Any, Any]:
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.executor import Executor
    from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3
    from qiskit_ibm_runtime.quantum_program import QuantumProgram
    from samplomatic import build
    from samplomatic.utils import find_unique_box_instructions

    import fakeqpu
    from tests.contract.helpers import RawApi

    with fakeqpu.mock_runtime(seed=3, plan="premium"):
        started = time.perf_counter()
        service = QiskitRuntimeService()
        backend = service.backend("ibm_torino")
        mirror = mirror_circuit()
        values = np.random.default_rng(1).random(mirror.num_parameters)
        twirled = boxed(backend, mirror)
        pec = boxed(
            backend, mirror, inject_noise_targets="gates", inject_noise_strategy="uniform_modification"
        )
        step = _lap("transpile and box", started)
        boxes = find_unique_box_instructions(pec.data)
        learner = NoiseLearnerV3(backend)
        learner.options.shots_per_randomization = 128
        learner.options.num_randomizations = 32
        learner.options.layer_pair_depths = [0, 1, 2, 4, 16, 32]
        maps = learner.run(boxes).result().to_dict(instructions=boxes, require_refs=False)
        step = _lap("NoiseLearnerV3 (3 boxes)", step)
        program = QuantumProgram(shots=SHOTS)
        template, samplex = build(twirled)
        program.append_samplex_item(
            template, samplex=samplex, samplex_arguments={"parameter_values": values}, shape=(SHAPE,)
        )
        pec_template, pec_samplex = build(pec)
        arguments = {
            "parameter_values": values,
            "pauli_lindblad_maps": maps,
            "noise_scales": dict.fromkeys(maps, -1.0),
        }
        program.append_samplex_item(
            pec_template, samplex=pec_samplex, samplex_arguments=arguments, shape=(SHAPE,)
        )
        step = _lap("build templates and samplexes", step)
        job = Executor(backend).run(program)
        result = job.result()
        step = _lap(f"Executor job, 2 items ({SHAPE},) x {SHOTS} shots", step)
        print(f"  whole workload through the real client: {time.perf_counter() - started:6.1f} s")
        twirl, mitigated = result[0], result[1]
        unflipped = twirl["meas"] ^ twirl["measurement_flips.meas"]
        all_zero = (~unflipped.any(axis=-1)).mean()
        print(f"  twirled item: P(all zeros) = {all_zero:.4f} ({all_zero * 2**10:.0f}x chance)")
        print(f"  twirled <Z_q>: {np.round(1 - 2 * unflipped.mean(axis=(0, 1)), 2)}")
        pec_unflipped = mitigated["meas"] ^ mitigated["measurement_flips.meas"]
        signs = np.prod((-1.0) ** mitigated["pauli_signs"], axis=-1).reshape(-1, 1)
        estimate = 1 - (2 * pec_unflipped.mean(axis=1) * signs).mean(axis=0)
        print(f"  PEC <Z_q> (the guide's estimate): {np.round(estimate, 2)}")
        body = RawApi(service).get(f"/jobs/{job.job_id()}/results").json()
        for report in body["metadata"]["fakeqpu"]["simulation"]:
            print(
                f"  {report['where']}: {report['method']} exact={report['exact']} "
                f"predicted {report['predicted_seconds']:.1f} s, took {report['seconds']:.1f} s, "
                f"{report['details']}"
            )
        return template, values


def before(template: Any) -> None:
    """Aer's exact density matrix per randomization, on 2 randomizations of the twirled template."""
    from fakeqpu.execution.simulation import plan
    from fakeqpu.execution.simulation.components import prepare_components, run_components

    bindings = np.random.default_rng(5).uniform(-np.pi, np.pi, (2, template.num_parameters))
    item = prepare_components(template, bindings, SHOTS, "ibm_torino")
    with plan.simulating(plan.SimulationPolicy(budget_seconds=1e9)) as reports:
        started = time.perf_counter()
        run_components(item, seed=1)
        seconds = time.perf_counter() - started
    (report,) = reports
    per = seconds / 2
    total = per * 2 * SHAPE / 60
    print(f"  before: {report.method} per randomization {per:.1f} s -> {2 * SHAPE} of them {total:.0f} min")


def error_table() -> None:
    from fakeqpu.execution.simulation.components import prepare_components
    from fakeqpu.execution.simulation.randomized import Choice
    from fakeqpu.execution.simulation.simulate import Experiment, sample
    from tests.execution.test_executor_trajectories import NOISY, _mirror_values, _template

    layers, sets, shots = 2, 48, 200
    circuit = _template(NOISY, layers, mirror=True)
    values = _mirror_values(np.random.default_rng(11), sets, len(NOISY), layers)
    ((component, wide),) = prepare_components(circuit, values, shots, "ibm_torino").wide

    def distribution(bits: np.ndarray) -> np.ndarray:
        outcomes = bits.astype(int) @ (1 << np.arange(bits.shape[-1]))
        return np.bincount(outcomes.ravel(), minlength=8) / outcomes.size

    started = time.perf_counter()
    (exact,) = sample([Experiment(component.circuit, wide.values, wide.aer_simulator(), "bench", shots)], 5)
    exact_seconds = time.perf_counter() - started
    (again,) = sample([Experiment(component.circuit, wide.values, wide.aer_simulator(), "bench", shots)], 6)
    reference = distribution(exact)
    print(f"  exact reference (density_matrix, {sets} x {shots}): {exact_seconds:.2f} s")
    print(f"  noise effect, distance(ideal, exact): {0.5 * np.abs(np.eye(8)[0] - reference).sum():.3f}")
    floor = 0.5 * np.abs(distribution(again) - reference).sum()
    print(f"  density_matrix, another seed: TVD {floor:.3f} (the sampling floor)")
    for count in (shots, 16, 1):
        started = time.perf_counter()
        bits = wide.run_trajectories(Choice("pauli_trajectories", False, 0.0, count), seed=5)
        seconds = time.perf_counter() - started
        distance = 0.5 * np.abs(distribution(bits) - reference).sum()
        z_error = np.abs((1 - 2 * bits.mean(axis=(0, 1))) - (1 - 2 * exact.mean(axis=(0, 1)))).max()
        print(
            f"  pauli_trajectories K={count:3d}: TVD {distance:.3f}, max |d<Z>| {z_error:.3f}, {seconds:.2f}s"
        )


def _lap(name: str, since: float) -> float:
    now = time.perf_counter()
    print(f"  {name:45s} {now - since:6.1f} s")
    return now


if __name__ == "__main__":
    template, _ = workload()
    if "--no-before" not in sys.argv:
        before(template)
    if "--no-error" not in sys.argv:
        error_table()
