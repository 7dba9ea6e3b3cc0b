"""Cut an ISA circuit down to the physical qubits it acts on, renumbered 0..k-1.

A transpiled circuit spans the whole device (133 qubits on Heron), but only the qubits an
instruction touches can change the measured distribution; the rest sit in |0> untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from qiskit.circuit import ControlFlowOp, QuantumCircuit, QuantumRegister, Qubit

Operation = tuple[str, tuple[int, ...]]
"""An instruction name and the physical qubits it acts on, as the target keys them."""

# Instructions that leave an otherwise idle qubit's state alone.
_PASSIVE = frozenset({"barrier", "delay"})


def active_qubits(circuit: QuantumCircuit) -> set[int]:
    index = _qubit_index(circuit)
    return {
        index[qubit]
        for instruction in circuit.data
        if instruction.operation.name not in _PASSIVE
        for qubit in instruction.qubits
    }


def cut(circuit: QuantumCircuit, keep: Iterable[int] = ()) -> tuple[QuantumCircuit, tuple[int, ...]]:
    """The circuit on its active qubits (plus `keep`), and the physical qubit of each new qubit.

    Classical bits, registers, variables, parameters and the global phase are the original
    objects, so results read back by register exactly as from the original circuit.
    """
    qubits = tuple(sorted(active_qubits(circuit).union(keep)))
    compact = {physical: position for position, physical in enumerate(qubits)}
    out = QuantumCircuit(QuantumRegister(len(qubits), "q"), global_phase=circuit.global_phase)
    out.add_bits(circuit.clbits)
    for creg in circuit.cregs:
        out.add_register(creg)
    for var in circuit.iter_input_vars():
        out.add_input(var)
    for var in circuit.iter_captured_vars():
        out.add_capture(var)
    for var in circuit.iter_declared_vars():
        out.add_uninitialized_var(var)
    new_qubits = out.qubits
    index = _qubit_index(circuit)
    for instruction in circuit.data:
        if instruction.operation.name == "barrier":
            continue
        physical = [index[qubit] for qubit in instruction.qubits]
        if not all(p in compact for p in physical):
            continue  # a delay on an idle qubit
        out._append(instruction.replace(qubits=[new_qubits[compact[p]] for p in physical]))
    out.metadata = circuit.metadata
    return out, qubits


def physical_operations(circuit: QuantumCircuit, qubits: tuple[int, ...]) -> frozenset[Operation]:
    """Every (name, physical qargs) the compact circuit executes, inside control flow too."""
    index = _qubit_index(circuit)
    return frozenset(_walk(circuit, {qubit: qubits[index[qubit]] for qubit in circuit.qubits}))


def _walk(circuit: QuantumCircuit, physical: Mapping[Qubit, int]) -> Iterator[Operation]:
    for instruction in circuit.data:
        operation = instruction.operation
        if isinstance(operation, ControlFlowOp):
            for block in operation.blocks:
                inner = {
                    inner_qubit: physical[outer_qubit]
                    for outer_qubit, inner_qubit in zip(instruction.qubits, block.qubits, strict=True)
                }
                yield from _walk(block, inner)
        elif operation.name != "barrier":
            yield operation.name, tuple(physical[qubit] for qubit in instruction.qubits)


def _qubit_index(circuit: QuantumCircuit) -> dict[Qubit, int]:
    return {qubit: position for position, qubit in enumerate(circuit.qubits)}
