"""`jobs()`, `sessions()`: typed, read-only records of what the app submitted; the 1217 jump hint."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import numpy as np
import pytest
from freezegun import freeze_time
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from fakeqpu.service.records import JobRecord, PubRecord, SessionRecord


@pytest.mark.fakeqpu(job_duration=4)
def test_job_records_show_what_was_submitted(fake_runtime, fake_backend, bell, sweep, bell_zz, qpu_clock):
    values = np.array([[0.0], [np.pi]])
    sampled = Sampler(mode=fake_backend, options={"default_shots": 77}).run([bell, (sweep, values, 12)])
    sampled.update_tags(["vqe", "step-1"])
    circuit, zz = bell_zz
    estimated = Estimator(mode=fake_backend).run([(circuit, zz)], precision=0.1)
    qpu_clock.advance(seconds=10)
    first, second = fake_runtime.jobs()
    assert isinstance(first, JobRecord) and isinstance(first.pubs[0], PubRecord)
    assert (first.id, first.program, first.backend, first.session_id) == (
        sampled.job_id(),
        "sampler",
        "ibm_torino",
        None,
    )
    assert (first.status, first.reason_code, sorted(first.tags)) == ("Completed", None, ["step-1", "vqe"])
    assert first.shots == (77, 12)
    assert first.pubs[0].circuit == bell and first.pubs[0].parameter_values.size == 0
    assert first.pubs[1].parameter_values.tolist() == [[0.0], [np.pi]]
    assert first.options["default_shots"] == 77
    assert first.qpu_seconds == 4.0 and (first.finished - first.started) == timedelta(seconds=4)
    assert first.created <= first.started
    assert second.id == estimated.job_id() and second.program == "estimator"
    assert second.shots == (100,)  # ceil(1 / 0.1**2)
    ((pauli, coefficient),) = second.pubs[0].observables.items()
    assert (len(pauli), pauli.count("Z"), set(pauli) - {"Z"}, coefficient) == (133, 2, {"I"}, 1.0)
    assert second.pubs[0].precision == 0.1


def test_records_are_frozen_snapshots(fake_runtime, fake_backend, bell):
    Sampler(mode=fake_backend).run([bell])
    record = fake_runtime.jobs()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "Completed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        record.options["x"] = 1  # type: ignore[index]


@pytest.mark.fakeqpu(job_duration=5)
def test_session_records(fake_runtime, fake_backend, bell, qpu_clock):
    with Session(backend=fake_backend, max_time=600) as session:
        a = Sampler(mode=session).run([bell])
        b = Sampler(mode=session).run([bell])
    batch = Batch(backend=fake_backend)
    qpu_clock.advance(seconds=20)
    dedicated, batched = fake_runtime.sessions()
    assert isinstance(dedicated, SessionRecord)
    assert (dedicated.id, dedicated.mode, dedicated.backend) == (
        session.session_id,
        "dedicated",
        "ibm_torino",
    )
    assert (dedicated.state, dedicated.state_reason) == ("closed", "jobs_completed")
    assert (dedicated.max_ttl, dedicated.interactive_ttl) == (600, 60)
    assert dedicated.jobs == (a.job_id(), b.job_id())
    assert dedicated.usage_seconds == 10.0
    assert dedicated.started is not None and dedicated.closed == dedicated.started + timedelta(seconds=10)
    assert [state for state, _ in dedicated.timestamps] == ["open", "active", "pending_closed", "closed"]
    assert dedicated.timestamps[-1][1] == dedicated.closed
    assert (batched.id, batched.mode, batched.state, batched.jobs, batched.usage_seconds) == (
        batch.session_id,
        "batch",
        "open",
        (),
        None,
    )
    assert batched.open and not dedicated.open


@pytest.mark.fakeqpu(job_duration=5)
def test_a_freezegun_jump_that_closes_the_session_idle_is_named_in_the_1217(fake_session, qpu_clock, bell):
    Sampler(mode=fake_session).run([bell], shots=10)
    with (
        freeze_time(qpu_clock.now() + timedelta(hours=1)),
        pytest.raises(IBMRuntimeError, match="1217") as raised,
    ):
        Sampler(mode=fake_session).run([bell], shots=10)
    assert "during a jump of the clock" in str(raised.value)
    assert "freezegun or time-machine" in str(raised.value)


@pytest.mark.fakeqpu(job_duration=5)
def test_no_hint_when_the_fakes_own_clock_moved(fake_session, qpu_clock, bell):
    Sampler(mode=fake_session).run([bell], shots=10)
    qpu_clock.advance(hours=1)
    with pytest.raises(IBMRuntimeError, match="1217") as raised:
        Sampler(mode=fake_session).run([bell], shots=10)
    assert "jump of the clock" not in str(raised.value)
