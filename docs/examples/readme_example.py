"""The README's examples, run as tests."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime import SamplerV2 as Sampler

import fakeqpu


@pytest.mark.fakeqpu(job_duration=5)
def test_session_goes_pending_after_the_interactive_ttl(fake_session, qpu_clock, bell):
    Sampler(mode=fake_session).run([bell], shots=100).result()
    qpu_clock.advance(seconds=61)
    assert fake_session.status() == "Pending"


def test_without_pytest_fixtures():
    with fakeqpu.mock_runtime(plan="premium", seed=7) as runtime:
        service = QiskitRuntimeService()  # no credentials: the environment points at the fake
        backend = service.least_busy(operational=True, simulator=False)
        runtime.clock.advance(minutes=30)
        print(runtime.timeline())
    assert backend.name == "ibm_torino"
