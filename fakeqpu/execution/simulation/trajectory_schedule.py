"""The schedule of a template for batched Pauli trajectories, compiled once for all its parameter sets.

Single-qubit gates and the Pauli errors between them fold into one 2×2 matrix per trajectory (a
segment), applied to the state only before the next two-qubit layer touches the qubit, up to
`FUSE_WIDTH` neighbouring qubits in one pass; the fixed diagonal two-qubit gates of a layer (CZ)
multiply the state once. Measurements must be terminal. Nothing here depends on the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import ControlFlowOp, QuantumCircuit

from fakeqpu.execution.simulation.gate_matrices import gate_matrices, supported
from fakeqpu.execution.simulation.trajectory_noise import ComponentNoise

MAX_QUBITS = 20
"""Widest component simulated this way (one statevector per trajectory)."""
FUSE_WIDTH = 4
"""Neighbouring qubits whose pending 2×2 matrices are applied in one pass (as a Kronecker product)."""
_PASSIVE = frozenset({"barrier", "delay"})

Step = tuple[int, int, int]
"""In a segment: (0, gate index, 0) a gate, (1, site index, k) the Pauli of site's k-th qubit."""


@dataclass(frozen=True)
class Fused:
    start: int
    segments: tuple[int, ...]
    """Segment of qubit `start + i` (or -1: identity), applied together."""


@dataclass(frozen=True)
class Diagonal:
    diagonal: NDArray[np.complex128]


@dataclass(frozen=True)
class TwoQubit:
    gate: int
    qubits: tuple[int, int]


@dataclass
class Schedule:
    num_qubits: int
    num_clbits: int
    gates: list[tuple[Any, tuple[int, ...]]] = field(default_factory=list)
    sites: list[NDArray[np.float64]] = field(default_factory=list)
    """Cumulative Pauli probabilities of each noise location, in time order."""
    segments: list[list[Step]] = field(default_factory=list)
    ops: list[Fused | Diagonal | TwoQubit] = field(default_factory=list)
    measures: list[tuple[int, int]] = field(default_factory=list)
    """(qubit, clbit) of each terminal measurement."""

    @property
    def noiseless(self) -> bool:
        return not self.sites

    def passes(self) -> float:
        """State passes, a fused pass of w qubits weighted as it costs."""
        return sum(1.0 + 0.15 * len(op.segments) if isinstance(op, Fused) else 1.0 for op in self.ops)

    def products(self) -> int:
        return sum(len(segment) for segment in self.segments)


def compile_schedule(circuit: QuantumCircuit, component_noise: ComponentNoise) -> Schedule | None:
    """The schedule of a compact component circuit, or None when it is not a terminal-measurement
    circuit of one- and two-qubit gates."""
    n = circuit.num_qubits
    if n > MAX_QUBITS or any(True for _ in circuit.iter_vars()):
        return None
    builder = _Builder(Schedule(n, circuit.num_clbits), component_noise)
    qubit_index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    clbit_index = {clbit: i for i, clbit in enumerate(circuit.clbits)}
    measured: set[int] = set()
    written: set[int] = set()
    for instruction in circuit.data:
        operation = instruction.operation
        name = operation.name
        if name in _PASSIVE:
            continue
        qubits = tuple(qubit_index[q] for q in instruction.qubits)
        if isinstance(operation, ControlFlowOp) or getattr(operation, "condition", None) is not None:
            return None
        if any(q in measured for q in qubits):
            return None
        if name == "measure":
            clbit = clbit_index[instruction.clbits[0]]
            if clbit in written:
                return None
            measured.add(qubits[0])
            written.add(clbit)
            builder.schedule.measures.append((qubits[0], clbit))
            continue
        if instruction.clbits or name == "reset" or not 1 <= len(qubits) <= 2 or not supported(operation):
            return None
        if len(qubits) == 1:
            builder.one(operation, qubits[0])
        else:
            builder.two(operation, (qubits[0], qubits[1]))
    builder.finish()
    return builder.schedule


