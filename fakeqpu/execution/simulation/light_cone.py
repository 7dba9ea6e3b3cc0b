"""The backward light cone of an observable: the only gates that can change its expectation value.

Walking the circuit from its end, a gate matters when it touches a qubit already in the cone, and
then all its qubits join the cone. A gate outside the cone commutes past the observable and cancels
(U† O U = O for U on other qubits); the device's noise is local to the qubits of each gate, so its
errors outside the cone cancel as well.
"""

from __future__ import annotations

from collections.abc import Iterable

from qiskit.circuit import QuantumCircuit

Ops = list[tuple[int, ...]]
"""The qubit indices of each instruction of a circuit, in order (barriers as empty tuples)."""

_IGNORED = frozenset({"barrier"})


def operations_of(circuit: QuantumCircuit) -> Ops:
    index = {qubit: position for position, qubit in enumerate(circuit.qubits)}
    return [
        () if instruction.operation.name in _IGNORED else tuple(index[q] for q in instruction.qubits)
        for instruction in circuit.data
    ]


def cone(ops: Ops, support: Iterable[int], stop_above: int | None = None) -> set[int]:
    """The qubits of the backward light cone of `support`; once it has more than `stop_above`, a
    part of it that is already that large."""
    reach = set(support)
    for qubits in reversed(ops):
        if len(qubits) > 1 and not reach.isdisjoint(qubits):
            reach.update(qubits)
            if stop_above is not None and len(reach) > stop_above:
                break
    return reach


def cone_positions(ops: Ops, support: Iterable[int]) -> tuple[list[int], set[int]]:
    """Positions (ascending) of the instructions in the backward light cone of `support`; its qubits."""
    reach = set(support)
    kept: list[int] = []
    for position in range(len(ops) - 1, -1, -1):
        qubits = ops[position]
        if qubits and not reach.isdisjoint(qubits):
            reach.update(qubits)
            kept.append(position)
    kept.reverse()
    return kept, reach


def light_cone(
    circuit: QuantumCircuit, support: Iterable[int], ops: Ops | None = None
) -> tuple[QuantumCircuit, tuple[int, ...]]:
    """The circuit reduced to the backward light cone of `support` (qubit indices of `circuit`).

    Returns the reduced circuit on its own qubits 0..k-1 and, for each, its index in `circuit`
    (sorted, so an observable's qubit order is kept). Parameters are the original objects.
    """
    ops = operations_of(circuit) if ops is None else ops
    kept, reach = cone_positions(ops, support)
    qubits_of_cone = tuple(sorted(reach))
    compact = {qubit: i for i, qubit in enumerate(qubits_of_cone)}
    out = QuantumCircuit(len(qubits_of_cone), global_phase=circuit.global_phase)
    data = circuit.data
    for position in kept:
        instruction = data[position]
        out._append(instruction.replace(qubits=[out.qubits[compact[q]] for q in ops[position]], clbits=[]))
    out.metadata = circuit.metadata
    return out, qubits_of_cone
