"""Utility-scale workloads through the real client: each timed, with the method fakeqpu chose.

    .venv/bin/python benchmarks/bench_utility.py [--limit SECONDS] [--local] [NAME ...]

Five workloads of the shapes IBM's guides teach (issue 19), each through the unmodified client under
`fakeqpu.mock_runtime(plan="premium")`, transpilation included:

- sampler_su2: SamplerV2, efficient_su2(127, entanglement="linear"), random parameters, 4096 shots,
  on ibm_brisbane (Eagle);
- estimator_qaoa: EstimatorV2, qaoa_ansatz of a 100-qubit ring ZZ cost operator, reps 2, ⟨cost⟩;
- estimator_iqp: EstimatorV2, iqp(random_hermitian(50)), ⟨Z…Z⟩;
- executor_mirror_pec: NoiseLearnerV3 of a 10-qubit, 20-layer mirror circuit's boxes, then an
  Executor QuantumProgram with a twirled item and a PEC item (noise_scales −1), shape (900,), 1000 shots;
- estimator_kicked_ising: EstimatorV2, 127-qubit kicked Ising, 20 steps of RX(0.3) and RZZ(−π/2) on
  the heavy-hex edges, ⟨Z_q⟩ for every qubit.

Each runs in its own process (this file, `--one NAME`) killed after `--limit` seconds (default 120),
so a workload that would hang is reported as "timeout". Per workload it prints the wall time, the
methods of `result.metadata["fakeqpu"]["simulation"]` with predicted vs measured seconds (the job
record's), and IBM's estimated QPU seconds for the job. `--local` also runs local testing mode
(`mode=FakeBackend()`) where it can run at all, under the same limit.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

WORKLOADS = (
    "sampler_su2",
    "estimator_qaoa",
    "estimator_iqp",
    "executor_mirror_pec",
    "estimator_kicked_ising",
)
SEED = 1234


def _pm(backend: Any) -> Any:
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=SEED)


def sampler_su2(backend: Any) -> tuple[Any, dict[str, Any]]:
    import numpy as np
    from qiskit.circuit.library import efficient_su2
    from qiskit_ibm_runtime import SamplerV2

    circuit = efficient_su2(127, entanglement="linear")
    circuit.measure_all()
    values = np.random.default_rng(SEED).random(circuit.num_parameters)
    isa = _pm(backend).run(circuit)
    job = SamplerV2(mode=backend).run([(isa, values)], shots=4096)
    result = job.result()
    counts = result[0].data.meas.get_counts()
    return job, {"shots": sum(counts.values()), "distinct": len(counts), "metadata": result.metadata}


def _estimate(backend: Any, isa: Any, observables: Any, values: Any = None) -> tuple[Any, dict[str, Any]]:
    from qiskit_ibm_runtime import EstimatorV2

    pub = (isa, observables) if values is None else (isa, observables, values)
    job = EstimatorV2(mode=backend).run([pub])
    result = job.result()
    evs = result[0].data.evs
    return job, {
        "evs": f"{len(evs.ravel())} values in [{float(evs.min()):.3f}, {float(evs.max()):.3f}]",
        "metadata": result.metadata,
    }


def estimator_qaoa(backend: Any) -> tuple[Any, dict[str, Any]]:
    import numpy as np
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit.quantum_info import SparsePauliOp

    size = 100
    cost = SparsePauliOp.from_sparse_list([("ZZ", [i, (i + 1) % size], 1.0) for i in range(size)], size)
    circuit = qaoa_ansatz(cost, reps=2)
    isa = _pm(backend).run(circuit)
    values = np.random.default_rng(SEED).uniform(0, math.pi, circuit.num_parameters)
    return _estimate(backend, isa, cost.apply_layout(isa.layout), values)


def estimator_iqp(backend: Any) -> tuple[Any, dict[str, Any]]:
    from qiskit.circuit.library import iqp
    from qiskit.quantum_info import SparsePauliOp, random_hermitian

    size = 50
    matrix = random_hermitian(size, seed=SEED).data.real.round().astype(int)
    isa = _pm(backend).run(iqp(matrix))
    return _estimate(backend, isa, SparsePauliOp("Z" * size).apply_layout(isa.layout))


def estimator_kicked_ising(backend: Any) -> tuple[Any, dict[str, Any]]:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp

    size = 127
    edges = sorted({tuple(sorted(edge)) for edge in backend.coupling_map.get_edges() if max(edge) < size})
    layers: list[list[tuple[int, int]]] = []  # a proper edge colouring: heavy hex needs three
    for edge in edges:
        for layer in layers:
            if all(not set(edge) & set(other) for other in layer):
                layer.append(edge)
                break
        else:
            layers.append([edge])
    circuit = QuantumCircuit(size)
    for _ in range(20):
        circuit.rx(0.3, range(size))
        for layer in layers:
            for a, b in layer:
                circuit.rzz(-math.pi / 2, a, b)
    isa = _pm(backend).run(circuit)
    observables = [
        SparsePauliOp.from_sparse_list([("Z", [q], 1.0)], size).apply_layout(isa.layout) for q in range(size)
    ]
    return _estimate(backend, isa, observables)


def executor_mirror_pec(backend: Any) -> tuple[Any, dict[str, Any]]:
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime.executor import Executor
    from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3
    from qiskit_ibm_runtime.quantum_program import QuantumProgram
    from samplomatic import InjectNoise, Twirl, build

    size, layers = 10, 20
    rng = np.random.default_rng(SEED)
    line = _line(backend, size)
    two_qubit = next(n for n in ("cz", "ecr", "cx") if n in backend.target.operation_names)
    half: list[tuple[list[float], int]] = [
        (rng.uniform(0, 2 * math.pi, size).tolist(), layer % 2) for layer in range(layers // 2)
    ]
    circuit = QuantumCircuit(backend.num_qubits)
    steps = [(angles, parity, False) for angles, parity in half]
    steps += [(angles, parity, True) for angles, parity in reversed(half)]
    for angles, parity, inverse in steps:
        pairs = [(line[i], line[i + 1]) for i in range(parity, size - 1, 2)]
        # every gate in a box (twirled Paulis cannot pass a bare rz): the 1q layer is the dressing
        twirl = Twirl(dressing="right") if inverse else Twirl()
        # the learned map of a box spans all its qubits: the even layers (entanglers on all 10) get PEC
        annotations = [twirl, InjectNoise(ref="layer0", modifier_ref="pec")] if parity == 0 else [twirl]
        with circuit.box(annotations):
            if not inverse:
                for q, angle in zip(line, angles, strict=True):
                    circuit.rz(angle, q)
                    circuit.sx(q)
            for a, b in pairs:
                getattr(circuit, two_qubit)(a, b)
            if inverse:
                for q, angle in zip(line, angles, strict=True):
                    circuit.rz(math.pi, q)  # rz(π)·sx·rz(π) is sx† up to a phase, in native gates
                    circuit.sx(q)
                    circuit.rz(math.pi - angle, q)
    measured = QuantumCircuit(backend.num_qubits, size)
    measured.compose(circuit, inplace=True)
    with measured.box([Twirl()]):
        measured.measure(line, range(size))
    learning = QuantumCircuit(backend.num_qubits)  # the two layers' entanglers alone, to learn
    with learning.box([Twirl(), InjectNoise(ref="layer0")]):
        for i in range(0, size - 1, 2):
            getattr(learning, two_qubit)(line[i], line[i + 1])
    learned = NoiseLearnerV3(backend).run(learning.data).result()
    noise_maps = learned.to_dict(learning.data)
    template, samplex = build(measured)
    program = QuantumProgram(shots=1000, noise_maps=noise_maps)
    program.append_samplex_item(template, samplex=samplex, shape=(900,))
    program.append_samplex_item(
        template,
        samplex=samplex,
        samplex_arguments={"noise_scales.pec": -1.0},
        shape=(900,),
    )
    job = Executor(mode=backend).run(program)
    result = job.result()
    return job, {"items": len(result), "metadata": getattr(result, "metadata", {})}


def _line(backend: Any, size: int) -> list[int]:
    """A path of `size` coupled qubits (depth-first search of the coupling map)."""
    neighbours: dict[int, set[int]] = {}
    for a, b in backend.coupling_map.get_edges():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    def extend(path: list[int]) -> list[int] | None:
        if len(path) == size:
            return path
        for nxt in sorted(neighbours.get(path[-1], ())):
            if nxt not in path:
                found = extend([*path, nxt])
                if found:
                    return found
        return None

    for start in sorted(neighbours):
        found = extend([start])
        if found:
            return found
    raise RuntimeError("no line of qubits")


def _backend_name(name: str) -> str:
    return "ibm_brisbane" if name in ("sampler_su2", "estimator_kicked_ising") else "ibm_torino"


def run_one(name: str, local: bool) -> dict[str, Any]:
    import fakeqpu

    out: dict[str, Any] = {"workload": name, "backend": _backend_name(name)}
    if local:
        from qiskit_ibm_runtime.fake_provider import FakeBrisbane, FakeTorino

        backend = FakeBrisbane() if out["backend"] == "ibm_brisbane" else FakeTorino()
        started = time.perf_counter()
        _, summary = globals()[name](backend)
        out["local_seconds"] = round(time.perf_counter() - started, 2)
        return out
    with fakeqpu.mock_runtime(plan="premium", seed=SEED, backends=[out["backend"]]) as runtime:
        from qiskit_ibm_runtime import QiskitRuntimeService

        backend = QiskitRuntimeService().backend(out["backend"])
        started = time.perf_counter()
        job, summary = globals()[name](backend)
        out["seconds"] = round(time.perf_counter() - started, 2)
        metadata = summary.pop("metadata", {}) or {}
        out["summary"] = summary
        records = runtime.jobs()
        out["estimated_qpu_seconds"] = [
            round(float(r.qpu_seconds), 1) for r in records
        ]  # IBM's estimate is the fake's QPU time
        out["methods"] = [
            {
                "job": r.id,
                "program": r.program,
                "method": entry["method"],
                "exact": entry["exact"],
                "where": entry["where"],
                "predicted": entry["predicted_seconds"],
                "measured": entry["seconds"],
                "details": dict(entry["details"]),
            }
            for r in records
            for entry in (r.simulation or ())
        ]
        # the executor's result model keeps no extra metadata key (its reports are on the job record)
        fakeqpu_key = metadata.get("fakeqpu") if isinstance(metadata, dict) else None
        out["metadata_methods"] = len((fakeqpu_key or {}).get("simulation", []))
        del job
    return out


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        try:
            print(json.dumps(run_one(argv[1], local="--local" in argv), default=str))
        except Exception as exc:  # reported, not raised: the parent prints it beside the others
            print(json.dumps({"workload": argv[1], "error": f"{type(exc).__name__}: {exc}"[:400]}))
        return
    limit = 120.0
    if "--limit" in argv:
        limit = float(argv[argv.index("--limit") + 1])
    local = "--local" in argv
    names = [a for a in argv if a in WORKLOADS] or list(WORKLOADS)
    for name in names:
        for mode in (["fake", "local"] if local else ["fake"]):
            args = [sys.executable, __file__, "--one", name] + (["--local"] if mode == "local" else [])
            started = time.perf_counter()
            try:
                done = subprocess.run(args, capture_output=True, text=True, timeout=limit, check=False)
                lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
                report = json.loads(lines[-1]) if lines else {"error": done.stderr.strip()[-400:]}
            except subprocess.TimeoutExpired:
                report = {"error": f"timeout after {limit:.0f} s"}
            report["process_seconds"] = round(time.perf_counter() - started, 1)
            _print(name, mode, report)


def _print(name: str, mode: str, report: dict[str, Any]) -> None:
    print(f"== {name} [{mode}] process {report['process_seconds']} s", flush=True)
    if "error" in report:
        print(f"   {report['error']}", flush=True)
        return
    if mode == "local":
        print(f"   local testing mode: {report.get('local_seconds')} s", flush=True)
        return
    print(
        f"   wall {report['seconds']} s through the client (transpilation included); "
        f"IBM-estimated QPU seconds {report['estimated_qpu_seconds']}; {report['summary']}",
        flush=True,
    )
    for entry in report["methods"]:
        print(
            f"   {entry['program']} {entry['where'] or '-'}: {entry['method']} "
            f"(exact {entry['exact']}) predicted {entry['predicted']} s, measured {entry['measured']} s "
            f"{entry['details']}",
            flush=True,
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])
