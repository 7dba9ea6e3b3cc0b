"""The sampling ladder: predict what each way of sampling a circuit would cost, pick the most faithful
one that fits the job's budget.

Most faithful first:
- `density_matrix` (≤ 10 qubits, the exact device noise model, Aer's automatic method);
- `stabilizer` (Clifford circuits, twirled noise, one noisy trajectory per shot);
- `statevector` (≤ 24 qubits, twirled noise, one noisy trajectory per shot);
- `matrix_product_state` (untruncated bond dimension, one noisy trajectory per shot);
- `*_trajectories`: K noise trajectories, each a noiseless run with its Pauli errors drawn up
  front and shots/K shots sampled from its final state, on the stabilizer, statevector or matrix
  product state method, the last with a bond dimension bounded to fit the budget.

The costs are Aer's measured seconds per unit of work on this project's reference machine (two
cores, `benchmarks/bench_ladder_accuracy.py` prints predicted beside measured); a prediction is
an estimate, good to a factor of ~3 (conservative for small jobs on an idle machine), which the
default budget leaves room for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from qiskit.circuit import ControlFlowOp, QuantumCircuit

EXACT_NOISE_MAX_QUBITS = 10
"""Up to here the simulator carries the device's exact noise model (see `noise.py`)."""
STATEVECTOR_MAX_QUBITS = 24
MAX_BOND_DIMENSION = 256  # 127 qubits × χ² × 32 bytes stays under 300 MB
MIN_TRAJECTORIES = 8
MAX_TRAJECTORIES = 256  # shots share a trajectory past this: more would add overhead, not accuracy
_AUTOMATIC_MAX_QUBITS = 20  # Aer's own pick (statevector or density matrix) as before the ladder

# Seconds per unit of work (Aer 0.18, two cores; see the module's docstring).
_DENSITY_MATRIX = 6e-9  # per operation per 4^n amplitudes
_STATEVECTOR_NOISY = 3e-9  # per operation per 2^n amplitudes, per shot
_STATEVECTOR = 2e-9  # per operation per 2^n amplitudes, once
_STABILIZER_NOISY = 6e-8  # per operation per qubit, per shot
_STABILIZER_SAMPLE = 4e-9  # per qubit², per shot
_MPS_TWO_QUBIT = 2.2e-7  # per χ³, per two-qubit gate and per swap Aer inserts to make it adjacent
_MPS_OPERATION = 2e-6
_MPS_SAMPLE = (1.5e-6, 1e-8, 3e-10)  # per qubit per shot: constant, per χ², per χ³
_RUN_OVERHEAD = 2e-3  # per Aer run
_LONGEST = 1e9  # an unlimited budget, as a number the arithmetic below can use
_PER_SHOT = (1e-5, 1e-6)  # reading back each shot's bits: constant, per qubit
_TRAJECTORY_BUILD = 1.5e-6  # per operation per trajectory, drawing its errors and binding them
_TRAJECTORY = 4e-3  # per trajectory: one more bound experiment in Aer, its result read back

_CLIFFORD_GATES = frozenset(
    {"id", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "cy", "cz", "swap", "ecr", "iswap"}
)
_NOT_GATES = frozenset({"measure", "reset", "barrier", "delay"})
_ROTATIONS = frozenset({"rz", "rx", "ry", "p", "rzz"})


@dataclass(frozen=True)
class CircuitStats:
    qubits: int
    operations: int
    two_qubit: int
    clifford: bool
    dynamic: bool
    """Measurements before the end, resets, control flow: every shot needs its own run."""
    bond_log2: int
    """log2 of an upper bound on the bond dimension an exact MPS needs, in the order Aer uses."""
    swap_weight: int
    """Two-qubit gates plus the swaps Aer's MPS adds to bring their qubits side by side."""
    order: tuple[int, ...] = ()
    """For the MPS trajectories: position of each qubit in a bandwidth-reducing order (reverse
    Cuthill-McKee of the two-qubit gates' graph), () when not computed; the trajectories' circuit
    is relabelled in it, where the bond bound and swap weight are `ordered_*`."""
    ordered_bond_log2: int = 0
    ordered_swap_weight: int = 0


