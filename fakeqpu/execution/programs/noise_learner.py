"""Program `noise-learner`: `NoiseLearnerV3` (params with a `schema_version`) and the legacy
`NoiseLearner` (RuntimeEncoder params `{circuits, options}`), told apart by the params as the
client's own decoders tell the results apart (`schema_version` present or not).

No learning experiment is simulated: each layer's Pauli-Lindblad rates are computed in closed
form from the calibration the simulation uses (`simulation/lindblad.py`), so they are exact (`rates_std` 0).
The job's QPU time is that of the experiments a learner would run: per layer, every layer-pair
depth × 9 measurement bases × randomizations × shots (readout learning: randomizations × shots).

V3: params validated with the `ibm_quantum_schemas` model of their version and decoded with the
client's `NOISE_LEARNER_V3_PARAMS_CONVERTERS`; the protocol of each box is the client's
`find_learning_protocol`; the result is that version's `NoiseLearnerV3ResultsModel` JSON.
Legacy: circuits are cut into layers of two-qubit gates; a layer is its gates and the qubits its
twirling strategy twirls; unique layers ordered by how often they occur, at most
`max_layers_to_learn`; the result is the `{data: [[{circuit, qubits}, {generators, rates}]],
metadata: {backend, input_options}}` the client's `NoiseLearnerResultDecoder` reads.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from qiskit.circuit import QuantumCircuit, QuantumRegister
from qiskit.transpiler import Target

from fakeqpu.execution.errors import NOT_ISA, VALIDATION, ExecutionError
from fakeqpu.execution.estimate import estimated_seconds, num_executions
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs.common import Refused, backend, schema_model, schema_module
from fakeqpu.execution.simulation import plan
from fakeqpu.execution.simulation.lindblad import LindbladModel, layer_model, readout_model

PAULI_BASES = 9
# IBM's documented defaults of NoiseLearnerOptions (the client sends only what the user set).
LEGACY_DEFAULTS: dict[str, Any] = {
    "max_layers_to_learn": 4,
    "shots_per_randomization": 128,
    "num_randomizations": 32,
    "layer_pair_depths": [0, 1, 2, 4, 16, 32],
    "twirling_strategy": "active-accum",
}
STRATEGIES = ("active", "active-accum", "active-circuit", "all")


class NoiseLearnerProgram:
    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        if not isinstance(params_wire, dict):
            return "params must be an object."
        if "schema_version" in params_wire:
            try:
                _v3_model(params_wire)
            except Refused as exc:
                return str(exc)
            return None
        if not isinstance(params, dict) or not isinstance(params.get("circuits"), list):
            return "params.circuits is required."
        if not all(isinstance(c, QuantumCircuit) for c in params["circuits"]):
            return "params.circuits must be a list of circuits."
        return None

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        data, target = backend(backend_name)
        job: _Job
        if isinstance(params_wire, dict) and "schema_version" in params_wire:
            job = _prepare_v3(params_wire, target)
        else:
            job = _prepare_legacy(params, target)
        runs = [(_experiment_circuit(model, target, depth), shots) for model, depth, shots in job.runs]
        executions = num_executions((shots, 1) for _, shots in runs)
        seconds = estimated_seconds(runs, target, job.rep_delay, data.configuration)
        return PreparedJob("noise-learner", backend_name, executions, seconds, payload=job)

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        job: _Job = prepared.payload
        return job.result_text(prepared.backend_name)


class _Job:
    """The layers to report and the experiments that would learn them."""

    def __init__(self, models: list[LindbladModel], rep_delay: float | None) -> None:
        self.models = models
        self.rep_delay = rep_delay
        self.runs: list[tuple[LindbladModel, int, int]] = []
        """(layer, layer-pair depth or -1 for readout, executions) per experiment."""

    def result_text(self, backend_name: str) -> str:
        raise NotImplementedError


class _V3Job(_Job):
    def __init__(
        self, models: list[LindbladModel], rep_delay: float | None, version: str, depths: list[int]
    ) -> None:
        super().__init__(models, rep_delay)
        self.version = version
        self.depths = depths
        self.protocols: list[str] = []

    def result_text(self, backend_name: str) -> str:
        module = schema_module("noise_learner_v3", self.version)
        data = []
        for model, protocol in zip(self.models, self.protocols, strict=True):
            if protocol == "trex":
                metadata: dict[str, Any] = {
                    "learning_protocol": "trex",
                    "post_selection": {"fraction_kept": 1.0, "success_rates": {}},
                }
            else:
                metadata = {
                    "learning_protocol": "lindblad",
                    "post_selection": {"fraction_kept": dict.fromkeys(self.depths, 1.0), "success_rates": {}},
                }
            data.append(
                {
                    "generators_sparse": [
                        [("".join(p for _, p in generator), [i for i, _ in generator])]
                        for generator in model.generators
                    ],
                    "num_qubits": len(model.qubits),
                    "rates": _tensor(list(model.rates)),
                    "rates_std": _tensor([0.0] * len(model.rates)),
                    "metadata": metadata,
                }
            )
        # Nothing is simulated, whatever the boxes' width: the job is bounded by its generators.
        plan.report(
            plan.MethodReport(
                method="closed_form_lindblad",
                exact=True,
                qubits=max((len(model.qubits) for model in self.models), default=0),
                predicted_seconds=0.0,
                where="instructions",
                details={
                    "boxes": len(self.models),
                    "generators": sum(len(model.generators) for model in self.models),
                },
            )
        )
        text: str = module.NoiseLearnerV3ResultsModel(
            schema_version=self.version, data=data
        ).model_dump_json()
        return text


class _LegacyJob(_Job):
    def __init__(
        self, models: list[LindbladModel], layers: list[QuantumCircuit], options: dict[str, Any]
    ) -> None:
        super().__init__(models, None)
        self.layers = layers
        self.options = options

    def result_text(self, backend_name: str) -> str:
        from qiskit.quantum_info import PauliList
        from qiskit_ibm_runtime import RuntimeEncoder

        data = []
        for model, layer in zip(self.models, self.layers, strict=True):
            labels = []
            for generator in model.generators:
                chars = ["I"] * len(model.qubits)
                for position, pauli in generator:
                    chars[len(model.qubits) - 1 - position] = pauli
                labels.append("".join(chars))
            data.append(
                [
                    {"circuit": layer, "qubits": list(model.qubits)},
                    {"generators": PauliList(labels), "rates": [float(r) for r in model.rates]},
                ]
            )
        body = {"data": data, "metadata": {"backend": backend_name, "input_options": self.options}}
        return json.dumps(body, cls=RuntimeEncoder)


def _tensor(values: list[float]) -> Any:
    import numpy as np
    from ibm_quantum_schemas.common import F64TensorModel

    return F64TensorModel.from_numpy(np.asarray(values, dtype=np.float64))


def _v3_converters() -> Any:
    from qiskit_ibm_runtime.noise_learner_v3.params_converters import NOISE_LEARNER_V3_PARAMS_CONVERTERS

    return NOISE_LEARNER_V3_PARAMS_CONVERTERS


def _v3_model(params_wire: dict[str, Any]) -> Any:
    try:
        converters = _v3_converters()
    except ImportError:
        raise Refused("this client's qiskit-ibm-runtime has no NoiseLearnerV3 schemas.") from None
    return schema_model(params_wire, converters, "noise-learner")


def _prepare_v3(params_wire: dict[str, Any], target: Target) -> _V3Job:
    from qiskit_ibm_runtime.noise_learner_v3.find_learning_protocol import find_learning_protocol

    try:
        model = _v3_model(params_wire)
    except Refused as exc:
        raise ExecutionError(VALIDATION, str(exc)) from None
    instructions, options = _v3_converters()[model.schema_version].decoder(model)
    physical = {qubit: i for i, qubit in enumerate(QuantumRegister(target.num_qubits, "q"))}
    depths = list(options.layer_pair_depths)
    job = _V3Job([], options.execution.rep_delay, model.schema_version, depths)
    shots = int(options.shots_per_randomization) * int(options.num_randomizations)
    for index, instruction in enumerate(instructions):
        if instruction.operation.name != "box" or any(q not in physical for q in instruction.qubits):
            raise ExecutionError(
                VALIDATION, f"Instruction {index} must be a box on the physical qubits of the backend."
            )
        protocol = find_learning_protocol(instruction)
        if protocol is None:
            raise ExecutionError(
                VALIDATION,
                f"Instruction {index} cannot be learned by any of the supported learning protocols.",
            )
        box_to_physical = {
            inner: physical[outer]
            for outer, inner in zip(instruction.qubits, instruction.operation.body.qubits, strict=True)
        }
        qubits = [physical[q] for q in instruction.qubits]
        gates = []
        for op in instruction.operation.body:
            if op.name in ("barrier", "measure"):
                continue
            qargs = tuple(box_to_physical[q] for q in op.qubits)
            if op.name not in target.operation_names or not target.instruction_supported(op.name, qargs):
                raise ExecutionError(
                    NOT_ISA, f"Instruction {index}: {op.name} on {qargs} is not in the target."
                )
            gates.append((op.name, qargs))
        if protocol.value == "trex":
            layer = readout_model(target, qubits)
            job.runs.append((layer, -1, shots))
            job.protocols.append("trex")
        else:
            layer = layer_model(target, qubits, gates)
            job.runs.extend((layer, depth, shots * PAULI_BASES) for depth in depths)
            job.protocols.append("lindblad")
        job.models.append(layer)
    return job


Gates = tuple[tuple[str, tuple[int, ...]], ...]
IGNORED = ("barrier", "delay")  # IBM: ignored when deciding whether a qubit is active


def _prepare_legacy(params: Any, target: Target) -> _LegacyJob:
    from qiskit_ibm_runtime.utils.utils import is_isa_circuit

    circuits: list[QuantumCircuit] = params["circuits"]
    raw_options = params.get("options") or {}
    if not isinstance(raw_options, dict):
        raise ExecutionError(VALIDATION, "params.options must be an object.")
    options = {**LEGACY_DEFAULTS, **{k: v for k, v in raw_options.items() if k in LEGACY_DEFAULTS}}
    for name, value in options.items():  # only `max_layers_to_learn` may be null: no limit
        if value is None and name != "max_layers_to_learn":
            options[name] = LEGACY_DEFAULTS[name]
    strategy = options["twirling_strategy"]
    if strategy not in STRATEGIES:
        raise ExecutionError(
            VALIDATION, f"twirling_strategy {strategy!r} is not one of {', '.join(STRATEGIES)}."
        )
    for name in ("shots_per_randomization", "num_randomizations", "max_layers_to_learn"):
        value = options[name]
        if value is None and name == "max_layers_to_learn":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ExecutionError(VALIDATION, f"{name} must be a non-negative integer.")
    depths = options["layer_pair_depths"]
    if not isinstance(depths, list) or not all(isinstance(d, int) and d >= 0 for d in depths):
        raise ExecutionError(VALIDATION, "layer_pair_depths must be a list of non-negative integers.")
    # A layer is its gates and the qubits its strategy twirls: the same gates twirled on other
    # qubits are another layer to learn (IBM's `test_with_default_options` expects 3 for its circuits).
    counts: Counter[tuple[Gates, tuple[int, ...]]] = Counter()
    for index, circuit in enumerate(circuits):
        message = is_isa_circuit(circuit, target)
        if message:
            raise ExecutionError(NOT_ISA, f"Circuit {index}: {message}")
        for layer, qubits in _twirled_layers(circuit, strategy):
            counts[(layer, qubits)] += 1
    # most frequent first; equally frequent: more two-qubit gates first (the client's docs); stable
    ordered = sorted(counts, key=lambda key: (-counts[key], -len(key[0])))
    limit = options["max_layers_to_learn"]
    if limit is not None:
        ordered = ordered[:limit]
    models: list[LindbladModel] = []
    layer_circuits: list[QuantumCircuit] = []
    shots = options["shots_per_randomization"] * options["num_randomizations"]
    # IBM's metadata echoes every learner option, defaults filled in (`max_execution_time` null, CHOSEN)
    job = _LegacyJob(models, layer_circuits, {"max_execution_time": None, **options})
    for layer, qubits in ordered:
        model = layer_model(target, qubits, layer)
        models.append(model)
        layer_circuits.append(_layer_circuit(layer, model.qubits))
        job.runs.extend((model, depth, shots * PAULI_BASES) for depth in depths)
    return job


def _twirled_layers(circuit: QuantumCircuit, strategy: str) -> list[tuple[Gates, tuple[int, ...]]]:
    """Each layer of two-qubit gates with the qubits `strategy` twirls in it."""
    layers, first_active = _two_qubit_layers(circuit)
    everything = tuple(range(circuit.num_qubits))
    in_circuit = tuple(sorted(first_active))
    found = []
    for level, layer in enumerate(layers):
        own = {q for _, qargs in layer for q in qargs}
        if strategy == "active":
            qubits = tuple(sorted(own))
        elif strategy == "active-accum":  # what was active up to and including this layer
            qubits = tuple(sorted(own | {q for q, at in first_active.items() if at <= level}))
        elif strategy == "active-circuit":
            qubits = in_circuit
        else:
            qubits = everything
        found.append((layer, qubits))
    return found


def _two_qubit_layers(circuit: QuantumCircuit) -> tuple[list[Gates], dict[int, int]]:
    """The circuit's two-qubit gates, greedily packed into layers of disjoint gates (as soon as
    possible), and for each active qubit the first layer at or before which an instruction acts on it."""
    layers: list[list[tuple[str, tuple[int, ...]]]] = []
    free_from: dict[int, int] = {}
    first_active: dict[int, int] = {}
    for instruction in circuit.data:
        name = instruction.operation.name
        qargs = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        level = max((free_from.get(q, 0) for q in qargs), default=0)
        if name not in IGNORED:
            for q in qargs:
                first_active.setdefault(q, level)
        if name in ("barrier", "measure", "reset") or len(qargs) != 2:
            if name in ("barrier", "measure", "reset"):
                for q in qargs:
                    free_from[q] = level
            continue
        if level == len(layers):
            layers.append([])
        layers[level].append((name, qargs))
        for q in qargs:
            free_from[q] = level + 1
    return [tuple(sorted(layer)) for layer in layers], first_active


def _layer_circuit(layer: Sequence[tuple[str, tuple[int, ...]]], qubits: tuple[int, ...]) -> QuantumCircuit:
    from qiskit.circuit.library import get_standard_gate_name_mapping

    position = {q: i for i, q in enumerate(qubits)}
    gates = get_standard_gate_name_mapping()
    circuit = QuantumCircuit(len(qubits))
    for name, qargs in layer:
        circuit.append(gates[name], [position[q] for q in qargs])
    return circuit


def _experiment_circuit(model: LindbladModel, target: Target, depth: int) -> QuantumCircuit:
    """A stand-in for one learning circuit, for its duration: `2 × depth` layers, then measurements."""
    circuit = QuantumCircuit(target.num_qubits, len(model.qubits))
    busiest = max(
        (
            props.duration or 0.0
            for name in target.operation_names
            if getattr(target.operation_from_name(name), "num_qubits", 0) == 2 and target[name] is not None
            for qargs, props in target[name].items()
            if props is not None and qargs is not None and all(q in model.qubits for q in qargs)
        ),
        default=0.0,
    )
    if depth > 0 and busiest:
        circuit.delay(2 * depth * busiest, model.qubits[0], unit="s")
    for bit, qubit in enumerate(model.qubits):
        circuit.measure(qubit, bit)
    return circuit


PROGRAM = NoiseLearnerProgram()
