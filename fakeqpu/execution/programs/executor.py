"""Program `executor`: a `QuantumProgram` of circuit and samplex items, answered with raw shots.

The params are plain pydantic JSON (`params_wire`), validated with the `ibm_quantum_schemas`
model of their `schema_version` and decoded with the client's own converter
(`QUANTUM_PROGRAM_PARAMS_CONVERTERS`). A samplex item is sampled with the client's own
`broadcast_sample`, as local testing mode does. The result is the same version's
`QuantumProgramResultModel` JSON: per item, a bool array `(*shape, shots, creg_size)` for each
classical register, plus every samplex output but `parameter_values`. Mitigation, twirl folding
and measurement-flip undoing stay on the client, as on IBM. The client modules are imported
lazily: fakeqpu must import under clients that predate the executor.

All parameter sets of an item are simulated together (`simulation/components.py`), by the most
faithful method that fits the item's share of the job's budget; the reports of what ran go in the
results' top-level `metadata` under `plan.METADATA_KEY`.
"""

from __future__ import annotations

import json
import math
import threading
import typing
from datetime import datetime
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from fakeqpu.execution.errors import INCOMPATIBLE, NOT_ISA, SYSTEM_LIMITS, VALIDATION, ExecutionError
from fakeqpu.execution.estimate import estimated_seconds, num_executions
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs.common import Refused, backend, schema_model, schema_module
from fakeqpu.execution.programs.spans import chunk_spans
from fakeqpu.execution.pubs import isa_problem, rzz_angle_problem
from fakeqpu.execution.simulation import plan
from fakeqpu.execution.simulation.components import ItemSimulation, prepare_components, run_components

# Decompressed tensors the fake accepts, in elements (a zlib bomb must not reach numpy).
MAX_TENSOR_ELEMENTS = 20_000_000


class ExecutorProgram:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[Any, Any] | None = None

    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        try:
            self._model(params_wire)
        except Refused as exc:
            return str(exc)
        return None

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        data, target = backend(backend_name)
        try:
            model = self._model(params_wire)
        except Refused as exc:
            raise ExecutionError(VALIDATION, str(exc)) from None
        program_model = model.quantum_program
        meas_level = getattr(program_model, "meas_level", "classified")
        if meas_level != "classified":
            raise ExecutionError(
                INCOMPATIBLE, f"meas_level {meas_level!r} is not supported by fakeqpu: use 'classified'."
            )
        shots = int(program_model.shots)
        sizes = [_model_item_size(item) for item in program_model.items]
        num_executions((shots, size) for size in sizes)
        _check_tensor_sizes(program_model.items)
        converter = _converters()[model.schema_version]
        try:
            program, _ = converter.decoder(model)
        except Exception as exc:
            raise ExecutionError(VALIDATION, f"The quantum program is not valid: {exc}") from None
        for index, item in enumerate(program.items):
            _check_item(index, item, target)
        rep_delay = getattr(getattr(model, "options", None), "rep_delay", None)
        seconds = estimated_seconds(
            ((item.circuit, shots * math.prod(item.shape)) for item in program.items),
            target,
            rep_delay,
            data.configuration,
        )
        executions = num_executions((shots, math.prod(item.shape)) for item in program.items)
        return PreparedJob(
            "executor",
            backend_name,
            executions,
            seconds,
            quantum_program=program,
            payload=model,
        )

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        program = prepared.quantum_program
        model = prepared.payload
        with plan.simulating(plan.policy()) as reports:
            items = [
                _sample_item(item, program.shots, prepared.backend_name, _item_seed(seed, index))
                for index, item in enumerate(program.items)
            ]
            # The job's budget, shared by the items as their exact simulations are predicted to cost.
            weights = [max(simulation.exact_seconds, 1e-6) for _, simulation in items]
            budget = plan.policy().budget_seconds
            results = [
                _finish_item(
                    item,
                    outputs,
                    simulation,
                    _item_seed(seed, index),
                    budget * weight / sum(weights),
                    f"item {index}",
                )
                for index, (item, (outputs, simulation), weight) in enumerate(
                    zip(program.items, items, weights, strict=True)
                )
            ]
        for entry in reports:  # the job's record keeps them too, when the service collects them
            plan.report(entry)
        metadata = {"simulation": [entry.as_json() for entry in reports]}
        shapes = [tuple(item.shape) for item in program.items]
        item_metadata = _item_metadata(model, program, prepared.backend_name)
        return _result_text(model, results, chunk_spans(shapes, start, stop), item_metadata, metadata)

    def _model(self, params_wire: Any) -> Any:
        with self._lock:
            if self._last is not None and self._last[0] is params_wire:
                return self._last[1]
        model = _validate(params_wire)
        with self._lock:
            self._last = (params_wire, model)
        return model