@dataclass(frozen=True)
class Choice:
    method: str
    """The name reported: "density_matrix", "stabilizer", "statevector", "matrix_product_state",
    "stabilizer_trajectories", "statevector_trajectories", "mps_trajectories"."""
    aer_method: str
    exact: bool
    predicted_seconds: float
    trajectories: int | None = None
    """None: one noisy trajectory per shot (Aer's noise model); else K trajectories drawn here."""
    max_bond_dimension: int | None = None
    details: dict[str, float | int | str] = field(default_factory=dict)
    order: tuple[int, ...] = ()
    """Relabel qubit q to `order[q]` before running (MPS trajectories); () keeps the circuit's order."""


def stats(circuit: QuantumCircuit) -> CircuitStats:
    n = circuit.num_qubits
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    pairs: list[tuple[int, int, int]] = []  # (qubit, qubit, log2 of the gate's Schmidt rank bound)
    dynamic = False
    measured: set[int] = set()
    for instruction in circuit.data:
        operation = instruction.operation
        name = operation.name
        if isinstance(operation, ControlFlowOp) or name == "reset":
            dynamic = True
            continue
        qubits = [index[q] for q in instruction.qubits]
        if name == "measure":
            measured.update(qubits)
            continue
        if measured.intersection(qubits):
            dynamic = True
        if len(qubits) == 2 and name not in _NOT_GATES:
            pairs.append((qubits[0], qubits[1], 2 if name in ("swap", "iswap", "unitary") else 1))
    bond_log2, swap_weight = _mps_bounds(n, pairs, list(range(n)))
    clifford = looks_clifford(circuit)
    order: tuple[int, ...] = ()
    ordered_bond, ordered_swaps = bond_log2, swap_weight
    if n > STATEVECTOR_MAX_QUBITS and not clifford and not dynamic and pairs:
        order = _bandwidth_order(n, pairs)
        ordered_bond, ordered_swaps = _mps_bounds(n, pairs, list(order))
        if ordered_swaps >= swap_weight:
            order, ordered_bond, ordered_swaps = (), bond_log2, swap_weight
    return CircuitStats(
        qubits=n,
        operations=len(circuit.data),
        two_qubit=len(pairs),
        clifford=clifford,
        dynamic=dynamic,
        bond_log2=bond_log2,
        swap_weight=swap_weight,
        order=order,
        ordered_bond_log2=ordered_bond,
        ordered_swap_weight=ordered_swaps,
    )


def _mps_bounds(n: int, pairs: list[tuple[int, int, int]], position: list[int]) -> tuple[int, int]:
    """(log2 of a bond dimension bound, swap weight) of the gates with qubit q at `position[q]`."""
    crossings = np.zeros(n + 1, dtype=np.int64)
    swap_weight = 0
    for a, b, rank_log2 in pairs:
        low, high = sorted((position[a], position[b]))
        crossings[low] += rank_log2
        crossings[high] -= rank_log2
        swap_weight += 1 + 2 * (high - low - 1)
    if n < 2:
        return 0, swap_weight
    cuts = np.arange(n - 1)
    bounded = np.minimum(np.cumsum(crossings)[: n - 1], np.minimum(cuts + 1, n - 1 - cuts))
    return int(bounded.max()), swap_weight


def _bandwidth_order(n: int, pairs: list[tuple[int, int, int]]) -> tuple[int, ...]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    rows = [a for a, b, _ in pairs] + [b for a, b, _ in pairs]
    columns = [b for a, b, _ in pairs] + [a for a, b, _ in pairs]
    graph = csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n, n))
    sequence = reverse_cuthill_mckee(graph, symmetric_mode=True)
    position = np.empty(n, dtype=np.int64)
    position[sequence] = np.arange(n)
    return tuple(int(p) for p in position)


