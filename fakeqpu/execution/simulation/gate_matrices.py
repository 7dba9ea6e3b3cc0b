"""Gate matrices over many parameter sets at once, in qiskit's conventions.

A samplex item binds one template to hundreds of parameter sets (one per randomization), each
angle a different float: building one `Gate` per angle costs microseconds each, millions in all.
The parameterized standard gates are written here in closed form over numpy arrays; any other
gate is built once per distinct row of its parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import Parameter, ParameterExpression
from qiskit.circuit.library import get_standard_gate_name_mapping

from fakeqpu.execution.errors import INCOMPATIBLE, ExecutionError

Matrices = NDArray[np.complex128]
"""(d, d) for a gate fixed over the parameter sets, else (N, d, d)."""


def gate_matrices(operation: Any, values: NDArray[np.float64], column: Mapping[Parameter, int]) -> Matrices:
    """The matrix of `operation` for each row of `values` (columns in `column` order)."""
    params = list(operation.params)
    if not any(isinstance(p, ParameterExpression) for p in params):
        return _fixed(operation.name, tuple(float(p) for p in params), operation)
    numeric = np.stack([_evaluate(p, values, column) for p in params], axis=-1)
    closed = _CLOSED_FORMS.get(operation.name)
    if closed is not None and numeric.shape[1] == _ARITY[operation.name]:
        return closed(*(numeric[:, i] for i in range(numeric.shape[1])))
    unique, inverse = np.unique(numeric, axis=0, return_inverse=True)
    built = np.stack([_fixed(operation.name, tuple(row), operation) for row in unique.tolist()])
    out: Matrices = built[inverse.reshape(-1)]
    return out


@functools.cache
def _standard_gates() -> dict[str, Any]:
    return dict(get_standard_gate_name_mapping())


def supported(operation: Any) -> bool:
    """Whether `gate_matrices` can build this gate's matrix (a standard gate, or one with a matrix)."""
    if operation.name in _standard_gates():
        return True
    if any(isinstance(p, ParameterExpression) for p in operation.params):
        return False
    try:
        _fixed(operation.name, tuple(float(p) for p in operation.params), operation)
    except (ExecutionError, TypeError, ValueError):
        return False
    return True


def _evaluate(
    param: Any, values: NDArray[np.float64], column: Mapping[Parameter, int]
) -> NDArray[np.float64]:
    if not isinstance(param, ParameterExpression):
        return np.full(len(values), float(param))
    if isinstance(param, Parameter):
        return np.asarray(values[:, column[param]], dtype=np.float64)
    out = np.empty(len(values))
    for row in range(len(values)):
        out[row] = float(param.bind({p: float(values[row, column[p]]) for p in param.parameters}))
    return out


@functools.lru_cache(maxsize=8192)
def _fixed_cached(name: str, params: tuple[float, ...]) -> Matrices:
    gate = _standard_gates()[name]
    matrix: Matrices = np.asarray(gate.base_class(*params).to_matrix(), dtype=np.complex128)
    return matrix


def _fixed(name: str, params: tuple[float, ...], operation: Any) -> Matrices:
    try:
        return _fixed_cached(name, params)
    except Exception:
        try:
            return np.asarray(operation.to_matrix(), dtype=np.complex128)
        except Exception as exc:
            raise ExecutionError(INCOMPATIBLE, f"fakeqpu cannot simulate the gate {name}: {exc}") from None


def _stack(rows: list[list[Any]], size: int) -> Matrices:
    """(N, d, d) from a d×d nested list of scalars or (N,) arrays."""
    dim = len(rows)
    out = np.zeros((size, dim, dim), dtype=np.complex128)
    for i, row in enumerate(rows):
        for j, entry in enumerate(row):
            out[:, i, j] = entry
    return out


def _rz(theta: NDArray[np.float64]) -> Matrices:
    phase = np.exp(0.5j * theta)
    return _stack([[phase.conj(), 0], [0, phase]], len(theta))


def _rx(theta: NDArray[np.float64]) -> Matrices:
    cos, sin = np.cos(theta / 2), np.sin(theta / 2)
    return _stack([[cos, -1j * sin], [-1j * sin, cos]], len(theta))


def _ry(theta: NDArray[np.float64]) -> Matrices:
    cos, sin = np.cos(theta / 2), np.sin(theta / 2)
    return _stack([[cos, -sin], [sin, cos]], len(theta))


def _phase(lam: NDArray[np.float64]) -> Matrices:
    return _stack([[1, 0], [0, np.exp(1j * lam)]], len(lam))


def _u(theta: NDArray[np.float64], phi: NDArray[np.float64], lam: NDArray[np.float64]) -> Matrices:
    cos, sin = np.cos(theta / 2), np.sin(theta / 2)
    return _stack(
        [[cos, -np.exp(1j * lam) * sin], [np.exp(1j * phi) * sin, np.exp(1j * (phi + lam)) * cos]], len(theta)
    )


def _u2(phi: NDArray[np.float64], lam: NDArray[np.float64]) -> Matrices:
    return _u(np.full(len(phi), np.pi / 2), phi, lam)


def _r(theta: NDArray[np.float64], phi: NDArray[np.float64]) -> Matrices:
    cos, sin = np.cos(theta / 2), np.sin(theta / 2)
    return _stack([[cos, -1j * np.exp(-1j * phi) * sin], [-1j * np.exp(1j * phi) * sin, cos]], len(theta))


def _rzz(theta: NDArray[np.float64]) -> Matrices:
    phase = np.exp(0.5j * theta)
    return _stack(
        [[phase.conj(), 0, 0, 0], [0, phase, 0, 0], [0, 0, phase, 0], [0, 0, 0, phase.conj()]], len(theta)
    )


_CLOSED_FORMS: dict[str, Callable[..., Matrices]] = {
    "rz": _rz,
    "rx": _rx,
    "ry": _ry,
    "p": _phase,
    "u1": _phase,
    "u": _u,
    "u3": _u,
    "u2": _u2,
    "r": _r,
    "rzz": _rzz,
}
_ARITY = {"rz": 1, "rx": 1, "ry": 1, "p": 1, "u1": 1, "u": 3, "u3": 3, "u2": 2, "r": 2, "rzz": 1}
