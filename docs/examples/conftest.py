"""Fixtures shared by the documentation examples."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import IBMBackend

_ISA: dict[str, QuantumCircuit] = {}


@pytest.fixture
def bell(fake_backend: IBMBackend) -> QuantumCircuit:
    """A measured Bell circuit transpiled for `fake_backend`, built once per backend."""
    if fake_backend.name not in _ISA:
        circuit = QuantumCircuit(2)
        circuit.h(0)
        circuit.cx(0, 1)
        circuit.measure_all()
        pass_manager = generate_preset_pass_manager(backend=fake_backend, optimization_level=1)
        _ISA[fake_backend.name] = pass_manager.run(circuit)
    return _ISA[fake_backend.name]
