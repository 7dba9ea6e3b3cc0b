"""Flow c of http-surface.md through the real client: every session transition the client can see."""

from __future__ import annotations

import contextlib
from importlib.metadata import version

import pytest
from packaging.version import Version
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMInputValueError

from tests.contract.helpers import DETAIL_FIELDS

# From 0.44 the client checks the instance's usage before each job and warns when the limit is met.
WARNS_AT_USAGE_LIMIT = Version(version("qiskit-ibm-runtime")) >= Version("0.44")
IN_ACCEPT = "In progress, accepting new jobs"
IN_NOT_ACCEPT = "In progress, not accepting new jobs"


@pytest.mark.min_client("0.51", reason="Session.details() returns timestamps from 0.51")
def test_details_fill_every_field(fake_session, fake_backend):
    details = fake_session.details()
    assert set(details) >= DETAIL_FIELDS
    assert details["active_timeout"] == 8 * 3600
    assert details["usage_time"] is None
    assert len(details["id"]) == 36


@pytest.mark.min_client("0.51", reason="Session.details() returns timestamps from 0.51")
@pytest.mark.fakeqpu(job_duration=5)
def test_status_words_through_a_whole_life(fake_backend, qpu_clock, bell):
    session = Session(backend=fake_backend, max_time="10m")
    assert session.status() == "Pending"
    sampler = Sampler(mode=session)
    sampler.run([bell])
    assert session.status() == IN_ACCEPT
    qpu_clock.advance(seconds=5 + 60)
    assert session.status() == "Pending" and session.details()["state"] == "inactive"
    sampler.run([bell])
    sampler.run([bell])
    session.close()
    assert session.status() == IN_NOT_ACCEPT
    qpu_clock.advance(seconds=10)
    details = session.details()
    assert session.status() == "Closed"
    assert [t["status"] for t in details["timestamps"]] == [
        "open",
        "active",
        "inactive",
        "active",
        "pending_closed",
        "closed",
    ]
    assert details["last_job_completed"] is not None and details["closed_at"] is not None
    assert session.usage() == pytest.approx(65 + 10)


@pytest.mark.fakeqpu(job_duration=5)
def test_from_id_sees_the_same_session(fake_service, fake_session, bell):
    Sampler(mode=fake_session).run([bell])
    again = Session.from_id(fake_session.session_id, service=fake_service)
    assert again.session_id == fake_session.session_id
    assert again.status() == IN_ACCEPT
    with pytest.raises(IBMInputValueError):
        Batch.from_id(fake_session.session_id, service=fake_service)


def test_from_id_of_an_unknown_session(fake_service):
    with pytest.raises(IBMInputValueError):
        Session.from_id("00000000-0000-4000-8000-000000000000", service=fake_service)


def test_batch_details_show_batch_ttls(fake_batch):
    details = fake_batch.details()
    assert details["mode"] == "batch"
    assert details["interactive_timeout"] == 1 and details["max_time"] == 8 * 3600


@pytest.mark.fakeqpu(plan="open")
def test_open_plan_batch_lives_ten_minutes(fake_backend, qpu_clock, bell):
    batch = Batch(backend=fake_backend, max_time="1h")
    assert batch.details()["max_time"] == 600  # capped by the plan, silently
    Sampler(mode=batch).run([bell]).result()
    qpu_clock.advance(minutes=10)
    assert batch.status() == "Closed"


@pytest.mark.min_client("0.41", reason="0.40's service.usage() is for the retired ibm_quantum channel only")
@pytest.mark.fakeqpu(plan="open", job_duration=600)
def test_open_plan_usage_limit(fake_service, fake_backend, bell):
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError

    usage = fake_service.usage()
    assert usage["usage_limit_seconds"] == 600 and usage["usage_remaining_seconds"] == 600
    sampler = Sampler(mode=fake_backend)
    sampler.run([bell]).result()  # one 10-minute job uses the whole allowance
    assert fake_service.usage()["usage_limit_reached"] is True
    warned = contextlib.nullcontext()
    if WARNS_AT_USAGE_LIMIT:
        warned = pytest.warns(UserWarning, match="usage limit")
    with warned, pytest.raises(IBMRuntimeError, match="409"):  # the service refuses the job either way
        sampler.run([bell])


@pytest.mark.fakeqpu(interactive_ttl=5, max_ttl=120)
def test_instance_ttl_overrides(fake_session):
    details = fake_session.details()
    assert (details["interactive_timeout"], details["max_time"]) == (5, 120)


@pytest.mark.fakeqpu(job_duration=30)
def test_a_second_session_waits_while_the_first_holds_the_qpu(fake_backend, qpu_clock, bell):
    first, second = Session(backend=fake_backend), Session(backend=fake_backend)
    Sampler(mode=first).run([bell])
    waiting = Sampler(mode=second).run([bell])
    qpu_clock.advance(seconds=31)
    assert waiting.status() == "QUEUED" and second.status() == "Pending"
    qpu_clock.advance(seconds=60)
    assert waiting.status() == "RUNNING" and second.status() == IN_ACCEPT
    assert first.details()["state"] == "inactive"
