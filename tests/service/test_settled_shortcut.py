"""The engine's "settled until the next event" shortcut changes nothing anyone can see.

Two engines run the same generated script of operations and clock moves: one as shipped, one whose
every `advance_to` settles in full (the shortcut forgotten before each). After every step, every
job, every session and the timeline must be the same in both: an operation that forgot to
invalidate the shortcut would leave its engine behind (a job not started, a timer not fired).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fakeqpu.service.engine import Engine
from fakeqpu.service.sessions import BATCH, DEDICATED
from tests.service.world import BACKEND, World


class AlwaysSettling(Engine):
    def advance_to(self, target: datetime) -> None:
        self._settled = False
        super().advance_to(target)


def _world(full: bool) -> World:
    world = World()
    if full:
        engine = AlwaysSettling(world.plan, world.now, world.timeline)
        engine.add_backend(BACKEND)
        engine.add_backend("ibm_fez")
        world.engine = engine
    return world


def _state(world: World) -> Any:
    engine = world.engine
    jobs = [(j.id, j.status, j.started_at, j.finished_at, j.reason) for j in engine.jobs.values()]
    sessions = [(s.id, s.state, s.state_reason, s.accepting_jobs) for s in engine.sessions.values()]
    qpus = [(q.status, q.running and q.running.id, [j.id for j in q.queue]) for q in engine.qpus.values()]
    timeline = [(e.at, e.subject, e.state, e.reason) for e in world.timeline.entries()]
    return engine.now, jobs, sessions, qpus, timeline


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("session"), st.sampled_from([DEDICATED, BATCH])),
        st.tuples(st.just("job"), st.sampled_from([0.0, 5.0, 60.0, 400.0])),
        st.tuples(st.just("advance"), st.sampled_from([0.0, 1.0, 30.0, 61.0, 600.0, 2000.0])),
        st.tuples(st.just("close"), st.integers(0, 3)),
        st.tuples(st.just("cancel_session"), st.integers(0, 3)),
        st.tuples(st.just("resume"), st.integers(0, 3)),
        st.tuples(st.just("cancel_job"), st.integers(0, 7)),
        st.tuples(st.just("backend"), st.sampled_from(["paused", "online"]), st.sampled_from([None, 45.0])),
    ),
    max_size=30,
)


def _apply(world: World, step: tuple[Any, ...]) -> None:
    engine = world.engine
    sessions = list(engine.sessions.values())
    jobs = list(engine.jobs.values())
    kind = step[0]
    if kind == "session":
        world.session(mode=step[1])
    elif kind == "job":
        open_ones = [s for s in sessions if not s.closed and s.accepting_jobs]
        world.job(open_ones[-1] if open_ones else None, duration=step[1])
    elif kind == "advance":
        world.advance(step[1])
    elif kind in ("close", "cancel_session", "resume") and sessions:
        session = sessions[step[1] % len(sessions)]
        {"close": engine.stop_accepting, "cancel_session": engine.cancel_session}.get(
            kind, engine.resume_accepting
        )(session)
    elif kind == "cancel_job" and jobs:
        job = jobs[step[1] % len(jobs)]
        if not job.final:
            engine.cancel_job(job)
    elif kind == "backend":
        at = None if step[2] is None else world.now + timedelta(seconds=step[2])
        engine.set_backend_status(BACKEND, step[1], None, at)


@settings(max_examples=150, deadline=None)
@given(STEPS)
def test_a_settled_engine_answers_as_one_that_settles_every_time(steps: list[tuple[Any, ...]]) -> None:
    shortcut, full = _world(full=False), _world(full=True)
    for step in steps:
        _apply(shortcut, step)
        _apply(full, step)
        # a read at the same instant and one just short of anything due: the shortcut's two cases
        shortcut.advance(0)
        full.advance(0)
        assert _state(shortcut) == _state(full), step
