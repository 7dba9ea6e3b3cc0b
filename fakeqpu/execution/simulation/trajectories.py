"""Noise trajectories drawn up front: K noiseless circuits that together sample a Pauli noise model.

A Pauli-twirled gate error is a random Pauli applied after the gate. Drawing every gate's Pauli
once gives one trajectory: a noiseless circuit whose final state Aer computes once and samples
many shots from (measurement sampling), where Aer's own noise model would redo the whole circuit
shot by shot. Each shot's distribution is exactly the noise model's; shots of one trajectory share
its gate errors, so K trajectories sample the noise with K draws instead of one per shot.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import CircuitInstruction, Parameter, QuantumCircuit
from qiskit.circuit.library import RXGate, RZGate, XGate, YGate, ZGate

_PAULI_GATES = {"X": XGate(), "Y": YGate(), "Z": ZGate()}


def noisy_circuits(
    circuit: QuantumCircuit,
    channels: dict[tuple[str, tuple[int, ...]], tuple[list[str], Any]],
    count: int,
    rng: np.random.Generator,
) -> list[QuantumCircuit]:
    """`count` copies of `circuit`, each with Paulis drawn from `channels` inserted after its gates."""
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    noisy: list[tuple[int, list[str], Any]] = []  # (instruction position, labels, cumulative probabilities)
    for position, instruction in enumerate(circuit.data):
        key = (instruction.operation.name, tuple(index[q] for q in instruction.qubits))
        channel = channels.get(key)
        if channel is not None:
            noisy.append((position, *channel))
    out = []
    for _ in range(count):
        draws = rng.random(len(noisy))
        inserted: dict[int, list[CircuitInstruction]] = {}
        for (position, labels, cumulative), draw in zip(noisy, draws, strict=True):
            if draw < cumulative[0]:
                continue  # the identity, by far the likeliest
            label = labels[min(int(np.searchsorted(cumulative, draw, side="right")), len(labels) - 1)]
            qubits = circuit.data[position].qubits
            inserted[position] = [
                CircuitInstruction(_PAULI_GATES[letter], (qubits[j],))
                for j, letter in enumerate(reversed(label))  # label letters: the last qarg leftmost
                if letter != "I"
            ]
        out.append(_with_insertions(circuit, inserted))
    return out


def _with_insertions(
    circuit: QuantumCircuit, inserted: dict[int, list[CircuitInstruction]]
) -> QuantumCircuit:
    out = circuit.copy_empty_like()
    for position, instruction in enumerate(circuit.data):
        out._append(instruction)
        for extra in inserted.get(position, ()):
            out._append(extra)
    return out


def noisy_template(
    circuit: QuantumCircuit,
    channels: dict[tuple[str, tuple[int, ...]], tuple[list[str], Any]],
    count: int,
    rng: np.random.Generator,
) -> tuple[QuantumCircuit, list[Parameter], NDArray[np.float64]]:
    """One circuit for `count` trajectories: after each gate where some trajectory drew a Pauli,
    rz(a)·rx(b) on each of its qubits, with (a, b) ∈ {0, π}² per trajectory (Z, X, Y up to phase).

    Returns the circuit, its new parameters and their values, (count, len(parameters)): Aer runs
    the trajectories as parameter binds of one circuit, converting it once."""
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    inserted: dict[int, list[CircuitInstruction]] = {}
    columns: list[NDArray[np.float64]] = []
    parameters: list[Parameter] = []
    for position, instruction in enumerate(circuit.data):
        key = (instruction.operation.name, tuple(index[q] for q in instruction.qubits))
        channel = channels.get(key)
        if channel is None:
            continue
        labels, cumulative = channel
        draws = rng.random(count)
        if not (draws >= cumulative[0]).any():
            continue
        picks = np.minimum(np.searchsorted(cumulative, draws, side="right"), len(labels) - 1)
        picks[draws < cumulative[0]] = 0
        extra = []
        for j, qubit in enumerate(instruction.qubits):
            letters = np.array([labels[pick][len(labels[pick]) - 1 - j] for pick in picks])
            if (letters == "I").all():
                continue
            z_angle = Parameter(f"_fakeqpu_z{len(parameters)}")
            x_angle = Parameter(f"_fakeqpu_x{len(parameters)}")
            parameters += [z_angle, x_angle]
            columns.append(np.where((letters == "Z") | (letters == "Y"), math.pi, 0.0))
            columns.append(np.where((letters == "X") | (letters == "Y"), math.pi, 0.0))
            extra += [
                CircuitInstruction(RZGate(z_angle), (qubit,)),
                CircuitInstruction(RXGate(x_angle), (qubit,)),
            ]
        if extra:
            inserted[position] = extra
    values = np.stack(columns, axis=1) if columns else np.zeros((count, 0))
    return _with_insertions(circuit, inserted), parameters, values


def relabelled(circuit: QuantumCircuit, order: tuple[int, ...]) -> QuantumCircuit:
    """The circuit with qubit q moved to position `order[q]` (clbits untouched, so results read the same)."""
    out = circuit.copy_empty_like()
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    qubits = out.qubits
    for instruction in circuit.data:
        out._append(instruction.replace(qubits=[qubits[order[index[q]]] for q in instruction.qubits]))
    return out
