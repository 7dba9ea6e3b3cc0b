"""fakeqpu.testing.strategies: what each strategy promises (no fake needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub

from fakeqpu.backend_data import get_backend_data
from fakeqpu.testing import SessionModel
from fakeqpu.testing import strategies as fst
from fakeqpu.testing.model import Rules

BACKEND = "ibm_torino"
TARGET = get_backend_data(BACKEND).fake_backend().target
FEW = settings(max_examples=25)


def is_isa(circuit) -> bool:
    for instruction in circuit.data:
        qubits = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        if instruction.operation.name == "barrier":
            continue
        if not TARGET.instruction_supported(instruction.operation.name, qubits):
            return False
    return True


@FEW
@given(fst.isa_circuits(BACKEND))
def test_isa_circuits_are_bound_and_run_on_the_target(circuit):
    assert circuit.num_parameters == 0
    assert circuit.num_qubits == TARGET.num_qubits
    assert is_isa(circuit)
    assert circuit.count_ops().get("measure", 0) >= 2


def test_isa_templates_are_cached_and_unknown_ones_refused():
    assert fst.isa_template(BACKEND, "layer") is fst.isa_template(BACKEND, "layer")
    assert fst.isa_template(BACKEND, "layer", measured=False).count_ops().get("measure", 0) == 0
    with pytest.raises(ValueError, match="unknown template"):
        fst.isa_template(BACKEND, "qft")


@FEW
@given(fst.sampler_pubs(BACKEND))
def test_sampler_pubs_coerce(pub):
    coerced = SamplerPub.coerce(pub)
    assert is_isa(coerced.circuit)
    assert coerced.parameter_values.num_parameters == coerced.circuit.num_parameters


@FEW
@given(fst.estimator_pubs(BACKEND))
def test_estimator_pubs_coerce_with_observables_on_the_circuits_qubits(pub):
    coerced = EstimatorPub.coerce(pub)
    assert coerced.observables.num_qubits == TARGET.num_qubits
    assert coerced.precision is None or 0 < coerced.precision <= 0.5
    used = set(pub[0].layout.final_index_layout())
    for pauli in pub[1].paulis:
        assert set(np.flatnonzero(pauli.x | pauli.z)) <= used  # acts only where the circuit's qubits are


@FEW
@given(fst.clock_moves(plan="premium", job_duration=5))
def test_clock_moves_are_non_negative_milliseconds(seconds):
    assert seconds >= 0
    assert round(seconds, 3) == seconds


@pytest.mark.parametrize(
    "boundary", [60 - 0.001, 60.0, 60 + 0.001, 1800 + 1, 5 + 60 + 0.001, 8 * 3600 - 0.001]
)
def test_clock_moves_reach_just_around_each_boundary(boundary):
    assert find(fst.clock_moves(job_duration=5), lambda s: s == round(boundary, 3)) == round(boundary, 3)


def test_ttl_boundaries_follow_the_rules():
    rules = Rules.for_plan("premium", interactive_ttl=20, max_ttl=900)
    assert fst.ttl_boundaries(rules) == [1.0, 20.0, 900.0, 1800.0]
    assert 25.0 in fst.ttl_boundaries(rules, job_duration=5)


def test_boundary_moves_land_around_what_the_model_expects_next():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    model = SessionModel(start=t0, job_duration=10)
    model.submit(model.create_session(max_ttl=300))
    model.advance(4)
    # next: job end at 10 s, window lapse at 70 s, max TTL at 300 s (from now: 6, 66, 296)
    for point in (6.0, 66.0, 296.0):
        assert find(fst.boundary_moves(model), lambda s, p=point: s == p - 0.001) == point - 0.001
    assert model.upcoming() == [t0 + timedelta(seconds=s) for s in (10, 70, 300)]


@FEW
@given(fst.session_scripts(max_size=8))
def test_session_scripts_open_a_session_first(script):
    assert 1 <= len(script) <= 8
    assert isinstance(script[0], fst.OpenSession)
    assert all(isinstance(op, fst.SessionOp) for op in script)


@FEW
@given(fst.session_operations(modes=["batch"], max_times=st.just(60)))
def test_session_operations_respect_the_choices(op):
    if isinstance(op, fst.OpenSession):
        assert (op.mode, op.max_time) == ("batch", 60)
