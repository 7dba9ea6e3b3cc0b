"""Simulate a whole-device circuit as its independent qubit components.

The executor's templates span every qubit of the device even for a 2-qubit observable: most
qubits carry only a few single-qubit gates and a measurement. Qubits that share no gate and no
classical bit are independent under the backend's noise model (its errors are local to the
qubits a gate acts on, and readout errors to one qubit), so each connected component is sampled
on its own. A single-qubit component is computed exactly (its density matrix under the same gate
and readout errors `NoiseModel.from_backend` builds) and sampled with numpy, with no Aer run;
wider components get the method of `randomized.py` that fits the job's budget: Aer's exact
density matrix per parameter set, as the legacy primitives, or all parameter sets together as
Pauli trajectories.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import ControlFlowOp, Parameter, QuantumCircuit

from fakeqpu.execution.simulation import noise, plan
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.gate_matrices import gate_matrices
from fakeqpu.execution.simulation.randomized import (
    AER,
    DENSITY_MATRIX,
    PAULI_TRAJECTORIES,
    STATEVECTOR,
    Choice,
    WideComponent,
)
from fakeqpu.execution.simulation.simulate import Experiment, sample

SINGLE_QUBIT_EXACT = "single_qubit_exact"

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


@dataclass
class ItemSimulation:
    """One template bound to N parameter sets, split into components, before any is simulated."""

    circuit: QuantumCircuit
    bindings: NDArray[np.float64]
    shots: int
    backend_name: str
    single: list[tuple[Component, NDArray[np.float64]]]
    """One-qubit components, with P(read 1) per parameter set."""
    wide: list[tuple[Component, WideComponent]]

    @property
    def exact_seconds(self) -> float:
        """Predicted seconds of the exact methods (the one-qubit components cost next to nothing)."""
        return sum(wide.exact_seconds for _, wide in self.wide)


def prepare_components(
    circuit: QuantumCircuit, bindings: NDArray[np.float64], shots: int, backend_name: str
) -> ItemSimulation:
    num_sets = len(bindings)
    single: list[tuple[Component, NDArray[np.float64]]] = []
    wide: list[tuple[Component, WideComponent]] = []
    for component in (c for c in split(circuit) if c.clbits):
        values = bindings[:, list(component.columns)].reshape(num_sets, len(component.columns))
        probabilities = single_qubit_probabilities(component, values, backend_name)
        if probabilities is not None:
            single.append((component, probabilities))
            continue
        operations = physical_operations(component.circuit, component.qubits)
        wide.append(
            (
                component,
                WideComponent.build(
                    component.circuit, component.qubits, operations, values, shots, backend_name
                ),
            )
        )
    return ItemSimulation(circuit, bindings, shots, backend_name, single, wide)


def run_components(
    item: ItemSimulation, seed: int, budget_seconds: float | None = None, where: str = ""
) -> NDArray[np.bool_]:
    """Bits of every clbit of the item's circuit: bool (N, shots, num_clbits), N = len(bindings).

    Each multi-qubit component gets the share of `budget_seconds` (default: the job's whole budget)
    its exact simulation is predicted to take; what ran is reported to `plan` as one report.
    """
    started = time.perf_counter()
    budget = plan.policy().budget_seconds if budget_seconds is None else budget_seconds
    num_sets, shots = len(item.bindings), item.shots
    out = np.zeros((num_sets, shots, item.circuit.num_clbits), dtype=bool)
    rng = np.random.default_rng(np.random.SeedSequence([seed % 2**64, 1]))
    for component, probabilities in item.single:
        out[:, :, component.clbits[0]] = rng.random((num_sets, shots)) < probabilities[:, None]
    weights = [max(wide.exact_seconds, 1e-6) for _, wide in item.wide]
    choices = [
        wide.choose(budget * weight / sum(weights), where)
        for (_, wide), weight in zip(item.wide, weights, strict=True)
    ]
    experiments: list[Experiment] = []
    on_aer: list[Component] = []
    for index, ((component, wide), choice) in enumerate(zip(item.wide, choices, strict=True)):
        if choice.trajectories:
            component_seed = int(np.random.SeedSequence([seed % 2**64, 3, index]).generate_state(1)[0])
            out[:, :, list(component.clbits)] = wide.run_trajectories(choice, component_seed)
            continue
        experiments.append(
            Experiment(
                circuit=component.circuit,
                bindings=wide.values,
                simulator=wide.aer_simulator(),
                noise_key=(component.qubits, wide.operations),
                shots=shots,
            )
        )
        on_aer.append(component)
    with plan.simulating(plan.policy()) as sampled:  # the sampling ladder's reports, folded into this one
        sampled_bits = sample(experiments, seed)
    for component, bits in zip(on_aer, sampled_bits, strict=True):
        out[:, :, list(component.clbits)] = bits
    plan.report(plan.with_sampling(_report(item, choices, where, time.perf_counter() - started), sampled))
    return out


def _report(item: ItemSimulation, choices: list[Choice], where: str, seconds: float) -> plan.MethodReport:
    methods = [SINGLE_QUBIT_EXACT] * len(item.single) + [choice.method for choice in choices]
    order = [SINGLE_QUBIT_EXACT, STATEVECTOR, DENSITY_MATRIX, AER, PAULI_TRAJECTORIES]
    method = max(methods, key=order.index) if methods else SINGLE_QUBIT_EXACT
    details: dict[str, float | int | str] = {
        "parameter_sets": len(item.bindings),
        "shots": item.shots,
        "components": len(methods),
        "methods": ", ".join(f"{name}×{methods.count(name)}" for name in order if name in methods),
    }
    sampled = [choice.trajectories for choice in choices if choice.method == PAULI_TRAJECTORIES]
    if sampled:
        details["trajectories"] = min(sampled)
        details["noise"] = "Pauli-twirled gate errors, exact readout"
    widths = [len(component.qubits) for component, _ in item.single]
    widths += [len(component.qubits) for component, _ in item.wide]
    return plan.MethodReport(
        method=method,
        exact=all(choice.exact for choice in choices),
        qubits=max(widths, default=0),
        predicted_seconds=sum(choice.predicted_seconds for choice in choices),
        seconds=seconds,
        where=where,
        details=details,
    )


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
    return gate_matrices(operation, values, column)


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