def choose(
    circuit_stats: CircuitStats, shots: int, sets: int, budget: float, exact_only: bool
) -> tuple[Choice, Choice | None]:
    """The method to run, and the most faithful exact method (None when there is none) with its cost.

    In `exact_only` mode the first is exact or the caller fails the job naming it."""
    s = circuit_stats
    budget = min(budget, _LONGEST)
    reading = sets * shots * (_PER_SHOT[0] + _PER_SHOT[1] * s.qubits)
    exact = [
        replace(c, predicted_seconds=c.predicted_seconds + reading) for c in _exact_candidates(s, shots, sets)
    ]
    for candidate in exact:
        if candidate.predicted_seconds <= budget:
            return candidate, candidate
    approximate = _approximate(s, shots, sets, max(budget - reading, 0.0))
    approximate = replace(approximate, predicted_seconds=approximate.predicted_seconds + reading)
    # Approximate only where it saves more than a budget: when reading the shots back dominates (a
    # large sweep of a small circuit), no method is much cheaper, and the exact one stays.
    for candidate in exact:
        if candidate.predicted_seconds <= approximate.predicted_seconds + budget:
            return candidate, candidate
    best_exact = min(exact, key=lambda c: c.predicted_seconds) if exact else None
    return approximate, best_exact


def _exact_candidates(s: CircuitStats, shots: int, sets: int) -> list[Choice]:
    out = []
    if s.qubits <= EXACT_NOISE_MAX_QUBITS:
        seconds = _RUN_OVERHEAD + sets * _DENSITY_MATRIX * s.operations * 4.0**s.qubits
        out.append(Choice("density_matrix", "automatic", True, seconds, details={"noise": "device"}))
    if s.clifford:
        seconds = _RUN_OVERHEAD + sets * shots * (
            _STABILIZER_NOISY * s.operations * s.qubits + _STABILIZER_SAMPLE * s.qubits**2
        )
        out.append(Choice("stabilizer", "stabilizer", True, seconds, details={"noise": _noise(s)}))
    if s.qubits <= STATEVECTOR_MAX_QUBITS:
        seconds = _RUN_OVERHEAD + sets * shots * _STATEVECTOR_NOISY * s.operations * 2.0**s.qubits
        method = "automatic" if s.qubits <= _AUTOMATIC_MAX_QUBITS else "statevector"
        out.append(Choice("statevector", method, True, seconds, details={"noise": _noise(s)}))
    if s.bond_log2 <= math.log2(MAX_BOND_DIMENSION):
        chi = 2**s.bond_log2
        seconds = _RUN_OVERHEAD + sets * shots * (_mps_gates(s, chi) + _mps_sample(s, chi, 1))
        out.append(
            Choice(
                "matrix_product_state",
                "matrix_product_state",
                True,
                seconds,
                details={"noise": _noise(s), "bond_dimension_bound": chi},
            )
        )
    return out


