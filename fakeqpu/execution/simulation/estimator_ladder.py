"""Which method computes each Pauli term of an Estimator pub, most faithful first, within a time share.

1. The whole (cut) circuit, each qubit-wise commuting basis measured shot by shot under the device's
   noise (`simulate.sample`): what the Estimator always did, and still does for narrow circuits.
2. The same measurement on the backward light cone of each basis (`light_cone.py`): exact too,
   since gates and gate errors outside the cone cancel.
3. The light cone of each Pauli term on its own, measured where that fits its share of the time.
4. Pauli propagation of the terms left (`pauli_propagation.py`): the device's gate errors as Pauli
   channels, readout error, and a truncation sized to the time left (reported).

Choices depend only on predicted costs, never on the wall clock, so a job's result depends on its
seed alone. The cost constants were fitted on a 2-core machine (benchmarks/bench_estimator_ladder.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import Pauli

from fakeqpu.execution.simulation import pauli_propagation as pp
from fakeqpu.execution.simulation import plan
from fakeqpu.execution.simulation.ladder import looks_clifford as _looks_clifford
from fakeqpu.execution.simulation.light_cone import Ops, cone, cone_positions, light_cone, operations_of

PauliKey = tuple[tuple[int, str], ...]

_STATEVECTOR_MAX_QUBITS = 20
_DENSITY_MATRIX_MAX_QUBITS = 10

# Predicted wall seconds (fitted, see module docstring).
_SETUP_SECONDS = 0.02
_DENSITY_SECONDS = 2e-9  # per instruction and density-matrix entry
_SHOT_SECONDS = 1.2e-8  # per shot, instruction and amplitude
_STABILIZER_SECONDS = 1e-9  # per shot, instruction and qubit
_MPS_SECONDS = 1e-5
"""Per shot, instruction and qubit. Deliberately pessimistic: a noisy matrix-product-state run costs
what the entanglement makes it, unknown beforehand, and a wide entangled one does not finish."""
_MODEL_SECONDS = 0.012
"""Building Aer's noise model, per distinct (gate, qubits) of the circuit."""
_PROPAGATION_SECONDS = 6e-8  # per kept Pauli string and propagated rotation or channel
_ROTATION_SECONDS = 1.5e-6
"""Per propagated rotation or channel, whatever the strings kept (pauli-prop's own step: measured
1.8 µs on the 127-qubit kicked Ising, 127 terms × 82,000 rotations, at 14 and 64 strings)."""
_COMPILE_SECONDS = 3e-5  # per instruction turned into rotations and channels
_ROTATIONS_PER_INSTRUCTION = 2.5
_MIN_TERMS = 8
"""The fewest Pauli strings kept per term: below what the budget buys, the truncation grows (reported)
rather than the time."""
_EXACT_TOLERANCE = 1e-9
"""Truncated weight below this is floating-point rounding (cos(π/2) is 6e-17), not approximation."""
_MAX_TERMS = 100_000


@dataclass(frozen=True)
class Measured:
    """One measured experiment: a compact circuit, the physical qubit of each of its qubits, the basis."""

    circuit: QuantumCircuit
    qubits: tuple[int, ...]
    basis: dict[int, str]


@dataclass
class Choice:
    method: str
    exact: bool
    width: int
    predicted_seconds: float
    measured_seconds: float
    """The predicted seconds of the measured part."""
    measured: list[Measured] = field(default_factory=list)
    group_of_measured: dict[PauliKey, int] = field(default_factory=dict)
    propagated: list[PauliKey] = field(default_factory=list)
    circuit: QuantumCircuit | None = None
    """The cut circuit (for the propagated terms)."""
    qubits: tuple[int, ...] = ()
    parameter_sets: NDArray[np.float64] | None = None
    max_terms: int = 0
    light_cone_qubits: int = 0
    exact_seconds: float = 0.0
    """The predicted seconds of the cheapest exact plan (named when `simulation="exact"` fails)."""


@dataclass
class Propagation:
    values: dict[PauliKey, NDArray[np.float64]]
    """Per propagated term, its noisy expectation value per parameter set (before readout error)."""
    truncated_one_norm: float = 0.0
    strings_kept: int = 0
    light_cone_qubits: int = 0


def measure_seconds(circuit: QuantumCircuit, width: int, shots: int, sets: int = 1) -> float:
    """Predicted seconds to sample `sets` parameter sets of `circuit` with noise, `shots` times each."""
    instructions = len(circuit.data)
    setup = _SETUP_SECONDS + _MODEL_SECONDS * _distinct_operations(circuit, width)
    if width <= _DENSITY_MATRIX_MAX_QUBITS:
        per_set = instructions * 4.0**width * _DENSITY_SECONDS + shots * 1e-6
    elif width <= _STATEVECTOR_MAX_QUBITS:
        per_set = shots * instructions * 2.0**width * _SHOT_SECONDS
    elif _looks_clifford(circuit):
        per_set = shots * instructions * width * _STABILIZER_SECONDS
    else:
        per_set = shots * instructions * width * _MPS_SECONDS
    return setup + per_set * sets


