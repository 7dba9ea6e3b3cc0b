"""One test per bug the lifecycle machines found, in the shortest form the machine shrank it to.

A bug not fixed yet is a strict xfail here, tolerated by the machines through known_bugs.py; when its
fix lands the test passes, strict xfail fails it, and the marker and the tolerance go together.
"""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime import Session

from fakeqpu.service.sessions import BATCH
from tests.service.world import World

# -- usage after a close while a job runs (sem §1.6: "whichever happens last"). Fixed. -----------------
# Usage stopped at the close; the QPU stays committed to the session until its running job ends.
# Found by the service machine:
#   state.start(job_duration=1.5, interactive_ttl=None, max_ttl=None)
#   sessions_0 = state.open_session(max_time=None, mode='dedicated')
#   jobs_0 = state.submit(program='sampler', session=sessions_0)
#   state.cancel(session=sessions_0)
#   state.teardown()   -> usage: model 1.5, fake 0.0


@pytest.mark.fakeqpu(job_duration=30)
def test_usage_of_a_cancelled_session_runs_until_its_running_job_completes(fake_backend, qpu_clock, bell):
    session = Session(backend=fake_backend)
    job = Sampler(mode=session).run([bell], shots=10)
    qpu_clock.advance(seconds=10)
    session.cancel()
    assert session.status() == "Closed"
    qpu_clock.advance(seconds=60)
    assert job.status() == "DONE"
    assert session.usage() == pytest.approx(30)  # the QPU was committed to the session until the job ended


def test_usage_of_a_session_closed_by_max_ttl_runs_until_its_running_job_completes():
    w = World()
    s = w.session(max_ttl=100)
    w.job(s, duration=60)
    w.job(s, duration=60)  # runs 60..120, past the max TTL at 100
    w.advance(200)
    assert s.state == "closed" and s.closed_at == w.at(100)
    assert w.engine.session_usage(s) == 120


def test_batch_usage_is_unaffected_by_the_close():
    w = World()
    batch = w.session(mode=BATCH)
    w.job(batch, duration=60)
    w.advance(10)
    w.engine.cancel_session(batch)
    w.advance(100)
    assert w.engine.session_usage(batch) == 60
