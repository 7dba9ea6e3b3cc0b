"""What a session sees while its backend is paused (CHOSEN where IBM is silent: docs/fidelity.md,
"Test author's toolkit"). Not in tests/contract: a real run cannot pause a backend, so no real run
can settle these; they pin the chosen behaviour."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime import Session
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from tests.contract.helpers import error_body


@pytest.mark.fakeqpu(job_duration=10)
def test_a_session_keeps_its_state_while_the_backend_is_paused(fake_runtime, fake_backend, bell, qpu_clock):
    session = Session(backend=fake_backend, max_time=600)
    first = Sampler(mode=session).run([bell])
    second = Sampler(mode=session).run([bell])
    fake_runtime.set_backend_status(fake_backend.name, "paused", "calibration")
    qpu_clock.advance(seconds=120)  # far past the 60 s interactive TTL
    assert (first.status(), second.status()) == ("DONE", "QUEUED")
    assert session.status() == "In progress, accepting new jobs"
    assert session.details()["state"] == "active"
    assert session.usage() == 120.0
    with pytest.raises(IBMRuntimeError) as raised:
        Sampler(mode=session).run([bell])
    assert error_body(raised.value)["errors"][0]["code"] == 1004
    fake_runtime.set_backend_status(fake_backend.name, "online")
    qpu_clock.advance(seconds=10)
    assert second.status() == "DONE"
    session.close()


@pytest.mark.fakeqpu(job_duration=10)
def test_the_max_ttl_closes_a_session_during_a_pause(fake_runtime, fake_backend, bell, qpu_clock):
    session = Session(backend=fake_backend, max_time=300)
    Sampler(mode=session).run([bell])
    waiting = Sampler(mode=session).run([bell])
    fake_runtime.set_backend_status(fake_backend.name, "offline", until=3600)
    qpu_clock.advance(seconds=301)
    assert session.status() == "Closed"
    assert waiting.status() == "ERROR" and "1217" in waiting.error_message()