def _converters() -> Any:
    from qiskit_ibm_runtime.quantum_program.params_converters import QUANTUM_PROGRAM_PARAMS_CONVERTERS

    return QUANTUM_PROGRAM_PARAMS_CONVERTERS


def _validate(params_wire: Any) -> Any:
    if not isinstance(params_wire, dict):
        raise Refused("params must be an object.")
    try:
        converters = _converters()
    except ImportError:
        raise Refused("this client's qiskit-ibm-runtime has no executor schemas.") from None
    return schema_model(params_wire, converters, "executor")


def _model_item_size(item: Any) -> int:
    """Elements of the item's shape, from the model (before any tensor is decompressed)."""
    shape = list(getattr(item, "shape", None) or [])
    if getattr(item, "item_type", "") == "circuit":
        arguments = getattr(item, "circuit_arguments", None)
        argument_shape = list(getattr(arguments, "shape", None) or [])[:-1]
        if len(argument_shape) > len(shape):
            shape = argument_shape
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise ExecutionError(VALIDATION, f"The item shape {shape} is not a shape.")
    return math.prod(shape)


def _check_tensor_sizes(items: Any) -> None:
    total = 0
    for item in items:
        tensors = [getattr(item, "circuit_arguments", None)]
        tensors += list((getattr(item, "samplex_arguments", None) or {}).values())
        for tensor in tensors:
            shape = getattr(tensor, "shape", None)
            if isinstance(shape, list | tuple):
                total += math.prod(int(n) for n in shape)
    if total > MAX_TENSOR_ELEMENTS:
        raise ExecutionError(
            SYSTEM_LIMITS,
            f"The quantum program's arguments hold {total} values, more than {MAX_TENSOR_ELEMENTS}.",
        )


def _check_item(index: int, item: Any, target: Any) -> None:
    circuit = item.circuit
    if not isinstance(circuit, QuantumCircuit):
        raise ExecutionError(INCOMPATIBLE, f"Item {index} has no circuit.")
    message = isa_problem(circuit, f"Item {index}", target)
    if message:
        raise ExecutionError(NOT_ISA, f"Item {index}: {message}")
    arguments = getattr(item, "circuit_arguments", None)
    if arguments is not None and not np.all(np.isfinite(np.asarray(arguments, dtype=float))):
        raise ExecutionError(VALIDATION, f"Item {index}: circuit_arguments must be finite numbers.")
    angles = rzz_angle_problem(circuit, None if arguments is None else np.asarray(arguments, dtype=float))
    if angles:
        raise ExecutionError(NOT_ISA, f"Item {index}: {angles}")
    samplex_arguments = getattr(item, "samplex_arguments", None)
    if samplex_arguments is not None:
        for name, value in samplex_arguments.items():
            if isinstance(value, np.ndarray) and value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
                raise ExecutionError(VALIDATION, f"Item {index}: samplex argument {name} must be finite.")


def _item_seed(seed: int, index: int) -> int:
    return int(np.random.SeedSequence([seed % 2**64, index]).generate_state(1)[0])


def _sample_item(
    item: Any, shots: int, backend_name: str, seed: int
) -> tuple[dict[str, np.ndarray], ItemSimulation]:
    """The item's samplex outputs (but `parameter_values`) and its circuit bound to every parameter set."""
    circuit: QuantumCircuit = item.circuit
    shape = tuple(item.shape)
    size = math.prod(shape)
    outputs: dict[str, np.ndarray] = {}
    if hasattr(item, "samplex"):
        try:
            from qiskit_ibm_runtime.fake_provider.executor.broadcast_sample import broadcast_sample
        except ImportError:  # 0.48: no executor in local testing mode yet
            broadcast_sample = _broadcast_sample

        samplex = item.samplex
        finalize = getattr(samplex, "finalize", None)
        if callable(finalize) and not getattr(samplex, "_finalized", True):
            finalize()
        outputs = broadcast_sample(samplex, item.samplex_arguments, shape, np.random.default_rng(seed))
        values = np.asarray(outputs.pop("parameter_values", np.zeros((*shape, 0))), dtype=float)
    else:
        values = np.asarray(item.circuit_arguments, dtype=float)
    bindings = np.broadcast_to(values, (*shape, circuit.num_parameters)).reshape(size, circuit.num_parameters)
    return outputs, prepare_components(circuit, bindings, shots, backend_name)