def _distinct_operations(circuit: QuantumCircuit, width: int) -> int:
    """About how many (gate, qubits) the noise model holds: a few gate kinds per qubit and the
    couplers, never more than the instructions (counting them exactly costs as much as a small run)."""
    return min(len(circuit.data), 4 * width)


def _measures(circuit: QuantumCircuit) -> bool:
    return any(instruction.operation.name in ("measure", "reset") for instruction in circuit.data)


def aer_method(circuit: QuantumCircuit, width: int) -> str:
    if width <= _DENSITY_MATRIX_MAX_QUBITS:
        return "density_matrix"
    if width <= _STATEVECTOR_MAX_QUBITS:
        return "statevector"
    return "stabilizer" if _looks_clifford(circuit) else "matrix_product_state"


def choose(
    circuit: QuantumCircuit,
    qubits: tuple[int, ...],
    supports: Sequence[PauliKey],
    group_of: dict[PauliKey, int],
    bases: Sequence[dict[int, str]],
    shots: int,
    parameter_sets: NDArray[np.float64],
    share: float,
    where: str,
) -> Choice:
    """The most faithful way to compute the pub's terms within `share` seconds (see the module doc)."""
    sets = len(parameter_sets)
    width = len(qubits)
    full_cost = measure_seconds(circuit, width, shots, sets) * len(bases)
    method = aer_method(circuit, width)
    # Measurements or resets inside the circuit: only the device's own way applies (light cones and
    # Pauli propagation here assume a unitary circuit with its gate noise).
    if full_cost <= share or not supports or _measures(circuit):
        measured = [Measured(circuit, qubits, dict(basis)) for basis in bases]
        return Choice(method, True, width, full_cost, full_cost, measured, dict(group_of))

    position = {physical: i for i, physical in enumerate(qubits)}
    ops = operations_of(circuit)
    by_basis = []
    for basis in bases:
        reduced, positions = light_cone(circuit, [position[q] for q in basis], ops)
        by_basis.append(Measured(reduced, tuple(qubits[i] for i in positions), dict(basis)))
    basis_cost = sum(measure_seconds(m.circuit, len(m.qubits), shots, sets) for m in by_basis)
    per_term = _per_term(
        circuit, qubits, supports, ops, shots, parameter_sets, share, min(full_cost, basis_cost)
    )
    # Both light-cone plans are exact: the cheaper one (terms of a basis share shots when equal).
    if basis_cost <= share and (bool(per_term.propagated) or basis_cost <= per_term.predicted_seconds):
        widest = max(len(m.qubits) for m in by_basis)
        return Choice(
            "light_cone",
            True,
            width,
            basis_cost,
            basis_cost,
            by_basis,
            dict(group_of),
            light_cone_qubits=widest,
        )

    if per_term.propagated and plan.policy().exact_only:
        raise plan.not_exact("pauli_propagation", per_term.exact_seconds, where)
    return per_term


