from __future__ import annotations

import functools

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager


@functools.cache
def _isa(backend_name: str, kind: str) -> QuantumCircuit:
    from fakeqpu.backend_data import get_backend_data

    backend = get_backend_data(backend_name).fake_backend()
    qc = QuantumCircuit(2)
    if kind == "param":
        qc.ry(Parameter("a"), 0)
    else:
        qc.h(0)
    qc.cx(0, 1)
    if kind in ("bell", "param"):
        qc.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(qc)


@pytest.fixture
def bell(fake_backend) -> QuantumCircuit:
    return _isa(fake_backend.name, "bell")


@pytest.fixture
def sweep(fake_backend) -> QuantumCircuit:
    return _isa(fake_backend.name, "param")


@pytest.fixture
def bell_zz(fake_backend) -> tuple[QuantumCircuit, SparsePauliOp]:
    circuit = _isa(fake_backend.name, "unmeasured")
    return circuit, SparsePauliOp("ZZ").apply_layout(circuit.layout)