class _Builder:
    def __init__(self, schedule: Schedule, component_noise: ComponentNoise) -> None:
        self.schedule = schedule
        self.noise = component_noise
        self.pending: dict[int, list[Step]] = {}
        self.after: dict[int, list[Step]] = {}
        self.layer: list[tuple[int, tuple[int, int]]] = []
        self.layer_qubits: set[int] = set()

    def _site(self, name: str, qubits: tuple[int, ...]) -> int | None:
        probabilities = self.noise.channels.get((name, qubits))
        if probabilities is None:
            return None
        cumulative = np.cumsum(probabilities)
        cumulative[-1] = 1.0
        self.schedule.sites.append(cumulative)
        return len(self.schedule.sites) - 1

    def _gate(self, operation: Any, qubits: tuple[int, ...]) -> int:
        self.schedule.gates.append((operation, qubits))
        return len(self.schedule.gates) - 1

    def one(self, operation: Any, qubit: int) -> None:
        if qubit in self.layer_qubits:
            self.close_layer()
        steps = self.pending.setdefault(qubit, [])
        steps.append((0, self._gate(operation, (qubit,)), 0))
        site = self._site(operation.name, (qubit,))
        if site is not None:
            steps.append((1, site, 0))

    def two(self, operation: Any, qubits: tuple[int, int]) -> None:
        if self.layer_qubits.intersection(qubits):
            self.close_layer()
        self.layer.append((self._gate(operation, qubits), qubits))
        self.layer_qubits.update(qubits)
        site = self._site(operation.name, qubits)
        if site is not None:
            for k, qubit in enumerate(qubits):
                self.after.setdefault(qubit, []).append((1, site, k))

    def close_layer(self) -> None:
        if not self.layer:
            return
        self.flush(self.layer_qubits)
        diagonal: NDArray[np.complex128] | None = None
        for gate, qubits in self.layer:
            operation = self.schedule.gates[gate][0]
            fixed = _fixed_diagonal(operation)
            if fixed is None:
                self.schedule.ops.append(TwoQubit(gate, qubits))
                continue
            full = _expand_diagonal(fixed, qubits, self.schedule.num_qubits)
            diagonal = full if diagonal is None else diagonal * full
        if diagonal is not None:
            self.schedule.ops.append(Diagonal(diagonal))
        for qubit in self.layer_qubits:
            if qubit in self.after:
                self.pending[qubit] = self.after.pop(qubit)
        self.layer, self.layer_qubits = [], set()

    def flush(self, qubits: set[int]) -> None:
        """Apply the pending matrices of `qubits`, neighbours together."""
        due = sorted(q for q in qubits if self.pending.get(q))
        runs: list[list[int]] = []
        for qubit in due:
            if runs and qubit == runs[-1][-1] + 1 and len(runs[-1]) < FUSE_WIDTH:
                runs[-1].append(qubit)
            else:
                runs.append([qubit])
        for run in runs:
            indices = []
            for qubit in run:
                self.schedule.segments.append(self.pending.pop(qubit))
                indices.append(len(self.schedule.segments) - 1)
            self.schedule.ops.append(Fused(run[0], tuple(indices)))

    def finish(self) -> None:
        self.close_layer()
        self.flush(set(self.pending))


def _fixed_diagonal(operation: Any) -> NDArray[np.complex128] | None:
    if any(not isinstance(p, int | float) for p in operation.params):
        return None
    matrix = gate_matrices(operation, np.zeros((1, 0)), {})
    if np.count_nonzero(matrix - np.diag(np.diag(matrix))):
        return None
    return np.diag(matrix)


def _expand_diagonal(
    diagonal: NDArray[np.complex128], qubits: tuple[int, int], num_qubits: int
) -> NDArray[np.complex128]:
    index = np.arange(1 << num_qubits)
    local = ((index >> qubits[0]) & 1) + 2 * ((index >> qubits[1]) & 1)
    out: NDArray[np.complex128] = diagonal[local]
    return out
