"""The executor-era primitives (client-side Sampler and Estimator, Executor) against the fake."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

pytestmark = pytest.mark.min_client("0.50", reason="the executor primitives have these names from 0.50")


def test_client_side_sampler_in_a_session(fake_session, qpu_clock, bell):
    from qiskit_ibm_runtime.executor_sampler import Sampler

    sampler = Sampler(mode=fake_session)
    sampler.options.twirling.enable_gates = True
    counts = sampler.run([bell], shots=256).result()[0].data.meas.get_counts()
    qpu_clock.advance(seconds=61)
    assert fake_session.status() == "Pending"
    assert counts.get("00", 0) + counts.get("11", 0) > 128


def test_client_side_estimator_with_readout_mitigation(fake_batch, bell):
    from qiskit_ibm_runtime.executor_estimator import Estimator

    circuit = bell.remove_final_measurements(inplace=False)
    zz = SparsePauliOp("ZZ").apply_layout(circuit.layout)
    estimator = Estimator(mode=fake_batch)
    estimator.options.resilience_level = 1  # TREX, computed by the client from raw shots
    result = estimator.run([(circuit, zz)], precision=0.05).result()
    assert 0.5 < float(result[0].data.evs) <= 1.1


def test_raw_executor_with_a_quantum_program(fake_backend, bell):
    from qiskit_ibm_runtime import Executor
    from qiskit_ibm_runtime.quantum_program import QuantumProgram

    program = QuantumProgram(shots=100)
    program.append_circuit_item(bell, circuit_arguments=np.zeros((3, 0)))  # three repetitions
    result = Executor(mode=fake_backend).run(program).result()
    assert result[0]["meas"].shape == (3, 100, 2)  # (*item shape, shots, bits): raw shots
