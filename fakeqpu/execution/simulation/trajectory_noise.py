"""The device noise of one component as Pauli channels, for Pauli-trajectory simulation.

Each gate's error is the Pauli twirl of the error `NoiseModel.from_backend` gives it (depolarizing
composed with T1/T2 relaxation for the gate's duration, `twirl.pauli_fidelities`): what gate
twirling makes of it on hardware, and a channel a trajectory samples as one Pauli per gate. The
relaxation during a measurement becomes a bit flip before readout; readout errors stay exact
(the asymmetric assignment matrix of each qubit).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import Gate
from qiskit_aer.noise.device import basic_device_readout_errors

from fakeqpu.execution.simulation import noise
from fakeqpu.execution.simulation.cutting import Operation
from fakeqpu.execution.simulation.twirl import pauli_fidelities

# Pauli transfer matrix diagonal (I, X, Y, Z) -> Pauli probabilities, for one qubit.
_TO_PROBABILITIES: NDArray[np.float64] = (
    np.array([[1, 1, 1, 1], [1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]]) / 4
)


@dataclass(frozen=True)
class ComponentNoise:
    channels: dict[Operation, NDArray[np.float64]]
    """Per (name, compact qargs): Pauli probabilities, index = Σ 4**k · pauli(qargs[k]), I X Y Z = 0 1 2 3.
    Only channels with an error are listed."""
    read_one: NDArray[np.float64]
    """(num_qubits, 2): P(read 1 | qubit in 0), P(read 1 | qubit in 1), relaxation in measuring included."""


@functools.lru_cache(maxsize=256)
def component_noise(
    backend_name: str, qubits: tuple[int, ...], operations: frozenset[Operation]
) -> ComponentNoise:
    """The noise of `operations` (physical qargs) on `qubits`, renumbered to their positions."""
    target = noise.backend_target(backend_name)
    position = {physical: i for i, physical in enumerate(qubits)}
    channels: dict[Operation, NDArray[np.float64]] = {}
    for name, qargs in sorted(operations):
        if name not in target.operation_names or target[name] is None:
            continue
        props = target[name].get(qargs)
        if props is None or name == "measure":
            continue
        error = props.error if isinstance(target.operation_from_name(name), Gate) else None
        fidelities = pauli_fidelities(target, qargs, props.duration, error)
        if fidelities is not None:
            probabilities = _probabilities(fidelities, len(qargs))
            if probabilities[0] < 1.0:
                channels[(name, tuple(position[q] for q in qargs))] = probabilities
    read_one = np.tile([0.0, 1.0], (len(qubits), 1))
    compact = noise.compact_target(target, qubits, frozenset())
    for qargs, readout in basic_device_readout_errors(target=compact):
        matrix = np.asarray(readout.probabilities, dtype=float)
        read_one[qargs[0]] = matrix[:, 1]
    for i, physical in enumerate(qubits):
        props = target["measure"].get((physical,)) if "measure" in target.operation_names else None
        fidelities = pauli_fidelities(target, (physical,), getattr(props, "duration", None), None)
        if fidelities is not None:
            flip = float(_probabilities(fidelities, 1)[1:3].sum())
            read_one[i] = (1 - flip) * read_one[i] + flip * read_one[i, ::-1]
    return ComponentNoise(channels, read_one)


def _probabilities(fidelities: NDArray[np.float64], num_qubits: int) -> NDArray[np.float64]:
    transform: NDArray[np.float64] = np.ones((1, 1))
    for _ in range(num_qubits):
        transform = np.asarray(np.kron(transform, _TO_PROBABILITIES), dtype=np.float64)
    probabilities = np.clip(transform @ fidelities, 0.0, None)
    out: NDArray[np.float64] = probabilities / probabilities.sum()
    return out
