"""Turn the decoded `params.pubs` into qiskit's own pub objects, failing the way IBM fails."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.circuit import ControlFlowOp, ParameterExpression, QuantumCircuit
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.transpiler import Target
from qiskit_ibm_runtime.utils.utils import is_isa_circuit, is_valid_rzz_pub

from fakeqpu.execution.errors import (
    DYNAMIC_ESTIMATOR,
    FRACTIONAL_OPTIONS,
    INCOMPATIBLE,
    NOT_ISA,
    OBSERVABLE_MISMATCH,
    SYSTEM_LIMITS,
    VALIDATION,
    ExecutionError,
)
from fakeqpu.execution.options import JobOptions
from fakeqpu.execution.qasm import check_qasm_size, pub_circuit

_PAULI_LETTERS = frozenset("IXYZ")
_FRACTIONAL_GATES = frozenset({"rx", "rzz"})
_RZZ_SOLUTION = "Use rzz angles in (0, pi/2], or load the backend without use_fractional_gates."


@dataclass(frozen=True)
class EstimatorTask:
    pub: Any  # EstimatorPub, its precision resolved
    shots: int


def raw_pubs(params: Any) -> Sequence[Any]:
    if not isinstance(params, dict):
        raise ExecutionError(VALIDATION, "params must be an object.")
    pubs = params.get("pubs")
    if not isinstance(pubs, list | tuple) or not pubs:
        raise ExecutionError(VALIDATION, "params.pubs must be a non-empty list of PUBs.")
    return pubs


def sampler_pubs(pubs: Sequence[Any], options: JobOptions, target: Target) -> tuple[Any, ...]:
    if options.meas_type != "classified":
        raise ExecutionError(INCOMPATIBLE, f"fakeqpu does not simulate meas_type={options.meas_type!r}.")
    check_qasm_size(pubs)
    out = []
    for index, raw in enumerate(pubs):
        items = _pub_items(raw, index, max_len=3)
        items[0] = pub_circuit(items[0], index)
        _check_circuit(items[0], index, target)
        try:
            pub = SamplerPub.coerce(tuple(items), shots=options.sampler_shots)
        except Exception as exc:
            raise _malformed(index, exc) from None
        _check_registers(pub.circuit, index)
        _check_fractional(pub, index, options)
        out.append(pub)
    return tuple(out)


def estimator_pubs(pubs: Sequence[Any], options: JobOptions, target: Target) -> tuple[EstimatorTask, ...]:
    check_qasm_size(pubs)
    out = []
    for index, raw in enumerate(pubs):
        items = _pub_items(raw, index, max_len=4)
        circuit = items[0] = pub_circuit(items[0], index)
        _check_circuit(circuit, index, target)
        if len(items) < 2:
            raise ExecutionError(INCOMPATIBLE, f"PUB {index} has no observables.")
        _check_observables(items[1], circuit, index)
        if any(isinstance(inst.operation, ControlFlowOp) for inst in circuit.data):
            raise ExecutionError(
                DYNAMIC_ESTIMATOR, f"PUB {index}: dynamic circuits are not supported by the Estimator."
            )
        precision = items[3] if len(items) > 3 else None
        try:
            pub = EstimatorPub.coerce(tuple(items), precision=options.default_precision)
        except Exception as exc:
            raise _malformed(index, exc) from None
        _check_fractional(pub, index, options)
        if precision is None and options.default_shots is not None:
            shots = options.default_shots
            pub = EstimatorPub(
                pub.circuit, pub.observables, pub.parameter_values, precision=shots**-0.5, validate=False
            )
        elif pub.precision > 0:
            shots = math.ceil(1.0 / pub.precision**2)
        else:
            raise ExecutionError(INCOMPATIBLE, f"PUB {index}: precision must be positive.")
        out.append(EstimatorTask(pub, shots))
    return tuple(out)


def _pub_items(raw: Any, index: int, *, max_len: int) -> list[Any]:
    if isinstance(raw, QuantumCircuit):
        return [raw]
    if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= max_len:
        raise ExecutionError(
            INCOMPATIBLE, f"PUB {index} is malformed: expected a list of 1 to {max_len} items."
        )
    return list(raw)


def isa_problem(circuit: QuantumCircuit, where: str, target: Target) -> str:
    """IBM's checks of a circuit against the device, shared by every program: wider than the device is
    1520 (raised); not in its instruction set is the client's own `is_isa_circuit` message ("" if ISA)."""
    if circuit.num_qubits > target.num_qubits:
        raise ExecutionError(
            SYSTEM_LIMITS,
            f"{where}: the circuit has {circuit.num_qubits} qubits but the target system has only "
            f"{target.num_qubits} qubits.",
        )
    return str(is_isa_circuit(circuit, target))


