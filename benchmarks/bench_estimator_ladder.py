"""The Estimator's method ladder: each method's error against an exact reference, and the wall time
of three utility-scale Estimator workloads through the real client.

    .venv/bin/python benchmarks/bench_estimator_ladder.py [--no-workloads] [--no-accuracy]

Accuracy (ibm_torino, seed 7, the default simulation budget):
- measurement: a 5-qubit efficient_su2 (2 reps), five Pauli terms at precision 0.01, against the
  exact noisy density matrix (Aer, `NoiseModel.from_backend`: the Kraus channels of every gate);
- light cone: a 64-qubit, depth-3 circuit (RX layers between two layers of CZs), three local terms
  at precision 0.01, against the exact noisy density matrix of a region that contains each cone
  (every qubit within two couplers), built independently of the light-cone code;
- Pauli propagation: the same 5-qubit circuit and a 10-qubit kicked-Ising circuit (5 steps, θ=0.3)
  forced onto propagation (budget 0.05 s), the propagated values themselves (no shot noise) against
  the exact noisy density matrix; a 127-qubit Clifford kicked-Ising (θ=π/2, 20 steps, no noise)
  against qiskit's stabilizer tableau; the 127-qubit kicked Ising at θ=0.3 (20 steps, with noise):
  the truncation the default budget allows against four times as many Pauli strings (a convergence
  check, there is no exact reference at that size).

Workloads (fakeqpu.mock_runtime, premium plan, default budget, one process, transpilation included):
- "Get started with Estimator": qaoa_ansatz of the ZZ cost operator on ibm_torino's couplers
  (133 qubits), reps 2, four parameter values, optimization level 1;
- "Primitives examples": iqp(random_hermitian(50)) with Z⊗50 and a three-term observable;
- the 127-qubit kicked-Ising Trotter circuit of IBM's 2023 utility experiment on ibm_sherbrooke
  (20 steps of RX(0.3) and RZZ(-π/2) on its heavy-hex couplers), ⟨Z_q⟩ for three qubits.
Prints a table; targets: each workload under 45 s on 2 shared cores.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

import _common  # noqa: F401  (silences the client's deprecation warnings)
import numpy as np

BACKEND = "ibm_torino"
SEED = 7


def _params(pubs: list[Any], **options: Any) -> dict[str, Any]:
    from dataclasses import asdict

    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder
    from qiskit_ibm_runtime.options import EstimatorOptions

    coerced = [EstimatorPub.coerce(pub, options.pop("precision", None)) for pub in pubs]
    estimator_options = EstimatorOptions(**options)
    inputs: dict[str, Any] = {"pubs": coerced}
    inputs.update(type(estimator_options)._get_program_inputs(asdict(estimator_options)))
    return dict(json.loads(json.dumps(inputs, cls=RuntimeEncoder), cls=RuntimeDecoder))


def _estimate(pubs: list[Any], budget: float | None = None, **options: Any) -> tuple[Any, list[Any]]:
    from datetime import UTC, datetime

    from qiskit_ibm_runtime import RuntimeDecoder

    from fakeqpu import execution
    from fakeqpu.execution.simulation import plan

    prepared = execution.prepare("estimator", _params(pubs, **options), BACKEND)
    policy = plan.SimulationPolicy() if budget is None else plan.SimulationPolicy(budget_seconds=budget)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with plan.simulating(policy) as reports:
        text = execution.run(prepared, seed=SEED, start=start, stop=start)
    return json.loads(text, cls=RuntimeDecoder), list(reports)


def _exact_noisy(circuit: Any, labels: list[str]) -> list[float]:
    """⟨P⟩ under the device's exact (Kraus) gate errors, by Aer's density matrix on the cut circuit."""
    from qiskit.quantum_info import Pauli
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    from fakeqpu.execution.simulation import noise
    from fakeqpu.execution.simulation.cutting import cut, physical_operations

    compact, qubits = cut(circuit)
    target = noise.compact_target(noise.backend_target(BACKEND), qubits, physical_operations(compact, qubits))
    model = NoiseModel.from_backend(noise._CompactBackend(target))
    saved = compact.copy()
    saved.save_density_matrix()
    rho = (
        AerSimulator(method="density_matrix", noise_model=model).run(saved).result().data()["density_matrix"]
    )
    position = {q: i for i, q in enumerate(qubits)}
    out = []
    for label in labels:  # full-width labels (qiskit order) -> the cut circuit's qubits
        letters = ["I"] * len(qubits)
        for q, letter in enumerate(reversed(label)):
            if letter != "I":
                letters[len(qubits) - 1 - position[q]] = letter
        out.append(float(rho.expectation_value(Pauli("".join(letters))).real))
    return out


def _su2() -> Any:
    from qiskit.circuit.library import efficient_su2
    from qiskit.transpiler import generate_preset_pass_manager

    from fakeqpu.backend_data import get_backend_data

    circuit = efficient_su2(5, reps=2, entanglement="linear")
    values = np.random.default_rng(1).uniform(0, 2 * math.pi, circuit.num_parameters)
    manager = generate_preset_pass_manager(
        backend=get_backend_data(BACKEND).fake_backend(),
        optimization_level=1,
        initial_layout=[92, 99, 100, 101, 102],
        seed_transpiler=1,
    )
    return manager.run(circuit.assign_parameters(values))


def _labels(letters: list[dict[int, str]], width: int = 133) -> list[str]:
    from tests.estimator_circuits import z_label

    return [z_label(term, width) for term in letters]


def accuracy() -> list[tuple[str, str, str]]:
    from qiskit.quantum_info import Clifford, Pauli, SparsePauliOp

    from fakeqpu.execution.simulation import pauli_propagation as pp
    from fakeqpu.execution.simulation.cutting import cut
    from tests.estimator_circuits import edge_layers, kicked_ising, shallow

    rows = []
    su2 = _su2()
    su2_terms = [
        {92: "Z"},
        {92: "Z", 99: "Z"},
        {100: "X", 101: "Y", 102: "Z"},
        {q: "X" for q in (92, 99, 100, 101, 102)},
        {101: "Y"},
    ]
    su2_labels = _labels(su2_terms)
    reference = _exact_noisy(su2, su2_labels)
    result, reports = _estimate([(su2, [SparsePauliOp(label) for label in su2_labels])], precision=0.01)
    error = np.max(np.abs(result[0].data.evs - reference))
    rows.append((f"measurement ({reports[0].method})", "5-qubit su2, 5 terms, 10^4 shots", f"{error:.4f}"))

    angles = list(np.random.default_rng(5).uniform(0.3, 2.8, 64))
    wide = shallow(64, angles)
    wide_terms = [{10: "Z"}, {40: "X"}, {28: "Z", 29: "Z"}]
    region_reference = []
    layers = edge_layers(64)[:2]
    for term in wide_terms:
        region = set(term)
        for _ in range(2):
            region |= {q for layer in layers for a, b in layer for q in (a, b) if a in region or b in region}
        index = {qubit: i for i, qubit in enumerate(wide.qubits)}
        local = wide.copy_empty_like()
        for instruction in wide.data:
            if all(index[q] in region for q in instruction.qubits):
                local.append(instruction)
        region_reference += _exact_noisy(local, _labels([term]))
    result, reports = _estimate(
        [(wide, [SparsePauliOp(label) for label in _labels(wide_terms)])], precision=0.01
    )
    error = np.max(np.abs(result[0].data.evs - region_reference))
    cone = reports[0].details.get("light_cone_qubits")
    rows.append(("light_cone", f"64-qubit depth 3, 3 local terms, cones of {cone} qubits", f"{error:.4f}"))

    for name, circuit, terms in (
        ("5-qubit su2, 5 terms", su2, su2_terms),
        ("10-qubit kicked Ising, 5 steps", kicked_ising(10, 5, 0.3), [{q: "Z"} for q in (0, 4, 9)]),
    ):
        labels = _labels(terms)
        reference = _exact_noisy(circuit, labels)
        _, reports = _estimate([(circuit, [SparsePauliOp(label) for label in labels])], budget=0.05)
        max_terms = int(reports[0].details["max_pauli_terms"])
        compact, qubits = cut(circuit)
        program = pp.compile_circuit(compact, qubits, BACKEND)
        got = [pp.propagate(program, _compact_pauli(label, qubits), max_terms).value for label in labels]
        error = np.max(np.abs(np.array(got) - reference))
        whole = [pp.propagate(program, _compact_pauli(label, qubits), 10**6, 0.0).value for label in labels]
        rows.append(
            (
                "pauli_propagation (no truncation)",
                name + ": the Pauli twirl of the errors alone",
                f"{np.max(np.abs(np.array(whole) - reference)):.4f}",
            )
        )
        rows.append(
            (
                f"pauli_propagation (max {max_terms} strings)",
                name + ", values without shot noise",
                f"{error:.4f}",
            )
        )

    steps = 20
    compact, qubits = cut(kicked_ising(127, steps, math.pi / 2, width=127))
    program = pp.compile_circuit(compact, qubits, None)
    clifford = Clifford(_clifford_kicked_ising(127, steps))
    worst = 0.0
    for q in (0, 62, 126):
        observable = Pauli(_labels([{q: "Z"}], 127)[0]).evolve(clifford, frame="s")
        observable = Pauli((observable.z, observable.x))
        evolved = observable.evolve(clifford, frame="h")
        expected = 0.0 if evolved.x.any() else (-1.0 if evolved.phase == 2 else 1.0)
        worst = max(worst, abs(pp.propagate(program, observable, 64).value - expected))
    rows.append(("pauli_propagation", "127-qubit Clifford kicked Ising, 20 steps, no noise", f"{worst:.1e}"))

    circuit = kicked_ising(127, steps, 0.3)
    label = _labels([{62: "Z"}])[0]
    _, reports = _estimate([(circuit, [SparsePauliOp(label)])])
    max_terms = int(reports[0].details["max_pauli_terms"])
    compact, qubits = cut(circuit)
    program = pp.compile_circuit(compact, qubits, BACKEND)
    budgeted = pp.propagate(program, _compact_pauli(label, qubits), max_terms)
    converged = pp.propagate(program, _compact_pauli(label, qubits), 4 * max_terms)
    rows.append(
        (
            f"pauli_propagation (max {max_terms} strings)",
            "127-qubit kicked Ising θ=0.3, 20 steps, noisy ⟨Z⟩: vs 4x the strings",
            f"{abs(budgeted.value - converged.value):.4f}",
        )
    )
    return rows


def _compact_pauli(label: str, qubits: tuple[int, ...]) -> Any:
    from qiskit.quantum_info import Pauli

    position = {q: i for i, q in enumerate(qubits)}
    letters = ["I"] * len(qubits)
    for q, letter in enumerate(reversed(label)):
        if letter != "I":
            letters[len(qubits) - 1 - position[q]] = letter
    return Pauli("".join(letters))


def _clifford_kicked_ising(num_qubits: int, steps: int) -> Any:
    from qiskit import QuantumCircuit

    from tests.estimator_circuits import edge_layers

    circuit = QuantumCircuit(num_qubits)
    for _ in range(steps):
        circuit.sx(range(num_qubits))
        for layer in edge_layers(num_qubits):
            for a, b in layer:
                circuit.cz(a, b)
                circuit.sdg(a)
                circuit.sdg(b)
    return circuit


def workloads() -> list[tuple[str, float, str, str]]:
    import rustworkx as rx
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import iqp, qaoa_ansatz
    from qiskit.quantum_info import SparsePauliOp, random_hermitian
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime import EstimatorV2, QiskitRuntimeService

    import fakeqpu

    _record_reports()
    rows = []
    with fakeqpu.mock_runtime(plan="premium", backends=["ibm_torino", "ibm_sherbrooke"], seed=SEED) as fake:
        service = QiskitRuntimeService()

        def run(name: str, backend: Any, build: Any) -> None:
            started = time.perf_counter()
            pubs = build(backend)
            result = EstimatorV2(mode=backend).run(pubs).result()
            seconds = time.perf_counter() - started
            evs = np.concatenate([np.ravel(pub.data.evs) for pub in result])
            methods = ", ".join(
                f"{entry['method']} (predicted {entry['predicted_seconds']:.1f} s, "
                f"ran {entry['seconds']:.1f} s"
                + (
                    f", strings {entry['details']['pauli_terms_kept']}"
                    if "pauli_terms_kept" in entry["details"]
                    else ""
                )
                + (
                    f", truncated {entry['details']['truncated_pauli_weight']:.2g}"
                    if "truncated_pauli_weight" in entry["details"]
                    else ""
                )
                + ")"
                for entry in _simulation_reports(fake, result)
            )
            rows.append((name, seconds, methods or "?", np.array2string(evs, precision=3)))

        torino = service.backend("ibm_torino")

        def qaoa(backend: Any) -> Any:
            edges = [tuple(edge) for edge in backend.coupling_map.get_edges()]
            observable = SparsePauliOp.from_sparse_list(
                [("ZZ", [i, j], 0.5) for i, j in edges], num_qubits=backend.num_qubits
            )
            circuit = qaoa_ansatz(observable, reps=2)
            isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
            return [(isa, observable.apply_layout(isa.layout), [0.1, 0.2, 0.3, 0.4])]

        def iqp50(backend: Any) -> Any:
            circuit = iqp(np.real(random_hermitian(50, seed=1234)))
            isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)
            observables = [
                SparsePauliOp("Z" * 50),
                SparsePauliOp(["Z" + "I" * 49, "I" * 48 + "ZZ", "X" + "I" * 48 + "X"], [0.5, 0.3, 0.2]),
            ]
            return [(isa, [observable.apply_layout(isa.layout) for observable in observables])]

        def kicked(backend: Any) -> Any:
            n = 127
            edges = sorted({tuple(sorted(edge)) for edge in backend.coupling_map.get_edges()})
            graph = rx.PyGraph()
            graph.add_nodes_from(range(n))
            graph.add_edges_from_no_data(edges)
            colors = rx.graph_greedy_edge_color(graph)
            layers: dict[int, list[tuple[int, int]]] = {}
            for index, (a, b) in enumerate(graph.edge_list()):
                layers.setdefault(colors[index], []).append((a, b))
            circuit = QuantumCircuit(n)
            for _ in range(20):
                circuit.rx(0.3, range(n))
                for color in sorted(layers):
                    for a, b in layers[color]:
                        circuit.rzz(-math.pi / 2, a, b)
            isa = generate_preset_pass_manager(
                backend=backend, optimization_level=1, initial_layout=list(range(n))
            ).run(circuit)
            return [
                (
                    isa,
                    [SparsePauliOp("Z").apply_layout([q], n).apply_layout(isa.layout) for q in (0, 62, 126)],
                )
            ]

        run("Get started with Estimator (qaoa_ansatz, 133 q, 2 reps)", torino, qaoa)
        run("Primitives examples (iqp 50 q, 2 observables)", torino, iqp50)
        run("Kicked Ising 127 q, 20 steps (ibm_sherbrooke)", service.backend("ibm_sherbrooke"), kicked)
    return rows


_SEEN: list[dict[str, Any]] = []


def _simulation_reports(fake: Any, result: Any) -> list[dict[str, Any]]:
    """The method reports of the job: from the result metadata where the programs put them there,
    else as the ladder made them (recorded by `_record_reports`)."""
    from fakeqpu.execution.simulation.plan import METADATA_KEY

    entry = result.metadata.get(METADATA_KEY) or {}
    found = list(entry.get("simulation", [])) or list(_SEEN)
    _SEEN.clear()
    return found


def _record_reports() -> None:
    from fakeqpu.execution.simulation import estimator_ladder

    original = estimator_ladder.method_report

    def recording(*args: Any, **kwargs: Any) -> Any:
        made = original(*args, **kwargs)
        _SEEN.append(made.as_json())
        return made

    estimator_ladder.method_report = recording  # type: ignore[assignment]


def main(with_workloads: bool = True, with_accuracy: bool = True) -> None:
    if with_accuracy:
        print("### Estimator methods: measured error against the exact reference")
        print(f"{'method':44} {'case':70} max |error|")
        for method, case, error in accuracy():
            print(f"{method:44} {case:70} {error}")
    if with_workloads:
        print("\n### Workloads through the real client (wall seconds, transpilation included)")
        for name, seconds, methods, evs in workloads():
            print(f"{name:58} {seconds:6.1f} s  {methods:40} evs {evs}")


if __name__ == "__main__":
    main(with_workloads="--no-workloads" not in sys.argv, with_accuracy="--no-accuracy" not in sys.argv)
