"""Wide Estimator jobs through the real client finish in bounded time with plausible values."""

from __future__ import annotations

import math

import numpy as np
from qiskit.quantum_info import SparsePauliOp
from qiskit_ibm_runtime import EstimatorV2 as Estimator

from tests.estimator_circuits import kicked_ising, shallow, shallow_reference, z_label


def test_local_observables_of_a_64_qubit_circuit(fake_backend):
    angles = list(np.random.default_rng(5).uniform(0.3, 2.8, 64))
    circuit = shallow(64, angles)
    terms = [([10], "Z"), ([40], "X"), ([28, 29], "ZZ")]
    observables = [SparsePauliOp(z_label(dict(zip(qubits, label, strict=True)))) for qubits, label in terms]

    result = Estimator(mode=fake_backend).run([(circuit, observables)], precision=0.05).result()

    evs, stds = result[0].data.evs, result[0].data.stds
    expected = [shallow_reference(64, angles, qubits, label) for qubits, label in terms]
    np.testing.assert_allclose(evs, expected, atol=0.2)
    assert np.all(stds > 0) and np.all(stds < 0.1)


def test_a_127_qubit_kicked_ising_trotter_circuit(fake_backend):
    circuit = kicked_ising(127, 4, 0.3)
    observables = [SparsePauliOp(z_label({q: "Z"})) for q in (0, 62, 126)]

    result = Estimator(mode=fake_backend).run([(circuit, observables)], precision=0.05).result()

    evs, stds = result[0].data.evs, result[0].data.stds
    assert evs.shape == stds.shape == (3,)
    assert np.all(np.abs(evs) <= 1) and np.all(stds > 0)
    # small kicks keep the magnetisation positive for a few steps
    assert np.all(evs > 0.1)
    assert result[0].metadata["target_precision"] == 0.05
    assert math.isclose(result.metadata["resilience"]["measure_mitigation"], True)