def _check_circuit(circuit: Any, index: int, target: Target) -> None:
    if not isinstance(circuit, QuantumCircuit):
        raise ExecutionError(INCOMPATIBLE, f"PUB {index} is malformed: its first item is not a circuit.")
    message = isa_problem(circuit, f"PUB {index}", target)
    if message:
        raise ExecutionError(
            NOT_ISA, f"{message} Transpile your circuits for the target before submitting a primitive query."
        )


def _check_fractional(pub: SamplerPub | EstimatorPub, index: int, options: JobOptions) -> None:
    """rzz runs only at the angles it is calibrated for (IBM's "Fractional gates" guide: 0 < θ ≤ π/2;
    the client's own check, bound parameter values included, and its wording; the code CHOSEN), and
    fractional gates do not go with gate twirling (IBM's error registry, 1519)."""
    message = is_valid_rzz_pub(pub)
    if message:
        raise ExecutionError(NOT_ISA, f"PUB {index}: {message}", _RZZ_SOLUTION)
    if options.twirling.get("enable_gates") is True and _uses_fractional_gates(pub.circuit):
        raise ExecutionError(FRACTIONAL_OPTIONS, "Gate twirling does not support fractional gates.")


def rzz_angle_problem(circuit: QuantumCircuit, values: np.ndarray | None = None) -> str:
    """The client's words for an rzz angle outside [0, pi/2] (numeric, or bound from `values`: rows of
    the circuit's parameters in `circuit.parameters` order), or "" when every angle is in range."""
    parameters = list(circuit.parameters)
    rows = (
        None
        if values is None or not parameters
        else np.asarray(values, dtype=float).reshape(-1, len(parameters))
    )
    for angle in _rzz_angles(circuit):
        if isinstance(angle, ParameterExpression):
            if rows is None:
                continue
            bound = [
                float(angle.bind({p: row[parameters.index(p)] for p in angle.parameters})) for row in rows
            ]
        else:
            bound = [float(angle)]
        for value in bound:
            if value < 0.0 or value > math.pi / 2 + 1e-10:
                return (
                    "The instruction rzz is supported only for angles in the range [0, pi/2], but an "
                    f"angle ({value}) outside of this range has been requested."
                )
    return ""


def _rzz_angles(circuit: QuantumCircuit) -> list[Any]:
    angles = []
    for instruction in circuit.data:
        operation = instruction.operation
        if operation.name == "rzz":
            angles.append(operation.params[0])
        if isinstance(operation, ControlFlowOp):
            for block in operation.blocks:
                angles.extend(_rzz_angles(block))
    return angles


def _uses_fractional_gates(circuit: QuantumCircuit) -> bool:
    for instruction in circuit.data:
        operation = instruction.operation
        if operation.name in _FRACTIONAL_GATES:
            return True
        if isinstance(operation, ControlFlowOp) and any(map(_uses_fractional_gates, operation.blocks)):
            return True
    return False


def _check_registers(circuit: QuantumCircuit, index: int) -> None:
    for creg in circuit.cregs:
        if creg.size == 0 or not creg.name.isidentifier():
            raise ExecutionError(INCOMPATIBLE, f"PUB {index}: invalid classical register {creg.name!r}.")


def _check_observables(raw: Any, circuit: QuantumCircuit, index: int) -> None:
    try:
        observables = ObservablesArray.coerce(raw)
    except Exception as exc:
        raise _malformed(index, exc) from None
    if observables.size == 0:
        raise ExecutionError(INCOMPATIBLE, f"PUB {index} has no observables.")
    if observables.num_qubits != circuit.num_qubits:
        raise ExecutionError(
            OBSERVABLE_MISMATCH,
            f"The number of qubits of the circuit ({circuit.num_qubits}) does not match the number of "
            f"qubits of the observable ({observables.num_qubits}).",
        )
    for item in flatten_observables(observables.tolist()):
        if any(not _PAULI_LETTERS.issuperset(label) for label in item):
            raise ExecutionError(
                INCOMPATIBLE, f"PUB {index}: observables may only use the letters I, X, Y and Z."
            )


def flatten_observables(value: Any) -> list[dict[str, float]]:
    """`ObservablesArray.tolist()` output as a flat list, in C order."""
    if isinstance(value, dict):
        return [value]
    return [leaf for item in value for leaf in flatten_observables(item)]


def _malformed(index: int, exc: Exception) -> ExecutionError:
    return ExecutionError(INCOMPATIBLE, f"PUB {index} is malformed: {exc}")