def _finish_item(
    item: Any,
    outputs: dict[str, np.ndarray],
    simulation: ItemSimulation,
    seed: int,
    budget_seconds: float,
    where: str,
) -> dict[str, np.ndarray]:
    circuit: QuantumCircuit = item.circuit
    shape, shots = tuple(item.shape), simulation.shots
    bits = run_components(simulation, seed, budget_seconds, where)
    for creg in circuit.cregs:
        columns = [circuit.find_bit(clbit).index for clbit in creg]
        outputs[creg.name] = bits[:, :, columns].reshape(*shape, shots, len(columns))
    return outputs


def _broadcast_sample(
    samplex: Any, arguments: Any, shape: tuple[int, ...], rng: Any
) -> dict[str, np.ndarray]:
    """Samples over `shape`: one `samplex.sample` per slice of the axes `arguments` broadcasts (size > 1),
    randomizations along the others, as the client's local testing mode samples from 0.50."""
    padded = (1,) * (len(shape) - arguments.ndim) + tuple(arguments.shape)
    swept = [axis for axis in range(len(shape)) if padded[axis] > 1]
    randomized = tuple(shape[axis] for axis in range(len(shape)) if padded[axis] <= 1)
    output: dict[str, np.ndarray] = {}
    for index in np.ndindex(tuple(shape[axis] for axis in swept)):
        at = iter(index)
        argument_slice = tuple(next(at) if size > 1 else 0 for size in arguments.shape)
        samples = dict(
            samplex.sample(arguments[argument_slice], num_randomizations=math.prod(randomized), rng=rng)
        )
        at = iter(index)
        target = tuple(next(at) if size > 1 else slice(None) for size in padded)
        for name, value in samples.items():
            if name not in output:
                output[name] = np.empty((*shape, *value.shape[1:]), dtype=value.dtype)
            output[name][target] = value.reshape(*randomized, *value.shape[1:])
    return output


def _item_metadata(model: Any, program: Any, backend_name: str) -> list[dict[str, Any]]:
    """Per item: its circuit timing when `options.scheduler_timing` asks for it (docs/fidelity.md)."""
    if not getattr(getattr(model, "options", None), "scheduler_timing", False):
        return [{} for _ in program.items]
    from fakeqpu.execution.timing import scheduler_timing

    _, target = backend(backend_name)
    return [{"scheduler_timing": scheduler_timing(item.circuit, target)} for item in program.items]


def _result_text(
    model: Any,
    items: list[dict[str, np.ndarray]],
    spans: list[dict[str, Any]],
    metadata: list[dict[str, Any]],
    simulation: dict[str, Any],
) -> str:
    version = model.schema_version
    module = schema_module("executor", version)
    result_model = module.QuantumProgramResultModel
    tensor = _results_tensor(module)
    part_fields = set(module.ChunkPart.model_fields)
    body: dict[str, Any] = {
        "schema_version": version,
        "data": [
            {"results": {name: tensor.from_numpy(value) for name, value in item.items()}, "metadata": extra}
            for item, extra in zip(items, metadata, strict=True)
        ],
        "metadata": {
            "chunk_timing": [
                {
                    **span,
                    "parts": [{k: v for k, v in part.items() if k in part_fields} for part in span["parts"]],
                }
                for span in spans
            ]
        },
    }
    program_model = model.quantum_program
    fields = result_model.model_fields
    if "passthrough_data" in fields:
        body["passthrough_data"] = getattr(program_model, "passthrough_data", None)
    if "semantic_role" in fields:
        body["semantic_role"] = getattr(program_model, "semantic_role", None)
    # The schema keeps no other key in `metadata` (the client drops it): fakeqpu's own goes in after
    # validation, so the raw results say how the job was simulated.
    dumped = json.loads(result_model.model_validate(body).model_dump_json())
    if isinstance(dumped.get("metadata"), dict):
        dumped["metadata"][plan.METADATA_KEY] = simulation
    return json.dumps(dumped, separators=(",", ":"))


def _results_tensor(module: Any) -> Any:
    """The tensor model of the version's item results: compressed from v2.0, plain before (v1.1, 0.48)."""
    annotation = module.QuantumProgramResultItemModel.model_fields["results"].annotation
    return typing.get_args(annotation)[1]


PROGRAM = ExecutorProgram()
