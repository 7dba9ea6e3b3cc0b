"""What the client sees of the sampling ladder: the options, the method reports in the result metadata
and on the job record, the exact-only failure, and the control API's list of running simulations."""

from __future__ import annotations

import math

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError

import fakeqpu
from fakeqpu.options import OptionError


def _ghz_isa(backend, size: int) -> QuantumCircuit:
    circuit = QuantumCircuit(size)
    circuit.h(0)
    for qubit in range(size - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.ry(0.3, 0)  # not Clifford: no stabilizer rung
    circuit.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(circuit)


@pytest.mark.parametrize(
    "options",
    [
        {"simulation_budget": math.nan},
        {"simulation_budget": math.inf},
        {"simulation_budget": -1},
        {"simulation_budget": 0},
        {"simulation_budget": "10"},
        {"simulation_budget": True},
        {"simulation": "fast"},
        {"simulation": None},
    ],
)
def test_bad_simulation_options_are_refused_before_anything_starts(options):
    with pytest.raises(OptionError):
        fakeqpu.mock_runtime(**options)


def test_the_result_metadata_and_the_job_record_say_how_each_pub_was_simulated(fake_runtime, fake_backend):
    isa = _ghz_isa(fake_backend, 3)
    job = SamplerV2(mode=fake_backend).run([isa, isa], shots=200)
    result = job.result()

    entries = result.metadata["fakeqpu"]["simulation"]
    assert [entry["where"] for entry in entries] == ["pub 0", "pub 1"]
    assert all(entry["exact"] is True and entry["qubits"] == 3 for entry in entries)
    assert all("seconds" not in entry for entry in entries)  # the result text stays deterministic
    (record,) = fake_runtime.jobs()
    assert record.simulation is not None and len(record.simulation) == len(entries)
    assert all(entry["seconds"] >= 0 and entry["predicted_seconds"] > 0 for entry in record.simulation)


def test_the_job_record_has_no_simulation_before_the_result_is_read(fake_runtime, fake_backend):
    SamplerV2(mode=fake_backend).run([_ghz_isa(fake_backend, 2)], shots=10)
    (record,) = fake_runtime.jobs()
    assert record.simulation is None


# 10 qubits: the exact density matrix is predicted to take seconds, statevector trajectories far less
@pytest.mark.fakeqpu(simulation="exact", simulation_budget=0.01)
def test_exact_only_fails_a_job_that_would_need_an_approximation(fake_runtime, fake_backend):
    job = SamplerV2(mode=fake_backend).run([_ghz_isa(fake_backend, 10)], shots=4000)
    with pytest.raises(RuntimeJobFailureError) as failure:
        job.result()
    assert job.status() == "ERROR"
    assert "1520" in str(failure.value) and "statevector_trajectories" in str(failure.value)
    (record,) = fake_runtime.jobs()
    assert record.status == "Failed" and record.reason_code == 1520


@pytest.mark.fakeqpu(simulation_budget=0.01)
def test_a_small_budget_approximates_instead_of_failing(fake_runtime, fake_backend):
    result = SamplerV2(mode=fake_backend).run([_ghz_isa(fake_backend, 10)], shots=400).result()
    (entry,) = result.metadata["fakeqpu"]["simulation"]
    assert entry["method"] == "statevector_trajectories" and entry["exact"] is False
    assert entry["details"]["trajectories"] >= 8
    assert sum(result[0].data.meas.get_counts().values()) == 400


def test_the_control_api_lists_running_simulations(fake_runtime):
    assert fake_runtime.simulations() == []


@pytest.mark.fakeqpu(simulation="exact", simulation_budget=0.01)
def test_exact_only_fails_an_estimator_job_at_submission(fake_runtime, fake_backend):
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import EstimatorV2

    circuit = _ghz_isa(fake_backend, 10)
    circuit.remove_final_measurements()
    observable = SparsePauliOp("Z" * 10).apply_layout(circuit.layout)
    job = EstimatorV2(mode=fake_backend).run([(circuit, observable)])
    with pytest.raises(RuntimeJobFailureError) as failure:
        job.result()
    assert "1520" in str(failure.value) and "approximate method" in str(failure.value)
    (record,) = fake_runtime.jobs()
    assert record.status == "Failed" and record.reason_code == 1520 and record.simulation is None