def _per_term(
    circuit: QuantumCircuit,
    qubits: tuple[int, ...],
    supports: Sequence[PauliKey],
    ops: Ops,
    shots: int,
    parameter_sets: NDArray[np.float64],
    share: float,
    exact_cost: float,
) -> Choice:
    sets = len(parameter_sets)
    width = len(qubits)
    position = {physical: i for i, physical in enumerate(qubits)}
    per_term = share / len(supports)
    measured: list[Measured] = []
    group_of: dict[PauliKey, int] = {}
    propagated: list[PauliKey] = []
    measured_cost = 0.0
    cheapest_exact = 0.0
    widest = 0
    for pauli in supports:
        positions = [position[q] for q, _ in pauli]
        # Past this many qubits only the stabilizer method could measure it in time.
        reach = cone(ops, positions, stop_above=_STATEVECTOR_MAX_QUBITS)
        if len(reach) <= _STATEVECTOR_MAX_QUBITS or _looks_clifford(circuit):
            reduced, kept = light_cone(circuit, positions, ops)
            cost = measure_seconds(reduced, len(kept), shots, sets)
            cheapest_exact += cost
            if cost <= per_term:
                group_of[pauli] = len(measured)
                measured.append(Measured(reduced, tuple(qubits[i] for i in kept), dict(pauli)))
                measured_cost += cost
                widest = max(widest, len(kept))
                continue
        else:
            cheapest_exact += measure_seconds(circuit, width, shots, sets)
        propagated.append(pauli)
    exact_seconds = min(exact_cost, cheapest_exact)
    if not propagated:
        return Choice(
            "light_cone",
            True,
            width,
            measured_cost,
            measured_cost,
            measured,
            group_of,
            light_cone_qubits=widest,
            exact_seconds=exact_seconds,
        )
    left = max(share - measured_cost, 0.0)
    instructions = len(circuit.data)
    compile_cost = _COMPILE_SECONDS * instructions * (1 + 0.1 * (sets - 1))
    rotations = _ROTATIONS_PER_INSTRUCTION * max(instructions, 1)
    per_run = max(left - compile_cost, 0.0) / (len(propagated) * sets) - _ROTATION_SECONDS * rotations
    strings = per_run / (_PROPAGATION_SECONDS * rotations)
    max_terms = int(min(max(strings, _MIN_TERMS), _MAX_TERMS))
    predicted = (
        measured_cost
        + compile_cost
        + (_ROTATION_SECONDS + _PROPAGATION_SECONDS * max_terms) * rotations * len(propagated) * sets
    )
    return Choice(
        "pauli_propagation",
        False,
        width,
        predicted,
        measured_cost,
        measured,
        group_of,
        propagated,
        circuit,
        qubits,
        parameter_sets,
        max_terms,
        widest,
        exact_seconds,
    )


def propagate_terms(choice: Choice, backend_name: str) -> Propagation:
    """The noisy value of each propagated term, per parameter set: the circuit compiled once per
    set, each term propagated through the instructions of its own light cone."""
    out = Propagation({})
    if not choice.propagated or choice.circuit is None or choice.parameter_sets is None:
        return out
    circuit = choice.circuit
    values = {pauli: np.zeros(len(choice.parameter_sets)) for pauli in choice.propagated}
    position = {physical: i for i, physical in enumerate(choice.qubits)}
    everything = tuple(range(circuit.num_qubits))
    ops = operations_of(circuit)
    cones = {pauli: cone_positions(ops, [position[q] for q, _ in pauli]) for pauli in choice.propagated}
    unbound: pp.Program | None = None
    # A parameter inside a gate that is not a plain rotation: compile each set bound.
    with contextlib.suppress(pp.Unbindable):
        unbound = pp.compile_circuit(circuit, choice.qubits, backend_name)
    for index, point in enumerate(choice.parameter_sets):
        if unbound is not None:
            program = unbound.bound(dict(zip(circuit.parameters, point.tolist(), strict=True)))
        else:
            program = pp.compile_circuit(circuit.assign_parameters(point), choice.qubits, backend_name)
        for pauli in choice.propagated:
            kept, reach = cones[pauli]
            selected = None if len(kept) == len(ops) else kept
            result = pp.propagate(
                program, _pauli(pauli, position, everything), choice.max_terms, positions=selected
            )
            values[pauli][index] = result.value
            out.truncated_one_norm = max(out.truncated_one_norm, result.truncated_one_norm)
            out.strings_kept = max(out.strings_kept, result.terms)
            out.light_cone_qubits = max(out.light_cone_qubits, len(reach))
    out.values = values
    return out


def _pauli(pauli: PauliKey, position: dict[int, int], kept: tuple[int, ...]) -> Pauli:
    local = {q: i for i, q in enumerate(kept)}
    letters = ["I"] * len(kept)
    for physical, letter in pauli:
        letters[len(kept) - 1 - local[position[physical]]] = letter
    return Pauli("".join(letters))


def method_report(choice: Choice, propagation: Propagation, seconds: float, where: str) -> plan.MethodReport:
    details: dict[str, float | int | str] = {}
    if choice.method != "light_cone" and choice.method != "pauli_propagation":
        return plan.MethodReport(choice.method, True, choice.width, choice.predicted_seconds, seconds, where)
    details["terms_measured"] = len(choice.group_of_measured)
    details["light_cone_qubits"] = max(choice.light_cone_qubits, propagation.light_cone_qubits)
    exact = choice.exact
    if choice.propagated:
        details["terms_propagated"] = len(choice.propagated)
        details["max_pauli_terms"] = choice.max_terms
        details["pauli_terms_kept"] = propagation.strings_kept
        details["truncated_pauli_weight"] = propagation.truncated_one_norm
        details["noise"] = "pauli_twirled_gate_errors+readout"
        exact = propagation.truncated_one_norm <= _EXACT_TOLERANCE
    return plan.MethodReport(
        choice.method, exact, choice.width, choice.predicted_seconds, seconds, where, details
    )
