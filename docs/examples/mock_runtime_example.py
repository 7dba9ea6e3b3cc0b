"""`fakeqpu.mock_runtime()` without the pytest fixtures: context manager, decorator, nesting."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest
from qiskit_ibm_runtime import QiskitRuntimeService, Session
from qiskit_ibm_runtime.api.exceptions import RequestsApiError

import fakeqpu


def test_mock_runtime_as_a_context_manager():
    with fakeqpu.mock_runtime(plan="premium", seed=7, start=datetime(2030, 1, 1, tzinfo=UTC)) as runtime:
        service = QiskitRuntimeService()  # no credentials: the environment points at the fake
        backend = service.least_busy(operational=True, simulator=False)
        session = Session(backend=backend)
        runtime.clock.advance(minutes=30)
        assert session.status() == "Closed"  # never given a job
        assert [(t.kind, t.state, t.reason) for t in runtime.timeline()] == [
            ("session", "open", None),
            ("session", "closed", "idle_timeout"),
        ]
    assert os.environ.get("QISKIT_IBM_TOKEN") != runtime.token  # the environment is restored
    assert time.sleep is fakeqpu.Clock.real_sleep  # and so is time


@fakeqpu.mock_runtime(backends=["ibm_fez"], start="2030-01-01T00:00:00")
def test_mock_runtime_as_a_decorator():
    service = QiskitRuntimeService()
    session = Session(backend=service.backend("ibm_fez"))
    time.sleep(20 * 60)  # a (virtual) sleep moves the clock
    fakeqpu.current().clock.advance(minutes=10)  # and so does the running fake's clock
    assert session.status() == "Closed"
    assert datetime.now(UTC) == datetime(2030, 1, 1, 0, 30, tzinfo=UTC)


@pytest.mark.min_client("0.41", reason="0.40's service.usage() is for the retired ibm_quantum channel only")
def test_nested_fakes_the_innermost_one_answers():
    with fakeqpu.mock_runtime(plan="premium") as outer:
        session = Session(backend=outer.service().backend("ibm_torino"))
        with fakeqpu.mock_runtime(plan="open", start="2031-01-01T00:00:00") as inner:
            assert QiskitRuntimeService().usage()["usage_limit_seconds"] == 600  # the open fake
            assert datetime.now(UTC) == inner.clock.now()  # and its clock
            with pytest.raises(RequestsApiError, match="1213"):  # the inner fake never saw that session
                session.status()
        assert session.status() == "Pending"  # the outer fake answers again
        assert datetime.now(UTC) == outer.clock.now()


def test_an_unknown_option_fails_at_once():
    with pytest.raises(fakeqpu.OptionError, match=r"unknown fakeqpu option 'plna' \(did you mean 'plan'"):
        fakeqpu.mock_runtime(plna="open")
