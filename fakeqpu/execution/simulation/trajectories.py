"""Batched Pauli-trajectory simulation of one template over many parameter sets.

The randomizations of a samplex item (twirling, PEC) are parameter sets of one template circuit.
Here all of them run together, as one numpy array of statevectors, `trajectories` statevectors per
parameter set: each samples its own Pauli error after every noisy gate (`trajectory_noise`), and
each parameter set's shots are spread round-robin over its trajectories. With one trajectory per
shot this samples the Pauli-twirled noise model exactly; fewer trajectories keep every
randomization's distribution unbiased but correlate the shots within it.

The template is compiled once into a schedule that does not depend on the values: single-qubit
gates and the Pauli errors between them fold into one 2×2 matrix per trajectory, applied to the
state only before the next two-qubit layer touches the qubit, several neighbouring qubits in one
pass; two-qubit diagonal gates of a layer (CZ) multiply the state once. Measurements must be
terminal (dynamic circuits go to Aer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import ControlFlowOp, Parameter, QuantumCircuit

from fakeqpu.execution.simulation.gate_matrices import Matrices, gate_matrices
from fakeqpu.execution.simulation.trajectory_noise import ComponentNoise

MAX_QUBITS = 20
"""Widest component simulated this way (one statevector per trajectory)."""
FUSE_WIDTH = 4
"""Neighbouring qubits whose pending 2×2 matrices are applied in one pass (as a Kronecker product)."""
_CHUNK_AMPLITUDES = 1 << 22
"""Amplitudes held at once (32 MiB of complex64): parameter sets are simulated in chunks."""
_CHUNK_MATRIX_ENTRIES = 1 << 22
"""Gate-matrix entries held at once (64 MiB of complex128)."""
_SMALL_LOW = 4
_STATE_DTYPE = np.complex64
States = NDArray[np.complex64]
"""Single precision halves the memory a pass streams; probabilities are summed in double."""
_PASSIVE = frozenset({"barrier", "delay"})
_PAULIS: Matrices = np.array(
    [[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=np.complex128
)

# Wall seconds per amplitude for a pass over the state, and per trajectory for each 2×2 product;
# measured on a loaded 2-core machine (benchmarks/bench_executor_ladder.py).
SECONDS_PER_AMPLITUDE_PASS = 6e-9
SECONDS_PER_MATRIX_PRODUCT = 6e-8
SECONDS_PER_SHOT = 1.5e-7
SECONDS_PER_CALL = 2e-5

Step = tuple[int, int, int]
"""In a segment: (0, gate index, 0) a gate, (1, site index, k) the Pauli of site's k-th qubit."""


@dataclass(frozen=True)
class _Fused:
    start: int
    segments: tuple[int, ...]
    """Segment of qubit `start + i` (or -1: identity), applied together."""


@dataclass(frozen=True)
class _Diagonal:
    diagonal: NDArray[np.complex128]


@dataclass(frozen=True)
class _TwoQubit:
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
    ops: list[_Fused | _Diagonal | _TwoQubit] = field(default_factory=list)
    measures: list[tuple[int, int]] = field(default_factory=list)
    """(qubit, clbit) of each terminal measurement."""

    @property
    def noiseless(self) -> bool:
        return not self.sites

    def passes(self) -> float:
        """State passes, a fused pass of w qubits weighted as it costs."""
        return sum(1.0 + 0.15 * len(op.segments) if isinstance(op, _Fused) else 1.0 for op in self.ops)

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
        if instruction.clbits or name == "reset" or not 1 <= len(qubits) <= 2:
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
                self.schedule.ops.append(_TwoQubit(gate, qubits))
                continue
            full = _expand_diagonal(fixed, qubits, self.schedule.num_qubits)
            diagonal = full if diagonal is None else diagonal * full
        if diagonal is not None:
            self.schedule.ops.append(_Diagonal(diagonal))
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
            self.schedule.ops.append(_Fused(run[0], tuple(indices)))

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


