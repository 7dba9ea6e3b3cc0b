"""Simulate a whole-device circuit as its independent qubit components.

The executor's templates span every qubit of the device even for a 2-qubit observable: most
qubits carry only a few single-qubit gates and a measurement. Qubits that share no gate and no
classical bit are independent under the backend's noise model (its errors are local to the
qubits a gate acts on, and readout errors to one qubit), so each connected component is sampled
on its own. A single-qubit component is computed exactly (its density matrix under the same gate
and readout errors `NoiseModel.from_backend` builds) and sampled with numpy, with no Aer run;
wider components go through `simulate.sample`, as the legacy primitives do.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import ControlFlowOp, Parameter, ParameterExpression, QuantumCircuit

from fakeqpu.execution.errors import INCOMPATIBLE, ExecutionError
from fakeqpu.execution.simulation import noise
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.simulate import Experiment, sample

_PASSIVE = frozenset({"barrier", "delay"})


@dataclass(frozen=True)
class Component:
    circuit: QuantumCircuit
    """Compact: qubit i is physical `qubits[i]`, clbit j is the original clbit `clbits[j]`."""
    qubits: tuple[int, ...]
    clbits: tuple[int, ...]
    columns: tuple[int, ...]
    """Of each of `circuit.parameters`, its column in the original circuit's parameters."""


def split(circuit: QuantumCircuit) -> list[Component]:
    """The circuit's connected components over qubits and clbits (whole when it has control flow)."""
    qubit_index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    clbit_index = {clbit: i for i, clbit in enumerate(circuit.clbits)}
    width = circuit.num_qubits
    parent = list(range(width + circuit.num_clbits))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    active: set[int] = set()
    whole = _needs_whole(circuit)
    for instruction in circuit.data:
        if instruction.operation.name in _PASSIVE:
            continue
        nodes = [qubit_index[q] for q in instruction.qubits] + [
            width + clbit_index[c] for c in instruction.clbits
        ]
        active.update(n for n in nodes if n < width)
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
    if whole and active:
        first = min(active)
        for node in [*active, *range(width, width + circuit.num_clbits)]:
            parent[find(node)] = find(first)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for qubit in sorted(active):
        groups.setdefault(find(qubit), ([], []))[0].append(qubit)
    for clbit in range(circuit.num_clbits):
        root = find(width + clbit)
        if root in groups:
            groups[root][1].append(clbit)
    parameter_column = {parameter: i for i, parameter in enumerate(circuit.parameters)}
    if whole:
        return [_whole(circuit, parameter_column)] if active else []
    members = {root: _empty(len(qubits), len(clbits)) for root, (qubits, clbits) in groups.items()}
    qubit_position = {q: i for qubits, _ in groups.values() for i, q in enumerate(qubits)}
    clbit_position = {c: i for _, clbits in groups.values() for i, c in enumerate(clbits)}
    for instruction in circuit.data:
        if instruction.operation.name in _PASSIVE or not instruction.qubits:
            continue
        first = qubit_index[instruction.qubits[0]]
        compact = members[find(first)]
        compact._append(
            instruction.replace(
                qubits=[compact.qubits[qubit_position[qubit_index[q]]] for q in instruction.qubits],
                clbits=[compact.clbits[clbit_position[clbit_index[c]]] for c in instruction.clbits],
            )
        )
    return [
        Component(
            members[root],
            tuple(qubits),
            tuple(clbits),
            tuple(parameter_column[p] for p in members[root].parameters),
        )
        for root, (qubits, clbits) in groups.items()
    ]


def run_components(
    circuit: QuantumCircuit,
    bindings: NDArray[np.float64],
    shots: int,
    backend_name: str,
    seed: int,
) -> NDArray[np.bool_]:
    """Bits of every clbit of `circuit`: bool (N, shots, num_clbits), N = len(bindings)."""
    num_sets = len(bindings)
    out = np.zeros((num_sets, shots, circuit.num_clbits), dtype=bool)
    components = [c for c in split(circuit) if c.clbits]
    rng = np.random.default_rng(np.random.SeedSequence([seed % 2**64, 1]))
    experiments: list[Experiment] = []
    wide: list[Component] = []
    for component in components:
        values = bindings[:, list(component.columns)]
        probabilities = single_qubit_probabilities(component, values, backend_name)
        if probabilities is not None:
            out[:, :, component.clbits[0]] = rng.random((num_sets, shots)) < probabilities[:, None]
            continue
        operations = physical_operations(component.circuit, component.qubits)
        experiments.append(
            Experiment(
                circuit=component.circuit,
                bindings=values.reshape(num_sets, len(component.columns)),
                simulator=noise.simulator(backend_name, component.qubits, operations),
                noise_key=(component.qubits, operations),
                shots=shots,
            )
        )
        wide.append(component)
    for component, bits in zip(wide, sample(experiments, seed), strict=True):
        out[:, :, list(component.clbits)] = bits
    return out


