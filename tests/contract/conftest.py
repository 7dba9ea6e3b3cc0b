"""Fixtures of the contract suite. They hold with the fake and, with `--fakeqpu-real`, against IBM."""

from __future__ import annotations

from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

from tests.contract.helpers import RawApi

_ISA: dict[tuple[str, str], QuantumCircuit] = {}


def _isa(backend: Any, measured: bool) -> QuantumCircuit:
    key = (backend.name, "bell" if measured else "unmeasured")
    if key not in _ISA:
        circuit = QuantumCircuit(2)
        circuit.h(0)
        circuit.cx(0, 1)
        if measured:
            circuit.measure_all()
        manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
        _ISA[key] = manager.run(circuit)
    return _ISA[key]


@pytest.fixture
def bell(fake_backend: Any) -> QuantumCircuit:
    """A measured Bell circuit, transpiled for the backend under test (2 active qubits)."""
    return _isa(fake_backend, measured=True)


@pytest.fixture
def bell_zz(fake_backend: Any) -> tuple[QuantumCircuit, list[SparsePauliOp]]:
    """An unmeasured Bell circuit with ZZ and XX laid out for the backend."""
    circuit = _isa(fake_backend, measured=False)
    return circuit, [SparsePauliOp(label).apply_layout(circuit.layout) for label in ("ZZ", "XX")]


@pytest.fixture
def raw(fake_service: Any) -> RawApi:
    return RawApi(fake_service)
