"""TTLs: behaviour that takes minutes or hours of real time. The fake's clock makes it instant, so these
run against the fake only; a real run skips them (qpu_clock) and lists them as skipped in its report."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime import Session

from tests.contract.helpers import CLOSED, IN_ACCEPT, MAX_TIME, MAX_TIME_SECONDS, PENDING, SHOTS, wait

pytestmark = pytest.mark.contract


# qpu_clock first in each signature: a real run skips before it creates anything.


@pytest.mark.contract(fidelity="Sessions: active → inactive when the interactive TTL lapses")
def test_the_interactive_window_lapses(qpu_clock, fake_session, bell):
    assert wait(Sampler(mode=fake_session).run([bell], shots=SHOTS)) == "DONE"
    assert fake_session.status() == IN_ACCEPT
    qpu_clock.advance(seconds=61)
    assert (fake_session.status(), fake_session.details()["state"]) == (PENDING, "inactive")


@pytest.mark.fakeqpu(job_duration=400)
@pytest.mark.contract(fidelity="Sessions: max TTL closes; the running job finishes; queued jobs Failed 1217")
def test_max_ttl_closes_the_session(qpu_clock, fake_backend, bell, raw):
    session = Session(backend=fake_backend, max_time=MAX_TIME)
    sampler = Sampler(mode=session)
    running, queued = sampler.run([bell], shots=SHOTS), sampler.run([bell], shots=SHOTS)
    qpu_clock.advance(seconds=MAX_TIME_SECONDS)
    assert session.status() == CLOSED
    assert raw.session(session.session_id)["state_reason"] == "max_ttl_reached"
    assert wait(queued) == "ERROR"
    state = raw.job_state(queued.job_id())
    assert (state["status"], state["reason_code"]) == ("Failed", 1217)
    assert wait(running) == "DONE"


@pytest.mark.contract(fidelity="Sessions: a session with no job for 30 minutes closes (idle_timeout)")
def test_an_idle_session_closes_after_30_minutes(qpu_clock, fake_backend, raw):
    session = Session(backend=fake_backend, max_time=MAX_TIME)
    qpu_clock.advance(minutes=29)
    assert session.status() == PENDING
    qpu_clock.advance(minutes=1)
    assert session.status() == CLOSED
    assert raw.session(session.session_id)["state_reason"] == "idle_timeout"
