"""Property-based tests of quantum code against fakeqpu, with `fakeqpu.testing`: copy and adapt.

Three patterns:

1. random ISA PUBs (`sampler_pubs`, `estimator_pubs`) through the real primitives;
2. random session scripts (`session_scripts`) played on the fake through the real client, each step
   checked against the documented lifecycle (`SessionModel`);
3. clock moves near the plan's TTL boundaries (`clock_moves`).

Hypothesis cannot use function-scoped pytest fixtures in `@given` tests, so each example opens its own
`fakeqpu.mock_runtime(...)`; the client objects (a `QiskitRuntimeService` costs ~50 ms) are built once
and reused, as the fixtures of the pytest plugin do.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMRuntimeError, RuntimeInvalidStateError

import fakeqpu
from fakeqpu.testing import JobNotCancellable, Rules, SessionModel, SessionNotAccepting
from fakeqpu.testing import strategies as fst

BACKEND = "ibm_torino"
JOB_SECONDS = 10
EXAMPLES = settings(max_examples=8, deadline=None)


@functools.cache
def client() -> tuple[Any, Any]:
    """A real QiskitRuntimeService and IBMBackend, built once (inside a fake, which they outlive)."""
    with fakeqpu.mock_runtime(backends=[BACKEND]) as runtime:
        service = runtime.service()
        backend = service.backend(BACKEND)
        fst.isa_template(backend)  # loads the backend's target while a fake answers
    return service, backend


# -- 1. PUBs through the primitives ----------------------------------------------------------------


@EXAMPLES
@given(pubs=st.lists(fst.sampler_pubs(BACKEND, shots=st.none()), min_size=1, max_size=3))
def test_sampler_gives_one_result_per_pub_with_the_pub_shape(pubs: list[tuple[Any, ...]]) -> None:
    _, backend = client()
    with fakeqpu.mock_runtime(backends=[BACKEND], job_duration=2):
        result = Sampler(mode=backend).run(pubs, shots=16).result()
    assert len(result) == len(pubs)
    for pub, pub_result in zip(pubs, result, strict=True):
        values = pub[1] if len(pub) > 1 else None
        shape = () if values is None else np.shape(values)[:-1]
        assert pub_result.data.meas.shape == shape
        assert pub_result.data.meas.num_shots == 16


@EXAMPLES
@given(pub=fst.estimator_pubs(BACKEND, precision=st.just(0.25)))
def test_unmitigated_expectation_values_of_paulis_lie_in_minus_one_one(pub: tuple[Any, ...]) -> None:
    _, backend = client()
    with fakeqpu.mock_runtime(backends=[BACKEND], job_duration=2):
        estimator = Estimator(mode=backend, options={"resilience_level": 0})  # mitigation may leave [-1, 1]
        evs = np.asarray(estimator.run([pub]).result()[0].data.evs)
    values = pub[2] if len(pub) > 2 else None
    assert evs.shape == (() if values is None else np.shape(values)[:-1])  # one value per parameter set
    assert np.all(np.abs(evs) <= 1 + 1e-9)


# -- 2. session scripts against the documented lifecycle -------------------------------------------


class Player:
    """Plays `fakeqpu.testing.strategies` operations through the real client, and on the model."""

    def __init__(self, runtime: fakeqpu.FakeRuntime, service: Any, backend: Any) -> None:
        self.runtime, self.service, self.backend = runtime, service, backend
        self.model = SessionModel(
            Rules.for_plan("premium"), start=runtime.clock.now(), job_duration=JOB_SECONDS
        )
        self.sessions: list[Any] = []
        self.jobs: list[Any] = []
        self.bell = fst.isa_template(backend, "bell")

    def play(self, op: fst.SessionOp) -> None:
        self.model.advance_to(self.runtime.clock.now())
        if isinstance(op, fst.OpenSession):
            cls = Session if op.mode == "dedicated" else Batch
            session = cls(backend=self.backend, max_time=op.max_time)
            self.model.create_session(op.mode, max_ttl=op.max_time, session_id=session.session_id)
            self.sessions.append(session)
        elif isinstance(op, fst.Submit):
            self.submit(None if op.session is None else self.pick(self.sessions, op.session))
        elif isinstance(op, fst.CloseSession | fst.CancelSession) and self.sessions:
            session = self.pick(self.sessions, op.session)
            if isinstance(op, fst.CloseSession):
                session.close()
                self.model.close_session(session.session_id)
            else:
                session.cancel()
                self.model.cancel_session(session.session_id)
        elif isinstance(op, fst.FromId) and self.sessions:
            session = self.pick(self.sessions, op.session)
            cls = Session if self.model.session(session.session_id).mode == "dedicated" else Batch
            self.sessions.append(cls.from_id(session.session_id, service=self.service))
        elif isinstance(op, fst.CancelJob) and self.jobs:
            self.cancel(self.pick(self.jobs, op.job))
        elif isinstance(op, fst.Advance):
            self.runtime.clock.advance(seconds=op.seconds)
        elif isinstance(op, fst.Sleep):
            time.sleep(op.seconds)  # virtual while the fake runs
        self.model.advance_to(self.runtime.clock.now())

    @staticmethod
    def pick(items: list[Any], index: int) -> Any:
        return items[index % len(items)]

    def submit(self, session: Any) -> None:
        sid = session.session_id if session is not None else None
        try:
            job = Sampler(mode=session or self.backend).run([self.bell], shots=10)
        except IBMRuntimeError:  # refused: the session is closed or closing
            assert sid is not None and not self.model.accepting(sid)
            return
        self.model.submit(sid, job_id=job.job_id())
        self.jobs.append(job)

    def cancel(self, job: Any) -> None:
        try:
            job.cancel()
        except RuntimeInvalidStateError:  # already final
            try:
                self.model.cancel_job(job.job_id())
            except JobNotCancellable:
                return
            raise AssertionError("the fake refused to cancel a job the model says is not final") from None
        self.model.cancel_job(job.job_id())

    def check(self) -> None:
        for session in self.sessions:
            expected = self.model.session(session.session_id)
            assert session.status() == expected.client_status
            assert session.details()["state"] == expected.state
        for job in self.jobs:
            assert job.status() == self.model.job(job.job_id()).client_status


@EXAMPLES
@given(script=fst.session_scripts(job_duration=JOB_SECONDS, max_size=12))
def test_a_random_session_script_follows_the_documented_lifecycle(script: list[fst.SessionOp]) -> None:
    service, backend = client()
    with fakeqpu.mock_runtime(backends=[BACKEND], job_duration=JOB_SECONDS) as runtime:
        player = Player(runtime, service, backend)
        for op in script:
            try:
                player.play(op)
            except SessionNotAccepting:  # the model refused what the client let through
                raise AssertionError(f"{op}: the fake accepted a job the model refuses") from None
            player.check()


# -- 3. clock moves near the TTL boundaries ----------------------------------------------------------


@EXAMPLES
@given(seconds=fst.clock_moves(plan="premium", job_duration=JOB_SECONDS))
def test_one_job_then_a_clock_move_the_status_is_the_documented_one(seconds: float) -> None:
    """The move lands often just before, on, or just after the end of the job (10 s), of the interactive
    window (10 + 60 s), of the idle time (10 + 1800 s) and of the max TTL (8 h)."""
    _, backend = client()
    with fakeqpu.mock_runtime(backends=[BACKEND], job_duration=JOB_SECONDS) as runtime:
        model = SessionModel(start=runtime.clock.now(), job_duration=JOB_SECONDS)  # premium's rules
        session = Session(backend=backend)
        Sampler(mode=session).run([fst.isa_template(backend)], shots=10)
        model.submit(model.create_session(session_id=session.session_id))
        runtime.clock.advance(seconds=seconds)
        model.advance(seconds)
        assert session.status() == model.session(session.session_id).client_status
