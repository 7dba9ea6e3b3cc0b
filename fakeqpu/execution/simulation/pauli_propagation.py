"""Expectation values of wide circuits by Pauli propagation (sparse Pauli dynamics), with the device's noise.

Each Pauli term is evolved backwards through the circuit (Heisenberg picture) as a sparse sum of
Pauli strings, by `pauli_prop` (Qiskit's Rust-accelerated engine); past `max_terms` strings, or
below `atol`, the smallest are dropped and their one-norm is reported. The expectation value in
|0...0> is the sum of the coefficients of the strings made of I and Z only.

Every gate is written as Pauli rotations (sx = RX(π/2), cz = RZZ(-π/2)·RZ(π/2)⊗RZ(π/2) up to phase,
and any other gate through its Euler / KAK-free definition), so Clifford gates cost no branching.
The noise is the one wide Aer models carry (`twirl.py`): after each gate, its Pauli-twirled error
as a Pauli-Lindblad channel, which damps each string by the gate's Pauli fidelity for it.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import Operator, Pauli, PauliList, pauli_basis
from qiskit.synthesis import OneQubitEulerDecomposer

from fakeqpu.execution.errors import INCOMPATIBLE, ExecutionError
from fakeqpu.execution.simulation import noise
from fakeqpu.execution.simulation.twirl import pauli_fidelities

Rotation = tuple[str, tuple[int, ...], float]
"""A Pauli rotation exp(-i θ/2 P): the label of P (qiskit order over the qubits), its qubits, θ."""

_PASSIVE = frozenset({"barrier", "delay", "id"})
_PI = math.pi
_ZXZ = OneQubitEulerDecomposer("ZXZ")
ATOL = 1e-6
"""Strings whose coefficient falls below this are dropped as they appear."""


@dataclass(frozen=True)
class Propagated:
    value: float
    truncated_one_norm: float
    """Sum of |coefficient| of every string dropped: a bound on the error of `value` from truncation."""
    terms: int
    """Strings left at the end."""


def rotations(name: str, params: Sequence[float], qubits: tuple[int, ...]) -> list[Rotation]:
    """The gate as Pauli rotations, in time order (equal to it up to a global phase)."""
    if name in _PASSIVE:
        return []
    if name == "rz" or name == "p" or name == "u1":
        return [("Z", qubits, float(params[0]))]
    if name == "rx":
        return [("X", qubits, float(params[0]))]
    if name == "ry":
        return [("Y", qubits, float(params[0]))]
    if name in ("rzz", "rxx", "ryy"):
        letter = name[1].upper()
        return [(letter * 2, qubits, float(params[0]))]
    if name == "sx":
        return [("X", qubits, _PI / 2)]
    if name == "sxdg":
        return [("X", qubits, -_PI / 2)]
    if name == "x":
        return [("X", qubits, _PI)]
    if name == "y":
        return [("Y", qubits, _PI)]
    if name == "z":
        return [("Z", qubits, _PI)]
    if name == "cz":
        a, b = qubits
        return [("Z", (a,), _PI / 2), ("Z", (b,), _PI / 2), ("ZZ", qubits, -_PI / 2)]
    if name == "cx":
        target = qubits[1]
        return [*_hadamard(target), *rotations("cz", (), qubits), *_hadamard(target)]
    if name == "ecr":
        # ECR = RZX(π/4) · X(on control) · RZX(-π/4), RZX with Z on the first qubit, X on the second
        a, b = qubits
        return [("XZ", qubits, _PI / 4), ("X", (a,), _PI), ("XZ", qubits, -_PI / 4)]
    if len(qubits) == 1:
        return _euler(name, tuple(float(p) for p in params))
    raise ExecutionError(INCOMPATIBLE, f"fakeqpu cannot propagate Paulis through the gate {name!r}.")


def _hadamard(qubit: int) -> list[Rotation]:
    return [("Z", (qubit,), _PI / 2), ("X", (qubit,), _PI / 2), ("Z", (qubit,), _PI / 2)]


@functools.lru_cache(maxsize=4096)
def _euler_angles(name: str, params: tuple[float, ...]) -> tuple[float, float, float]:
    from qiskit.circuit.library import get_standard_gate_name_mapping

    gate = get_standard_gate_name_mapping()[name]
    if params:
        gate = type(gate)(*params)
    theta, phi, lam = _ZXZ.angles(Operator(gate).data)
    return float(theta), float(phi), float(lam)


def _euler(name: str, params: tuple[float, ...]) -> list[Rotation]:
    try:
        theta, phi, lam = _euler_angles(name, params)
    except Exception:
        raise ExecutionError(
            INCOMPATIBLE, f"fakeqpu cannot propagate Paulis through the gate {name!r}."
        ) from None
    qubit = (0,)
    # U = RZ(phi) RX(theta) RZ(lam): RZ(lam) acts first
    return [("Z", qubit, lam), ("X", qubit, theta), ("Z", qubit, phi)]


@dataclass(frozen=True)
class Program:
    """A circuit as pauli_prop's rotations and noise channels, ready for any number of observables.

    `spans[i]` holds instruction i's rotations `[r0, r1)` and channels `[c0, c1)` (after its rotations),
    so the program of a light cone is a selection of instructions, without compiling again.
    """

    num_qubits: int
    noisy: bool
    gates: list[NDArray[np.bool_]]
    rotation_qargs: list[tuple[int, ...]]
    thetas: list[float]
    generators: list[list[NDArray[np.bool_]]]
    rates: list[list[float]]
    channel_qargs: list[list[tuple[int, ...]]]
    spans: list[tuple[int, int, int, int]]
    symbolic: list[tuple[int, Any]] = field(default_factory=list)
    """(rotation index, its angle as a parameter expression) of a program compiled unbound."""

    def bound(self, values: Mapping[Any, float]) -> Program:
        """The program with every symbolic angle given its value under `values` (parameter -> value)."""
        if not self.symbolic:
            return self
        thetas = list(self.thetas)
        for rotation, expression in self.symbolic:
            value = values.get(expression)
            thetas[rotation] = float(
                value if value is not None else expression.bind(dict(values), allow_unknown_parameters=True)
            )
        return replace(self, thetas=thetas)

    @property
    def instructions(self) -> int:
        return len(self.spans)

    def rotation_gates(self, positions: Sequence[int] | None = None) -> Any:
        """pauli_prop's form of the whole program, or of the instructions at `positions` (in order)."""
        from pauli_prop.propagation import NoisyRotationGates, RotationGates

        chosen = range(len(self.spans)) if positions is None else positions
        gates, qargs, thetas, generators, rates, types = [], [], [], [], [], []
        for position in chosen:
            r0, r1, c0, c1 = self.spans[position]
            for r in range(r0, r1):
                gates.append(self.gates[r])
                qargs.append([self.rotation_qargs[r]] if self.noisy else list(self.rotation_qargs[r]))
                thetas.append(self.thetas[r])
                types.append(False)
            for c in range(c0, c1):
                generators.append(self.generators[c])
                rates.append(self.rates[c])
                qargs.append(self.channel_qargs[c])
                types.append(True)
        if not self.noisy:
            return RotationGates(gates, qargs, thetas)
        return NoisyRotationGates(gates, qargs, thetas, generators, rates, types)


