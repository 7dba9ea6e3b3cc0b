"""Sessions as IBM runs them: details, status words, close versus cancel, rejection after close.

Cheap on real hardware: sessions with a 5-minute max_time, Bell circuits of 64 shots, 4 jobs in all.
"""

from __future__ import annotations

import uuid

import pytest
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from tests.contract.helpers import (
    CLOSED,
    DETAIL_FIELDS,
    IN_ACCEPT,
    IN_NOT_ACCEPT,
    MAX_TIME,
    MAX_TIME_SECONDS,
    PENDING,
    SHOTS,
    error_body,
    states,
    wait,
)

pytestmark = pytest.mark.contract


@pytest.mark.contract(fidelity="Sessions: POST /sessions creates a session in state open; ids are UUIDs")
@pytest.mark.parametrize(("kind", "mode", "interactive"), [(Session, "dedicated", 60), (Batch, "batch", 1)])
@pytest.mark.min_client("0.51", reason="Session.details() returns timestamps from 0.51")
def test_session_details_fields(fake_backend, contract_record, kind, mode, interactive):
    with kind(backend=fake_backend, max_time=MAX_TIME) as session:
        details = session.details()
        contract_record("details", details)
        assert set(details) >= DETAIL_FIELDS
        assert str(uuid.UUID(details["id"])) == details["id"] == session.session_id
        assert (details["backend_name"], details["mode"]) == (fake_backend.name, mode)
        assert (details["state"], details["accepting_jobs"], session.status()) == ("open", True, PENDING)
        assert (details["interactive_timeout"], details["max_time"]) == (interactive, MAX_TIME_SECONDS)
        assert details["active_timeout"] == MAX_TIME_SECONDS  # CHOSEN: the whole max TTL before it starts
        unset = ("started_at", "activated_at", "closed_at", "last_job_started", "last_job_completed")
        assert {name: details[name] for name in unset} == dict.fromkeys(unset)
        assert details["usage_time"] is None
        assert states(details) == ["open"]


@pytest.mark.contract(
    fidelity="Sessions: close() with nothing outstanding → closed at once (session_closed_early)"
)
def test_close_without_jobs_closes_at_once(fake_backend, raw, contract_record):
    session = Session(backend=fake_backend, max_time=MAX_TIME)
    session.close()
    assert session.status() == CLOSED
    wire = raw.session(session.session_id)
    contract_record("state_reason", wire.get("state_reason"))
    contract_record("timestamps", states(wire))
    assert (wire["state"], wire["accepting_jobs"]) == ("closed", False)
    assert wire["closed_at"] is not None
    assert wire["state_reason"] == "session_closed_early"
    assert states(wire) == ["open", "closed"]


@pytest.mark.min_client("0.51", reason="Session.details() returns timestamps from 0.51")
@pytest.mark.contract(fidelity="Sessions: open → active when the first job starts; status words")
def test_a_session_through_one_job(fake_session, bell, raw, contract_record):
    assert fake_session.status() == PENDING
    job = Sampler(mode=fake_session).run([bell], shots=SHOTS)
    assert wait(job) == "DONE"
    details = fake_session.details()
    contract_record("details", details)
    assert (fake_session.status(), details["state"]) == (IN_ACCEPT, "active")  # in its interactive window
    started = ("started_at", "activated_at", "last_job_started", "last_job_completed")
    assert all(details[name] is not None for name in started), details
    assert details["usage_time"] > 0
    assert states(details) == ["open", "active"]
    fake_session.close()  # nothing outstanding: closes at once
    assert fake_session.status() == CLOSED
    wire = raw.session(fake_session.session_id)
    contract_record("state_reason", wire.get("state_reason"))
    assert wire["state_reason"] == "session_closed_early"


@pytest.mark.contract(
    fidelity="Sessions: close() with work outstanding → pending_closed; jobs run; closed (jobs_completed)"
)
def test_close_with_a_job_outstanding(fake_backend, bell, raw, contract_record):
    session = Session(backend=fake_backend, max_time=MAX_TIME)
    job = Sampler(mode=session).run([bell], shots=SHOTS)
    session.close()
    assert session.status() == IN_NOT_ACCEPT
    assert wait(job) == "DONE"  # a closing session still runs what it accepted
    wire = raw.session(session.session_id)
    contract_record("state_reason", wire.get("state_reason"))
    contract_record("timestamps", states(wire))
    assert session.status() == CLOSED
    assert wire["state_reason"] == "jobs_completed"
    assert "pending_closed" in states(wire)


@pytest.mark.contract(fidelity="Sessions: cancel() → closed at once; queued jobs end Cancelled (code 1217)")
def test_cancel_versus_close(fake_backend, bell, raw, contract_record):
    session = Session(backend=fake_backend, max_time=MAX_TIME)
    sampler = Sampler(mode=session)
    first, second = sampler.run([bell], shots=SHOTS), sampler.run([bell], shots=SHOTS)
    session.cancel()
    assert session.status() == CLOSED
    wire = raw.session(session.session_id)
    contract_record("state_reason", wire.get("state_reason"))
    assert wire["state_reason"] == "cancelled"
    outcomes = [wait(first), wait(second)]
    contract_record("job_statuses", outcomes)
    # the running job (if the first had started) finishes; a queued one is cancelled
    assert outcomes[0] in ("DONE", "CANCELLED") and outcomes[1] == "CANCELLED"
    for job, outcome in zip((first, second), outcomes, strict=True):
        if outcome == "CANCELLED":
            state = raw.job_state(job.job_id())
            contract_record(f"cancelled_job_state_{job.job_id()}", state)
            assert (state["status"], state["reason_code"]) == ("Cancelled", 1217)


@pytest.mark.contract(
    fidelity="Sessions: a job to a closed session → HTTP 400, code 1217 'Session has been closed.'"
)
def test_closed_session_rejects_jobs(fake_service, fake_backend, bell, contract_record):
    session = Session(backend=fake_backend, max_time=MAX_TIME)
    # a second handle still thinks the session open, so the client sends the job and the server decides
    other = Session.from_id(session.session_id, service=fake_service)
    session.close()
    with pytest.raises(IBMRuntimeError) as info:
        Sampler(mode=other).run([bell], shots=SHOTS)
    body = error_body(info.value)
    contract_record("envelope", body)
    assert "400 Client Error" in str(info.value)
    (error,) = body["errors"]
    assert (error["code"], error["message"]) == (1217, "Session has been closed.")