def _approximate(s: CircuitStats, shots: int, sets: int, budget: float) -> Choice:
    if s.dynamic:  # a run per shot: only the bond dimension can give
        chi = _largest_bond(s, budget, lambda c: sets * shots * (_mps_gates(s, c) + _mps_sample(s, c, 1)))
        seconds = _RUN_OVERHEAD + sets * shots * (_mps_gates(s, chi) + _mps_sample(s, chi, 1))
        return Choice(
            "matrix_product_state",
            "matrix_product_state",
            False,
            seconds,
            max_bond_dimension=chi,
            details={"noise": _noise(s), "bond_dimension_bound": _bound_text(s.bond_log2)},
        )
    floor = min(shots, MIN_TRAJECTORIES)
    build = s.operations * _TRAJECTORY_BUILD + _TRAJECTORY
    if s.clifford:
        once = s.operations * s.qubits * _STABILIZER_NOISY / 4 + build
        sample = shots * _STABILIZER_SAMPLE * s.qubits**2
        return _trajectory_choice("stabilizer", once, sample, sets, shots, budget)
    if s.qubits <= STATEVECTOR_MAX_QUBITS:
        once = _STATEVECTOR * s.operations * 2.0**s.qubits + build
        sample = shots * s.qubits * 1e-7
        return _trajectory_choice("statevector", once, sample, sets, shots, budget)

    ordered = replace(s, bond_log2=s.ordered_bond_log2, swap_weight=s.ordered_swap_weight) if s.order else s

    def cost(chi: int, k: int) -> float:
        return sets * (k * (_mps_gates(ordered, chi) + build) + _mps_sample(ordered, chi, shots))

    chi = _largest_bond(ordered, budget, lambda c: cost(c, floor))
    k = max(floor, min(shots, int((budget - cost(chi, 0)) / max(cost(chi, 1) - cost(chi, 0), 1e-9))))
    k = max(1, min(k, shots, MAX_TRAJECTORIES))
    truncated = chi < 2**ordered.bond_log2
    return Choice(
        "mps_trajectories",
        "matrix_product_state",
        False,
        _RUN_OVERHEAD + cost(chi, k),
        trajectories=k,
        max_bond_dimension=chi if truncated else None,
        details={"noise": "pauli_twirled", "bond_dimension_bound": _bound_text(ordered.bond_log2)},
        order=s.order,
    )


def _trajectories(once: float, sample: float, shots: int, budget: float) -> int:
    fits = int((budget - sample) / max(once, 1e-9))
    return max(1, min(shots, MAX_TRAJECTORIES, max(fits, min(shots, MIN_TRAJECTORIES))))


def _largest_bond(s: CircuitStats, budget: float, cost: Callable[[int], float]) -> int:
    chi: int = 2 ** min(s.bond_log2, int(math.log2(MAX_BOND_DIMENSION)))
    while chi > 2 and cost(chi) > budget:
        chi //= 2
    return max(chi, 1)


def _bound_text(log2: int) -> int | str:
    return 2**log2 if log2 <= 30 else f"2^{log2}"


def _mps_gates(s: CircuitStats, chi: int) -> float:
    return s.swap_weight * _MPS_TWO_QUBIT * chi**3 + s.operations * _MPS_OPERATION


def _mps_sample(s: CircuitStats, chi: int, shots: int) -> float:
    constant, square, cube = _MPS_SAMPLE
    return shots * s.qubits * (constant + square * chi**2 + cube * chi**3)


def _noise(s: CircuitStats) -> str:
    return "device" if s.qubits <= EXACT_NOISE_MAX_QUBITS else "pauli_twirled"


def looks_clifford(circuit: QuantumCircuit) -> bool:
    for instruction in circuit.data:
        operation = instruction.operation
        if operation.name in _CLIFFORD_GATES or operation.name in _NOT_GATES:
            continue
        if operation.name not in _ROTATIONS or len(operation.params) != 1:
            return False
        try:
            quarter_turns = float(operation.params[0]) / (math.pi / 2)
        except TypeError:
            return False  # still a parameter: its value decides
        if abs(quarter_turns - round(quarter_turns)) > 1e-9:
            return False
    return True


def _trajectory_choice(
    aer_method: str, once: float, sample: float, sets: int, shots: int, budget: float
) -> Choice:
    """K noise trajectories on `aer_method`, as many as fit: `once` per trajectory, `sample` per set."""
    k = _trajectories(once * sets, sample * sets, shots, budget)
    return Choice(
        f"{aer_method}_trajectories",
        aer_method,
        False,
        _RUN_OVERHEAD + sets * (k * once + sample),
        trajectories=k,
        details={"noise": "pauli_twirled"},
    )
