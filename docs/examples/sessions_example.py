"""The session lifecycle, the QPU queue and the timeline (docs/sessions.md)."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import IBMRuntimeError, RuntimeJobFailureError

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


@pytest.mark.fakeqpu(job_duration=60, seed=7, start="2030-01-01T09:00:00")
def test_max_ttl_closes_the_session_and_fails_its_queued_jobs(fake_runtime, fake_backend, bell):
    clock = fake_runtime.clock
    session = Session(backend=fake_backend, max_time="5m")
    sampler = Sampler(mode=session)
    first = sampler.run([bell], shots=10)  # starts at once: the session starts, max TTL runs
    clock.advance(seconds=130)  # done at +60, interactive TTL lapsed at +120: inactive
    assert first.status() == "DONE" and session.status() == "Pending"
    jobs = [sampler.run([bell], shots=10) for _ in range(4)]  # the first reactivates the session
    clock.advance(minutes=10)
    assert session.status() == "Closed"  # at +300, max TTL: the timer never paused
    assert [job.status() for job in jobs] == ["DONE", "DONE", "DONE", "ERROR"]
    with pytest.raises(RuntimeJobFailureError, match="1217; Session has been closed"):
        jobs[3].result()
    with pytest.raises(IBMRuntimeError, match="1217"):
        sampler.run([bell], shots=10)  # the server refuses jobs for a closed session
    assert str(fake_runtime.timeline()) == TIMELINE


TIMELINE = """\
+  0:00:00  2030-01-01 09:00:00  session f952f233-a540-4583-b319-d5759aef1c9e  open
+  0:00:00  2030-01-01 09:00:00  job     nkehmrbuddrtebg957ri                  Queued
+  0:00:00  2030-01-01 09:00:00  job     nkehmrbuddrtebg957ri                  Running
+  0:00:00  2030-01-01 09:00:00  session f952f233-a540-4583-b319-d5759aef1c9e  active
+  0:01:00  2030-01-01 09:01:00  job     nkehmrbuddrtebg957ri                  Completed
+  0:02:00  2030-01-01 09:02:00  session f952f233-a540-4583-b319-d5759aef1c9e  inactive
+  0:02:10  2030-01-01 09:02:10  job     arqanq4d8mherjddeb7e                  Queued
+  0:02:10  2030-01-01 09:02:10  job     arqanq4d8mherjddeb7e                  Running
+  0:02:10  2030-01-01 09:02:10  session f952f233-a540-4583-b319-d5759aef1c9e  active
+  0:02:10  2030-01-01 09:02:10  job     edjjos7b4m9r4rlh1bhc                  Queued
+  0:02:10  2030-01-01 09:02:10  job     tbmckb0h6o6rfesstib7                  Queued
+  0:02:10  2030-01-01 09:02:10  job     vpa7slpv0crsqqjm528q                  Queued
+  0:03:10  2030-01-01 09:03:10  job     arqanq4d8mherjddeb7e                  Completed
+  0:03:10  2030-01-01 09:03:10  job     edjjos7b4m9r4rlh1bhc                  Running
+  0:04:10  2030-01-01 09:04:10  job     edjjos7b4m9r4rlh1bhc                  Completed
+  0:04:10  2030-01-01 09:04:10  job     tbmckb0h6o6rfesstib7                  Running
+  0:05:00  2030-01-01 09:05:00  session f952f233-a540-4583-b319-d5759aef1c9e  closed  (max_ttl_reached)
+  0:05:00  2030-01-01 09:05:00  job     vpa7slpv0crsqqjm528q                  Failed  (1217 Session has been closed.)
+  0:05:10  2030-01-01 09:05:10  job     tbmckb0h6o6rfesstib7                  Completed"""  # noqa: E501


@pytest.mark.fakeqpu(job_duration=10)
def test_close_lets_queued_jobs_finish_but_cancel_does_not(fake_backend, qpu_clock, bell):
    closed, cancelled = Session(backend=fake_backend), Session(backend=fake_backend)
    kept = [Sampler(mode=closed).run([bell], shots=10) for _ in range(2)]
    dropped = [Sampler(mode=cancelled).run([bell], shots=10) for _ in range(2)]
    closed.close()
    assert closed.status() == "In progress, not accepting new jobs"
    cancelled.cancel()  # while its jobs wait behind `closed`, which holds the QPU
    assert cancelled.status() == "Closed"
    qpu_clock.advance(seconds=20)
    assert closed.status() == "Closed"  # at once, when its last job ended
    assert [job.status() for job in kept + dropped] == ["DONE", "DONE", "CANCELLED", "CANCELLED"]


@pytest.mark.fakeqpu(job_duration=10)
def test_an_active_session_holds_the_qpu_a_batch_does_not(fake_backend, qpu_clock, bell):
    dedicated, batch = Session(backend=fake_backend), Batch(backend=fake_backend)
    Sampler(mode=dedicated).run([bell], shots=10)
    other = Sampler(mode=fake_backend).run([bell], shots=10)
    qpu_clock.advance(seconds=10 + 59)  # the session's job is done; its interactive window is open
    assert other.status() == "QUEUED"
    qpu_clock.advance(seconds=1)  # the window lapses: the QPU is free for everyone
    assert other.status() == "RUNNING" and dedicated.status() == "Pending"
    qpu_clock.advance(seconds=10)
    Sampler(mode=batch).run([bell], shots=10)
    after_batch = Sampler(mode=fake_backend).run([bell], shots=10)
    qpu_clock.advance(seconds=10)
    assert after_batch.status() == "RUNNING"  # no window: the next job starts at once
    assert (dedicated.usage(), batch.usage()) == (70, 10)  # wall clock while active vs QPU time


@pytest.mark.fakeqpu(job_duration=1)
def test_a_session_never_used_closes_after_30_minutes(fake_session, qpu_clock):
    qpu_clock.advance(minutes=29, seconds=59)
    assert fake_session.status() == "Pending"
    qpu_clock.advance(seconds=1)
    assert fake_session.status() == "Closed"


@pytest.mark.fakeqpu(plan="open", job_duration=5)
def test_open_plan_sessions_run_in_job_mode_by_default(fake_backend, qpu_clock, bell):
    session = Session(backend=fake_backend)  # accepted ...
    job = Sampler(mode=session).run([bell], shots=10)
    assert job.status() == "RUNNING" and session.status() == "Pending"  # ... but never activates
    qpu_clock.advance(hours=9)
    assert job.status() == "DONE" and session.details()["started_at"] is None


@pytest.mark.fakeqpu(plan="open", open_plan_sessions="reject")
def test_open_plan_sessions_rejected_like_ibm_today(fake_backend):
    with pytest.raises(RequestsApiError, match="1352"):
        Session(backend=fake_backend)
    assert Batch(backend=fake_backend).status() == "Pending"  # batches are allowed


@pytest.mark.min_client("0.50", reason="executor_sampler.Sampler has this name from 0.50")
@pytest.mark.fakeqpu(job_duration=10)
def test_the_current_sampler_follows_the_same_session_rules(fake_backend, qpu_clock, bell):
    from qiskit_ibm_runtime.executor_sampler import Sampler as CurrentSampler

    session = Session(backend=fake_backend)
    jobs = [CurrentSampler(mode=session).run([bell], shots=10) for _ in range(2)]
    session.close()
    assert session.status() == "In progress, not accepting new jobs"
    qpu_clock.advance(seconds=20)
    assert session.status() == "Closed"  # at once, when its last job ended
    assert [job.status() for job in jobs] == ["DONE", "DONE"]
