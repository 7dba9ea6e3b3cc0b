"""How fakeqpu simulated a job, and a job that must be exact (docs/fidelity.md, the ladder)."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


def test_the_result_says_which_method_ran(fake_runtime, fake_backend, bell):
    result = Sampler(mode=fake_backend).run([bell], shots=100).result()
    (entry,) = result.metadata["fakeqpu"]["simulation"]
    assert entry["where"] == "pub 0" and entry["exact"] is True
    (record,) = fake_runtime.jobs()
    assert record.simulation is not None and record.simulation[0]["seconds"] >= 0  # measured wall time


@pytest.mark.fakeqpu(simulation="exact", simulation_budget=0.01)
def test_an_exact_only_suite_fails_what_it_cannot_simulate_exactly(fake_backend):
    circuit = QuantumCircuit(10)  # a 10-qubit density matrix is predicted to take seconds
    circuit.h(0)
    for qubit in range(9):
        circuit.cx(qubit, qubit + 1)
    circuit.ry(0.3, 0)
    circuit.measure_all()
    isa = generate_preset_pass_manager(backend=fake_backend, optimization_level=1).run(circuit)
    job = Sampler(mode=fake_backend).run([isa], shots=4000)
    with pytest.raises(RuntimeJobFailureError, match="exactly within its budget"):
        job.result()