def predicted_seconds(schedule: Schedule, num_sets: int, trajectories: int, shots: int) -> float:
    """Wall seconds `simulate` is predicted to take."""
    count = num_sets * trajectories
    amplitudes = count * (1 << schedule.num_qubits)
    chunks = math.ceil(num_sets / _sets_per_chunk(schedule, trajectories))
    return (
        amplitudes * (schedule.passes() + 3) * SECONDS_PER_AMPLITUDE_PASS
        + count * schedule.products() * SECONDS_PER_MATRIX_PRODUCT
        + num_sets * shots * (1 + len(schedule.measures)) * SECONDS_PER_SHOT
        + chunks * (len(schedule.ops) + schedule.products() + len(schedule.gates)) * SECONDS_PER_CALL
    )


def _sets_per_chunk(schedule: Schedule, trajectories: int) -> int:
    """Parameter sets simulated at once: their states and their gate matrices stay within bounds."""
    by_states = _CHUNK_AMPLITUDES // (trajectories << schedule.num_qubits)
    by_matrices = _CHUNK_MATRIX_ENTRIES // max(1, 4 * len(schedule.gates))
    return max(1, min(by_states, by_matrices))


def simulate(
    schedule: Schedule,
    circuit: QuantumCircuit,
    values: NDArray[np.float64],
    shots: int,
    trajectories: int,
    read_one: NDArray[np.float64],
    rng: np.random.Generator,
) -> NDArray[np.bool_]:
    """Bits of every clbit: bool (N, shots, num_clbits), N = len(values)."""
    column: dict[Parameter, int] = {parameter: i for i, parameter in enumerate(circuit.parameters)}
    num_sets = len(values)
    out = np.zeros((num_sets, shots, schedule.num_clbits), dtype=bool)
    per_chunk = _sets_per_chunk(schedule, trajectories)
    for first in range(0, num_sets, per_chunk):
        rows = np.arange(first, min(first + per_chunk, num_sets))
        chunk = values[rows[0] : rows[-1] + 1]
        matrices = [gate_matrices(operation, chunk, column) for operation, _ in schedule.gates]
        states = _evolve(schedule, matrices, np.repeat(np.arange(len(rows)), trajectories), rng)
        outcomes = _sample(states, len(rows), trajectories, shots, rng)
        for qubit, clbit in schedule.measures:
            bit = ((outcomes >> qubit) & 1).astype(bool)
            out[rows, :, clbit] = rng.random(bit.shape) < read_one[qubit][bit.astype(np.intp)]
    return out


def _evolve(
    schedule: Schedule, matrices: Sequence[Matrices], rows: NDArray[np.intp], rng: np.random.Generator
) -> States:
    count = len(rows)
    paulis = [np.searchsorted(cumulative, rng.random(count), side="right") for cumulative in schedule.sites]
    n = schedule.num_qubits
    state: States = np.zeros((count, 1 << n), dtype=_STATE_DTYPE)
    state[:, 0] = 1.0
    for op in schedule.ops:
        if isinstance(op, _Diagonal):
            state *= op.diagonal.astype(_STATE_DTYPE)
        elif isinstance(op, _Fused):
            factors = [_segment(schedule.segments[s], matrices, paulis, rows) for s in op.segments]
            state = _apply(state, _kron(factors), op.start, len(factors), n)
        else:
            matrix = matrices[op.gate]
            chosen = matrix if matrix.ndim == 2 else matrix[rows]
            state = _apply_two(state, chosen.astype(_STATE_DTYPE), op.qubits, n)
    return state


def _segment(
    steps: Sequence[Step],
    matrices: Sequence[Matrices],
    paulis: Sequence[NDArray[np.intp]],
    rows: NDArray[np.intp],
) -> Matrices:
    """The product of a segment's gates and sampled Paulis, per trajectory: (T, 2, 2)."""
    total: Matrices | None = None
    run: Matrices | None = None  # gates since the last Pauli, per parameter set or fixed
    for kind, index, part in steps:
        if kind == 0:
            run = matrices[index] if run is None else matrices[index] @ run
            continue
        if run is not None:
            expanded = run if run.ndim == 2 else run[rows]
            total = expanded if total is None else expanded @ total
            run = None
        drawn = paulis[index] if part == 0 else paulis[index] >> 2
        pauli = _PAULIS[drawn & 3]
        total = pauli if total is None else pauli @ total
    if run is not None:
        expanded = run if run.ndim == 2 else run[rows]
        total = expanded if total is None else expanded @ total
    assert total is not None
    if total.ndim == 2:
        total = np.broadcast_to(total, (len(rows), 2, 2))
    return total


