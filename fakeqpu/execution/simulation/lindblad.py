"""Sparse Pauli-Lindblad models of a layer's noise, in closed form from the backend's calibration.

What a noise learner reports: generators (every one-body Pauli on each qubit of the layer, every
two-body Pauli on each coupled pair) and their rates, such that the layer's Pauli-twirled noise is
`exp(sum_k r_k D[P_k])`. The twirled channel of each gate is the one the simulation applies
(`twirl.pauli_fidelities`: depolarizing sized to the calibrated gate error, composed with T1/T2
relaxation for the gate's duration); its Pauli fidelities `f_Q = exp(-2 sum_{P anticommuting Q} r_P)`
give the rates of its support exactly, by one linear solve. Channels of different gates compose by
adding rates. Qubits of the layer that no gate touches relax for the layer's duration. Readout
noise (TREX) is one X generator per qubit, its rate `-ln(1 - 2p) / 2` for the assignment error p.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray
from qiskit.quantum_info import pauli_basis
from qiskit.transpiler import Target

from fakeqpu.execution.simulation.twirl import pauli_fidelities

Generator = tuple[tuple[int, str], ...]
"""(position in the layer, 'X' | 'Y' | 'Z') per qubit the generator acts on, positions ascending."""


@dataclass(frozen=True)
class LindbladModel:
    qubits: tuple[int, ...]
    """Physical qubits of the layer; generators index them by position."""
    generators: tuple[Generator, ...]
    rates: NDArray[np.float64]


def layer_model(
    target: Target, qubits: Sequence[int], gates: Iterable[tuple[str, tuple[int, ...]]]
) -> LindbladModel:
    """The model of the layer that runs `gates` (name, physical qargs) on `qubits`."""
    qubits = tuple(sorted(set(qubits)))
    position = {qubit: i for i, qubit in enumerate(qubits)}
    rates: dict[Generator, float] = {}
    for generator in _generators(target, qubits):
        rates[generator] = 0.0
    touched: set[int] = set()
    layer_duration = 0.0
    for name, qargs in gates:
        props = target[name].get(qargs) if name in target.operation_names else None
        if props is None:
            continue
        duration = props.duration or 0.0
        layer_duration = max(layer_duration, duration)
        touched.update(qargs)
        fidelities = pauli_fidelities(target, qargs, duration, props.error)
        _add(rates, _support_rates(fidelities, len(qargs)), tuple(position[q] for q in qargs))
    for qubit in qubits:
        if qubit not in touched and layer_duration:
            fidelities = pauli_fidelities(target, (qubit,), layer_duration, None)
            _add(rates, _support_rates(fidelities, 1), (position[qubit],))
    generators = tuple(rates)
    return LindbladModel(qubits, generators, np.array([rates[g] for g in generators], dtype=float))


def readout_model(target: Target, qubits: Sequence[int]) -> LindbladModel:
    """One X generator per qubit, the rate of a bit flip with the measurement's assignment error."""
    qubits = tuple(sorted(set(qubits)))
    rates = []
    for qubit in qubits:
        props = target["measure"].get((qubit,)) if "measure" in target.operation_names else None
        error = min(float(props.error or 0.0), 0.499) if props is not None else 0.0
        rates.append(-0.5 * math.log(1 - 2 * error))
    generators = tuple(((i, "X"),) for i in range(len(qubits)))
    return LindbladModel(qubits, generators, np.array(rates, dtype=float))


def _generators(target: Target, qubits: tuple[int, ...]) -> list[Generator]:
    position = {qubit: i for i, qubit in enumerate(qubits)}
    out: list[Generator] = [((i, p),) for i in range(len(qubits)) for p in "XYZ"]
    pairs = sorted(
        {
            tuple(sorted(position[q] for q in qargs))
            for qargs in target.build_coupling_map().get_edges()
            if all(q in position for q in qargs)
        }
        if target.build_coupling_map() is not None
        else set()
    )
    out.extend(((a, pa), (b, pb)) for a, b in pairs for pa in "XYZ" for pb in "XYZ")
    return out


def _add(rates: dict[Generator, float], support: dict[str, float], positions: tuple[int, ...]) -> None:
    for label, rate in support.items():
        # qiskit labels put the last qarg leftmost
        generator = tuple(
            sorted(
                (positions[k], label[len(positions) - 1 - k])
                for k in range(len(positions))
                if label[len(positions) - 1 - k] != "I"
            )
        )
        rates[generator] = rates.get(generator, 0.0) + rate


def _support_rates(fidelities: NDArray[np.float64] | None, num_qubits: int) -> dict[str, float]:
    """Rates of every non-identity Pauli on `num_qubits` qubits from the twirled channel's fidelities."""
    labels, anticommute = _anticommutation(num_qubits)
    if fidelities is None:
        return dict.fromkeys(labels, 0.0)
    logs = -0.5 * np.log(np.clip(fidelities[1:], 1e-12, None))
    solved = np.linalg.solve(anticommute, logs)
    return {label: float(rate) for label, rate in zip(labels, solved, strict=True)}


@cache
def _anticommutation(num_qubits: int) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    paulis = pauli_basis(num_qubits)[1:]
    matrix = np.array([~paulis.commutes(pauli) for pauli in paulis], dtype=float)
    return tuple(paulis.to_labels()), matrix