def compile_circuit(circuit: QuantumCircuit, physical: tuple[int, ...], backend_name: str | None) -> Program:
    """`circuit` (bound, no measurements) as rotations and, when `backend_name` is given, the noise of
    its gates on the `physical` qubits of that backend."""
    width = circuit.num_qubits
    index = {qubit: position for position, qubit in enumerate(circuit.qubits)}
    program = Program(width, backend_name is not None, [], [], [], [], [], [], [])
    # Identical rotations and channels share their arrays (pauli_prop only reads them).
    strings: dict[tuple[str, tuple[int, ...]], NDArray[np.bool_]] = {}
    channels: dict[
        tuple[str, tuple[int, ...]], tuple[list[NDArray[np.bool_]], list[float], list[Any]] | None
    ] = {}

    def string(label: str, on: tuple[int, ...]) -> NDArray[np.bool_]:
        found = strings.get((label, on))
        if found is None:
            found = strings[(label, on)] = _symplectic(label, on, width)
        return found

    for instruction in circuit.data:
        operation = instruction.operation
        qubits = tuple(index[q] for q in instruction.qubits)
        if operation.name in ("measure", "reset") or instruction.clbits:
            raise ExecutionError(INCOMPATIBLE, "fakeqpu cannot propagate Paulis through measurements.")
        r0, c0 = len(program.gates), len(program.generators)
        params = _angles(operation, program) if operation.name not in _PASSIVE else []
        for label, local, theta in rotations(operation.name, params, tuple(range(len(qubits)))):
            on = tuple(qubits[i] for i in local)
            program.gates.append(string(label, on))
            program.rotation_qargs.append(on)
            program.thetas.append(theta)
        if backend_name is not None:
            key = (operation.name, qubits)
            if key not in channels:
                channel = _lindblad(backend_name, operation.name, tuple(physical[q] for q in qubits))
                channels[key] = (
                    None
                    if channel is None
                    else (
                        [string(label, qubits) for label in channel[0]],
                        list(channel[1]),
                        [_support(label, qubits) for label in channel[0]],
                    )
                )
            built = channels[key]
            if built is not None:
                program.generators.append(built[0])
                program.rates.append(built[1])
                program.channel_qargs.append(built[2])
        program.spans.append((r0, len(program.gates), c0, len(program.generators)))
    return program