def single_qubit_probabilities(
    component: Component, values: NDArray[np.float64], backend_name: str
) -> NDArray[np.float64] | None:
    """P(read 1) per parameter set for a one-qubit, one-final-measurement component, else None."""
    circuit = component.circuit
    if len(component.qubits) != 1 or len(component.clbits) != 1:
        return None
    gates = list(circuit.data)
    if not gates or gates[-1].operation.name != "measure":
        return None
    if any(
        g.operation.name == "measure" or g.operation.num_clbits or g.operation.name == "reset"
        for g in gates[:-1]
    ):
        return None
    operations = physical_operations(circuit, component.qubits)
    errors, readout = noise.single_qubit_channels(backend_name, component.qubits[0], operations)
    column = {parameter: i for i, parameter in enumerate(circuit.parameters)}
    rho = np.zeros((len(values), 2, 2), dtype=complex)
    rho[:, 0, 0] = 1.0
    for instruction in gates[:-1]:
        operation = instruction.operation
        unitary = _unitaries(operation, values, column)
        if unitary is None:
            return None
        rho = unitary @ rho @ np.conj(np.swapaxes(unitary, -1, -2))
        kraus = errors.get(operation.name)
        if kraus is not None:
            rho = sum(k @ rho @ k.conj().T for k in kraus)
    measure_kraus = errors.get("measure")
    if measure_kraus is not None:
        rho = sum(k @ rho @ k.conj().T for k in measure_kraus)
    p1 = np.clip(rho[:, 1, 1].real, 0.0, 1.0)
    result: NDArray[np.float64] = p1 * readout[1, 1] + (1.0 - p1) * readout[0, 1]
    return result


def _unitaries(operation: Any, values: NDArray[np.float64], column: dict[Parameter, int]) -> Any:
    """The gate's matrix, (2, 2) when fixed or (N, 2, 2) over the parameter sets; None if not a gate."""
    if isinstance(operation, ControlFlowOp) or operation.num_qubits != 1:
        return None
    params = operation.params
    if not any(isinstance(p, ParameterExpression) for p in params):
        return _matrix(operation.base_class, operation.name, tuple(float(p) for p in params), operation)
    numeric = np.empty((len(values), len(params)))
    for i, param in enumerate(params):
        numeric[:, i] = _evaluate(param, values, column)
    unique, inverse = np.unique(numeric, axis=0, return_inverse=True)
    matrices = np.stack(
        [_matrix(operation.base_class, operation.name, tuple(row), operation) for row in unique.tolist()]
    )
    return matrices[inverse.reshape(-1)]


def _evaluate(param: Any, values: NDArray[np.float64], column: dict[Parameter, int]) -> NDArray[np.float64]:
    if not isinstance(param, ParameterExpression):
        return np.full(len(values), float(param))
    if isinstance(param, Parameter):
        return values[:, column[param]]
    out = np.empty(len(values))
    for row in range(len(values)):
        bound = param.bind({p: float(values[row, column[p]]) for p in param.parameters})
        out[row] = float(bound)
    return out


@functools.lru_cache(maxsize=4096)
def _matrix_cached(base_class: type, params: tuple[float, ...]) -> NDArray[np.complex128]:
    matrix: NDArray[np.complex128] = np.asarray(base_class(*params).to_matrix(), dtype=complex)
    return matrix


def _matrix(base_class: type, name: str, params: tuple[float, ...], operation: Any) -> NDArray[np.complex128]:
    try:
        return _matrix_cached(base_class, params)
    except Exception:
        try:
            return np.asarray(operation.to_matrix(), dtype=complex)
        except Exception as exc:
            raise ExecutionError(INCOMPATIBLE, f"fakeqpu cannot simulate the gate {name}: {exc}") from None


def _needs_whole(circuit: QuantumCircuit) -> bool:
    if any(True for _ in circuit.iter_vars()):
        return True
    return any(isinstance(instruction.operation, ControlFlowOp) for instruction in circuit.data)


def _empty(num_qubits: int, num_clbits: int) -> QuantumCircuit:
    return QuantumCircuit(num_qubits, num_clbits)


def _whole(circuit: QuantumCircuit, column: dict[Parameter, int]) -> Component:
    compact, kept = cut(circuit)
    return Component(
        compact,
        kept,
        tuple(range(circuit.num_clbits)),
        tuple(column[p] for p in compact.parameters),
    )