def _kron(factors: Sequence[Matrices]) -> Matrices:
    """Kronecker product per trajectory, the last factor (highest qubit) most significant."""
    out = factors[0]
    for factor in factors[1:]:
        count, dim = out.shape[0], out.shape[1]
        out = (factor[:, :, None, :, None] * out[:, None, :, None, :]).reshape(count, 2 * dim, 2 * dim)
    return out


def _apply(state: States, matrix: Matrices, start: int, width: int, n: int) -> States:
    """`matrix` (T, 2**width, 2**width) on qubits start..start+width-1 of each state (T, 2**n)."""
    count, low = state.shape[0], 1 << start
    if low <= _SMALL_LOW:
        # Few amplitudes below the block: fold them into the matrix (⊗ identity) so that numpy runs
        # one (A × W) @ (W × W) product per trajectory instead of A×T tiny ones.
        if low > 1:
            width_dim = matrix.shape[1]
            widened = np.zeros((count, width_dim * low, width_dim * low), dtype=matrix.dtype)
            for offset in range(low):
                widened[:, offset::low, offset::low] = matrix
            matrix = widened
        rows = state.reshape(count, -1, matrix.shape[1])
        out: States = np.matmul(rows, np.swapaxes(matrix, 1, 2).astype(state.dtype)).reshape(count, 1 << n)
        return out
    view = state.reshape(count, 1 << (n - start - width), 1 << width, low)
    out = np.matmul(matrix[:, None].astype(state.dtype), view).reshape(count, 1 << n)
    return out


def _apply_two(state: States, matrix: Matrices, qubits: tuple[int, int], n: int) -> States:
    count = state.shape[0]
    tensor = state.reshape((count,) + (2,) * n)
    axes = (n - qubits[1], n - qubits[0])  # axis 1 is the highest qubit; qargs[1] is the high bit
    moved = np.moveaxis(tensor, axes, (-2, -1)).reshape(count, -1, 4)
    product = moved @ matrix.T if matrix.ndim == 2 else np.matmul(moved, np.swapaxes(matrix, -1, -2))
    restored = np.moveaxis(product.reshape((count,) + (2,) * (n - 2) + (2, 2)), (-2, -1), axes)
    out: States = np.ascontiguousarray(restored, dtype=state.dtype).reshape(count, 1 << n)
    return out


def _sample(
    states: States, num_sets: int, trajectories: int, shots: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Outcomes (num_sets, shots): shot s of set r from trajectory s mod `trajectories` of r."""
    count, dim = states.shape
    cumulative = np.cumsum((states.real**2 + states.imag**2).astype(np.float64), axis=1)
    cumulative /= cumulative[:, -1:]
    cumulative[:, -1] = 1.0
    cumulative += np.arange(count, dtype=np.float64)[:, None]
    owner = (np.arange(num_sets)[:, None] * trajectories + np.arange(shots)[None, :] % trajectories).astype(
        np.float64
    )
    found = np.searchsorted(cumulative.ravel(), rng.random((num_sets, shots)) + owner, side="right")
    found = np.minimum(found, (owner.astype(np.int64) + 1) * dim - 1)
    outcomes: NDArray[np.int64] = found - owner.astype(np.int64) * dim
    return outcomes


def max_trajectories(schedule: Schedule, num_sets: int, shots: int, budget_seconds: float) -> int:
    """The most trajectories per parameter set within `budget_seconds` (at least 1, at most shots)."""
    one = predicted_seconds(schedule, num_sets, 1, shots)
    two = predicted_seconds(schedule, num_sets, 2, shots)
    per_trajectory = max(two - one, 1e-12)
    fits = 1 + math.floor(max(0.0, budget_seconds - one) / per_trajectory)
    return int(max(1, min(shots, fits)))
