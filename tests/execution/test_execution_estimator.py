"""Estimator V2 jobs: expectation values, precision and shots, broadcasting, bases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives import PubResult
from qiskit.quantum_info import SparsePauliOp


def test_zz_on_a_bell_pair(run_job, estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp("ZZ").apply_layout(good_bell_unmeasured.layout)

    _, result = run_job("estimator", estimator_params((good_bell_unmeasured, observable), precision=0.02))

    pub = result[0]
    assert isinstance(pub, PubResult)
    assert 0.85 <= float(pub.data.evs) <= 1.02
    assert 0 < float(pub.data.stds) < 0.05
    # 2500 shots, measurement twirled: 32 randomizations of max(64, ceil(2500 / 32)) = 79 shots
    assert math.ceil(1 / 0.02**2) == 2500
    assert (pub.metadata["num_randomizations"], pub.metadata["shots"]) == (32, 32 * 79)
    assert pub.metadata["target_precision"] == 0.02
    assert result.metadata["resilience"]["measure_mitigation"] is True


def test_default_precision_means_4096_shots(run_job, estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp("ZZ").apply_layout(good_bell_unmeasured.layout)

    _, result = run_job("estimator", estimator_params((good_bell_unmeasured, observable)))

    assert result[0].metadata["shots"] == 4096
    assert result[0].metadata["target_precision"] == 0.015625


def test_default_shots_option_overrides_default_precision(run_job, estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp("ZZ").apply_layout(good_bell_unmeasured.layout)
    params = estimator_params((good_bell_unmeasured, observable), default_shots=1000)

    _, result = run_job("estimator", params)

    assert result[0].metadata["shots"] == 16 * 64  # 1000 shots, twirled: 16 randomizations of 64


def test_unmitigated_values_carry_the_readout_error(run_job, estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp("ZZ").apply_layout(good_bell_unmeasured.layout)
    pub = (good_bell_unmeasured, observable)

    _, mitigated = run_job("estimator", estimator_params(pub, precision=0.01))
    _, raw = run_job("estimator", estimator_params(pub, precision=0.01, resilience_level=0))

    assert raw.metadata["resilience"]["measure_mitigation"] is False
    assert float(raw[0].data.evs) < float(mitigated[0].data.evs)


def test_bell_pair_in_every_basis(run_job, estimator_params, good_bell_unmeasured):
    layout = good_bell_unmeasured.layout
    observables = [SparsePauliOp(label).apply_layout(layout) for label in ("XX", "YY", "ZZ", "XY", "ZI")]
    observables.append(SparsePauliOp(["XX", "YY"], [0.5, -0.5]).apply_layout(layout))

    _, result = run_job("estimator", estimator_params((good_bell_unmeasured, observables), precision=0.02))

    evs = result[0].data.evs
    assert evs.shape == (6,)
    np.testing.assert_allclose(evs, [1, -1, 1, 0, 0, 1], atol=0.12)


@pytest.mark.parametrize(
    ("prepare", "label", "expected"),
    [("", "Z", 1), ("x", "Z", -1), ("h", "X", 1), ("hz", "X", -1), ("hs", "Y", 1), ("hsz", "Y", -1)],
)
def test_single_qubit_eigenstates(run_job, estimator_params, transpile, prepare, label, expected):
    circuit = QuantumCircuit(1)
    for gate in prepare:
        getattr(circuit, gate)(0)
    isa = transpile(circuit, [92])
    observable = SparsePauliOp(label).apply_layout(isa.layout)

    _, result = run_job("estimator", estimator_params((isa, observable), precision=0.03))

    assert float(result[0].data.evs) == pytest.approx(expected, abs=0.1)


def test_observables_broadcast_against_parameter_sets(run_job, estimator_params, transpile):
    theta = Parameter("theta")
    circuit = QuantumCircuit(1)
    circuit.ry(theta, 0)
    isa = transpile(circuit, [92])
    observables = [
        [SparsePauliOp("Z").apply_layout(isa.layout)],
        [SparsePauliOp("X").apply_layout(isa.layout)],
    ]
    values = np.array([[0.0], [math.pi / 2], [math.pi]])

    _, result = run_job("estimator", estimator_params((isa, observables, values), precision=0.03))

    evs = result[0].data.evs
    assert evs.shape == (2, 3)
    np.testing.assert_allclose(evs, [[1, 0, -1], [0, 1, 0]], atol=0.12)
    assert result[0].data.stds.shape == (2, 3)


def test_identity_terms_are_exact(run_job, estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp(["II", "ZZ"], [2.0, 1.0]).apply_layout(good_bell_unmeasured.layout)

    _, result = run_job("estimator", estimator_params((good_bell_unmeasured, observable), precision=0.02))

    assert 2.85 <= float(result[0].data.evs) <= 3.02


def test_estimator_is_deterministic(run_job, estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp("XX").apply_layout(good_bell_unmeasured.layout)
    params = estimator_params((good_bell_unmeasured, observable))

    first, result = run_job("estimator", params, seed=3)
    again, _ = run_job("estimator", params, seed=3)
    _, other = run_job("estimator", params, seed=4)

    assert first == again
    assert float(other[0].data.evs) != float(result[0].data.evs)
