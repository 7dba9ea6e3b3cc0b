"""Batched Pauli-trajectory simulation of one template over many parameter sets.

The randomizations of a samplex item (twirling, PEC) are parameter sets of one template circuit.
Here all of them run together, as one numpy array of statevectors, `trajectories` statevectors per
parameter set: each samples its own Pauli error after every noisy gate (`trajectory_noise`), and
each parameter set's shots are spread round-robin over its trajectories. With one trajectory per
shot this samples the Pauli-twirled noise model exactly; fewer trajectories keep every
randomization's distribution unbiased but correlate the shots within it. The template is compiled
once (`trajectory_schedule.py`); here its segments are multiplied out per trajectory and applied.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import Parameter, QuantumCircuit

from fakeqpu.execution.simulation.gate_matrices import Matrices, gate_matrices
from fakeqpu.execution.simulation.trajectory_schedule import (
    MAX_QUBITS,
    Diagonal,
    Fused,
    Schedule,
    Step,
    compile_schedule,
)

__all__ = ["MAX_QUBITS", "Schedule", "compile_schedule", "max_trajectories", "predicted_seconds", "simulate"]

_CHUNK_AMPLITUDES = 1 << 22
"""Amplitudes held at once (32 MiB of complex64): parameter sets are simulated in chunks."""
_CHUNK_MATRIX_ENTRIES = 1 << 22
"""Gate-matrix entries held at once (64 MiB of complex128)."""
_SMALL_LOW = 4
_STATE_DTYPE = np.complex64
"""Single precision halves the memory a pass streams; probabilities are summed in double."""
States = NDArray[np.complex64]
_PAULIS: Matrices = np.array(
    [[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=np.complex128
)

# Wall seconds per amplitude for a pass over the state, and per trajectory for each 2×2 product;
# measured on a loaded 2-core machine (benchmarks/bench_executor_ladder.py).
SECONDS_PER_AMPLITUDE_PASS = 6e-9
SECONDS_PER_MATRIX_PRODUCT = 6e-8
SECONDS_PER_SHOT = 1.5e-7
SECONDS_PER_CALL = 2e-5


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
        if isinstance(op, Diagonal):
            state *= op.diagonal.astype(_STATE_DTYPE)
        elif isinstance(op, Fused):
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
