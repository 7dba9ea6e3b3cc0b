"""The README's first example, run as a test: the README shows everything below the future import."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2 as Sampler


@pytest.fixture
def bell(fake_backend):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return generate_preset_pass_manager(backend=fake_backend, optimization_level=1).run(circuit)


@pytest.mark.fakeqpu(job_duration=5)
def test_session_goes_pending_after_the_interactive_ttl(fake_session, qpu_clock, bell):
    Sampler(mode=fake_session).run([bell], shots=100).result()
    qpu_clock.advance(seconds=61)
    assert fake_session.status() == "Pending"