_DIRECT = frozenset({"rz", "rx", "ry", "rzz", "rxx", "ryy", "p", "u1"})
"""Gates whose one rotation angle is their parameter itself (see `rotations`)."""


class Unbindable(Exception):
    """A gate whose rotations depend non-linearly on a parameter: compile each parameter set bound."""


def _angles(operation: Any, program: Program) -> list[float]:
    angles = []
    for param in operation.params:
        try:
            angles.append(float(param))
        except TypeError:
            if operation.name not in _DIRECT:
                raise Unbindable(operation.name) from None
            program.symbolic.append((len(program.gates), param))
            angles.append(0.0)
    return angles


def _support(label: str, qubits: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(q for q, letter in zip(qubits, reversed(label), strict=True) if letter != "I"))


def _symplectic(label: str, qubits: tuple[int, ...], width: int) -> NDArray[np.bool_]:
    """[x | z] over `width` qubits of the Pauli `label` (qiskit order: last char = qubits[0])."""
    out = np.zeros(2 * width, dtype=bool)
    for qubit, letter in zip(qubits, reversed(label), strict=True):
        if letter in "XY":
            out[qubit] = True
        if letter in "ZY":
            out[width + qubit] = True
    return out


@functools.lru_cache(maxsize=65536)
def _lindblad(
    backend_name: str, name: str, qargs: tuple[int, ...]
) -> tuple[tuple[str, ...], tuple[float, ...]] | None:
    """The gate's twirled error as Pauli-Lindblad (generator labels, rates), None when noiseless.

    A Pauli channel with fidelities f_P is the Lindblad channel whose rates λ_G solve
    -ln f_P / 2 = Σ_{G anticommuting with P} λ_G (pauli_prop damps a string by exp(-2 λ_G) per
    anticommuting generator).
    """
    target = noise.backend_target(backend_name)
    if name not in target.operation_names or target[name] is None:
        return None
    props = target[name].get(qargs)
    if props is None:
        return None
    fidelities = pauli_fidelities(target, qargs, props.duration, props.error)
    if fidelities is None:
        return None
    basis, matrix = _anticommutation(len(qargs))
    targets = -np.log(np.clip(fidelities[1:], 1e-12, 1.0)) / 2
    solved = np.clip(np.linalg.solve(matrix, targets), 0.0, None)
    labels = tuple(label for label, rate in zip(basis.to_labels(), solved, strict=True) if rate > 0)
    return labels, tuple(float(rate) for rate in solved if rate > 0)


@functools.cache
def _anticommutation(num_qubits: int) -> tuple[PauliList, NDArray[np.float64]]:
    """The non-identity Paulis on `num_qubits` and which pairs of them anticommute (1.0)."""
    basis = pauli_basis(num_qubits)[1:]
    return basis, np.asarray(_anticommuting(basis), dtype=float)


def _anticommuting(basis: PauliList) -> NDArray[np.bool_]:
    x = basis.x.astype(np.uint8)
    z = basis.z.astype(np.uint8)
    return np.asarray(((x @ z.T + z @ x.T) % 2).astype(bool))


def propagate(
    program: Program,
    observable: Pauli,
    max_terms: int,
    atol: float = ATOL,
    positions: Sequence[int] | None = None,
) -> Propagated:
    """⟨0|U† P U|0⟩ under the program's noise, with P a Pauli over the program's qubits."""
    from pauli_prop import propagate_through_rotation_gates
    from qiskit.quantum_info import SparsePauliOp

    operator = SparsePauliOp(PauliList([observable]), [1.0])
    with warnings.catch_warnings():
        # pauli_prop casts SparsePauliOp's complex coefficients (real here) to float
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        evolved, truncated = propagate_through_rotation_gates(
            operator, program.rotation_gates(positions), max_terms, atol, "h"
        )
    diagonal = ~np.any(evolved.paulis.x, axis=1)
    value = float(np.real(np.sum(evolved.coeffs[diagonal])))
    return Propagated(value, float(truncated), len(evolved))
