"""Pauli-twirled device gate errors, in closed form.

The same channels `qiskit_aer.noise.device.basic_device_gate_errors` builds (a depolarizing error
composed with T1/T2 relaxation for the gate's duration, the depolarizing part sized so that the
average gate error matches the calibration), Pauli-twirled. Twirling keeps the diagonal of the
Pauli transfer matrix; a depolarizing channel is already Pauli, so the twirl of the composition is
depolarizing ∘ twirled relaxation, and relaxation twirls qubit by qubit. Converting Aer's errors
numerically costs ~0.1 s per two-qubit gate; this costs microseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import Gate
from qiskit.quantum_info import pauli_basis
from qiskit.transpiler import Target
from qiskit_aer.noise import QuantumError, pauli_error

# Pauli transfer matrix diagonal (I, X, Y, Z) -> Pauli probabilities, for one qubit.
_TO_PROBABILITIES: NDArray[np.float64] = (
    np.array([[1, 1, 1, 1], [1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]]) / 4
)


def twirled_gate_errors(target: Target) -> Iterator[tuple[str, tuple[int, ...], QuantumError]]:
    """(name, qargs, Pauli error) for every instruction of `target` with a gate error or duration."""
    for name, qargs, fidelities in twirled_fidelities(target):
        yield name, qargs, _pauli_channel(fidelities, len(qargs))


def twirled_fidelities(target: Target) -> Iterator[tuple[str, tuple[int, ...], NDArray[np.float64]]]:
    """(name, qargs, Pauli fidelities) of every instruction of `target` with a gate error or duration."""
    for name in target.operation_names:
        operation = target.operation_from_name(name)
        if name == "measure" or isinstance(operation, type) or target[name] is None:
            continue
        for qargs, props in target[name].items():
            if props is None or qargs is None:
                continue
            error = None if not isinstance(operation, Gate) else props.error
            fidelities = pauli_fidelities(target, qargs, props.duration, error)
            if fidelities is not None:
                yield name, qargs, fidelities


def pauli_fidelities(
    target: Target, qargs: tuple[int, ...], duration: float | None, error: float | None
) -> NDArray[np.float64] | None:
    """The twirled channel's Pauli transfer matrix diagonal, in `pauli_basis` order."""
    relaxation: NDArray[np.float64] = np.ones(1)
    for qubit in reversed(qargs):  # pauli_basis labels put the last qubit leftmost
        relaxation = _kron(relaxation, _relaxation_fidelities(target, qubit, duration))
    dim = 2 ** len(qargs)
    relax_infidelity = 1 - (relaxation.sum() / dim + 1) / (dim + 1)
    if not error or error <= relax_infidelity:
        return None if duration is None or duration == 0 else relaxation
    error = min(error, dim / (dim + 1))
    relax_fidelity = 1 - relax_infidelity
    depolarizing = dim * (error - relax_infidelity) / (dim * relax_fidelity - 1)
    depolarizing = min(depolarizing, 4 ** len(qargs) / (4 ** len(qargs) - 1))
    fidelities: NDArray[np.float64] = relaxation * (1 - depolarizing)
    fidelities[0] = 1.0
    return fidelities


def _relaxation_fidelities(target: Target, qubit: int, duration: float | None) -> NDArray[np.float64]:
    properties = target.qubit_properties[qubit] if target.qubit_properties else None
    t1: float | None = getattr(properties, "t1", None)
    t2: float | None = getattr(properties, "t2", None)
    if not duration or (t1 is None and t2 is None):
        return np.ones(4)
    if t1 is not None:
        t2 = 2 * t1 if t2 is None else min(t2, 2 * t1)  # Aer truncates T2 to its physical bound
    coherence = math.exp(-duration / t2) if t2 else 0.0
    population = 1.0 if t1 is None else (math.exp(-duration / t1) if t1 else 0.0)
    return np.array([1.0, coherence, coherence, population])


def _pauli_channel(fidelities: NDArray[np.float64], num_qubits: int) -> QuantumError:
    labels, probabilities = pauli_probabilities(fidelities, num_qubits)
    return pauli_error([(label, float(p)) for label, p in zip(labels, probabilities, strict=True) if p > 0])


def pauli_probabilities(
    fidelities: NDArray[np.float64], num_qubits: int
) -> tuple[list[str], NDArray[np.float64]]:
    """The Pauli channel of these fidelities: its labels (`pauli_basis` order, identity first) and
    the probability of each."""
    transform: NDArray[np.float64] = np.ones((1, 1))
    for _ in range(num_qubits):
        transform = _kron(transform, _TO_PROBABILITIES)
    probabilities = np.clip(transform @ fidelities, 0.0, None)
    probabilities /= probabilities.sum()
    return pauli_basis(num_qubits).to_labels(), probabilities


def _kron(left: NDArray[np.float64], right: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(np.kron(left, right), dtype=np.float64)
