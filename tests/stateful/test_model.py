"""The reference model on its own: each documented rule on a hand-written scenario, no fake involved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakeqpu.testing import model as m
from fakeqpu.testing.model import Rules, SessionModel

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def states(view: m.SessionView) -> list[str]:
    return [state for state, _ in view.timestamps]


def new(job_duration: float = 10, **rules: float) -> SessionModel:
    return SessionModel(Rules(**rules), start=T0, job_duration=job_duration)


def test_r1_a_new_session_is_open():
    model = new()
    sid = model.create_session(max_ttl=10**9)
    view = model.session(sid)
    assert (view.state, view.accepting_jobs, view.client_status) == ("open", True, "Pending")
    assert view.started_at is view.activated_at is view.closed_at is view.usage is None
    assert view.timestamps == (("open", T0),)
    assert view.max_ttl == 8 * 3600 and view.active_ttl == 8 * 3600  # capped silently


def test_r3_r4_first_job_activates_then_the_interactive_ttl_lapses_after_its_end():
    model = new()
    sid = model.create_session()
    model.advance(5)
    job = model.submit(sid)
    assert model.job(job).status == m.RUNNING
    assert model.session(sid).state == "active" and model.session(sid).started_at == at(5)
    model.advance_to(at(5 + 10 + 60) - timedelta(milliseconds=1))
    assert model.session(sid).state == "active"
    model.advance(0.001)
    view = model.session(sid)
    assert view.state == "inactive" and view.timestamps[-1] == ("inactive", at(75))
    assert view.usage == pytest.approx(70)


def test_r4_a_job_submitted_as_the_window_lapses_finds_the_session_inactive():
    model = new()
    sid = model.create_session()
    model.submit(sid)
    model.advance(70)
    model.submit(sid)
    assert states(model.session(sid)) == ["open", "active", "inactive", "active"]
    assert model.session(sid).activated_at == at(70) and model.session(sid).started_at == at(0)


def test_r2_an_active_session_holds_the_qpu_other_jobs_wait():
    model = new()
    sid = model.create_session()
    model.submit(sid)
    plain = model.submit(None)
    model.advance(30)
    assert model.job(plain).status == m.QUEUED
    mine = model.submit(sid)
    assert model.job(mine).status == m.RUNNING
    model.advance(10 + 60)
    assert model.job(plain).started == at(100)


def test_r2_batch_jobs_hold_nothing():
    model = new()
    batch = model.create_session(m.BATCH)
    first, plain, second = model.submit(batch), model.submit(None), model.submit(batch)
    model.advance(10)
    assert [model.job(j).status for j in (first, plain, second)] == [m.COMPLETED, m.RUNNING, m.QUEUED]
    model.advance(20)
    assert model.session(batch).state == "active"
    model.advance(1)
    assert model.session(batch).state == "inactive" and model.session(batch).usage == pytest.approx(20)


def test_r5_max_ttl_fails_queued_jobs_and_lets_the_running_one_finish():
    model = new(job_duration=600)
    sid = model.create_session(max_ttl=25 * 60)
    jobs = [model.submit(sid) for _ in range(4)]
    model.advance(25 * 60)
    assert [model.job(j).status for j in jobs] == [m.COMPLETED, m.COMPLETED, m.RUNNING, m.FAILED]
    assert model.job(jobs[3]).reason_code == 1217
    view = model.session(sid)
    assert (view.state, view.state_reason, view.closed_at) == ("closed", "max_ttl_reached", at(1500))
    model.advance(300)
    assert model.job(jobs[2]).status == m.COMPLETED
    # R11: usage runs until the session's last running job completes, after the close
    assert model.session(sid).usage == pytest.approx(1800)


def test_r5_a_job_that_ends_exactly_at_max_ttl_completes_the_next_one_fails():
    model = new(job_duration=100)
    sid = model.create_session(max_ttl=100)
    first, second = model.submit(sid), model.submit(sid)
    model.advance(100)
    assert (model.job(first).status, model.job(second).status) == (m.COMPLETED, m.FAILED)


def test_r6_idle_sessions_close_after_30_minutes_but_not_an_inactive_batch():
    model = new()
    never = model.create_session()
    used = model.create_session()
    batch = model.create_session(m.BATCH)
    model.submit(used)
    model.submit(batch)
    model.advance(1799.999)
    assert model.session(never).state == "open"
    model.advance(0.001)
    assert model.session(never).state == "closed" and model.session(never).state_reason == "idle_timeout"
    model.advance_to(at(10 + 1800))  # "used" ran 0-10, then its job ended: 30 minutes from then
    assert model.session(used).state == "closed"
    model.advance(7 * 3600)
    assert model.session(batch).state == "inactive"


def test_r7_close_with_work_runs_it_then_closes_and_at_once_without():
    model = new(job_duration=60)
    busy, idle = model.create_session(), model.create_session()
    jobs = [model.submit(busy) for _ in range(3)]
    model.advance(1)
    model.close_session(busy)
    model.close_session(idle)
    assert model.session(busy).client_status == "In progress, not accepting new jobs"
    assert model.session(idle).state_reason == "session_closed_early"
    with pytest.raises(m.SessionNotAccepting):
        model.submit(busy)
    model.advance(179)
    assert [model.job(j).status for j in jobs] == [m.COMPLETED] * 3
    view = model.session(busy)
    assert (view.state, view.state_reason, view.closed_at) == ("closed", "jobs_completed", at(180))
    assert states(view) == ["open", "active", "pending_closed", "closed"]


def test_r8_cancel_cancels_queued_jobs_with_1217():
    model = new(job_duration=60)
    sid = model.create_session()
    jobs = [model.submit(sid) for _ in range(3)]
    model.advance(1)
    model.cancel_session(sid)
    assert [model.job(j).status for j in jobs] == [m.RUNNING, m.CANCELLED, m.CANCELLED]
    assert model.job(jobs[1]).reason_code == 1217
    model.advance(59)
    assert model.job(jobs[0]).status == m.COMPLETED
    assert model.session(sid).usage == pytest.approx(60)


def test_r10_job_cancel_and_the_last_job_of_a_closing_session():
    model = new(job_duration=60)
    sid = model.create_session()
    running, queued = model.submit(sid), model.submit(sid)
    model.close_session(sid)
    model.advance(5)
    model.cancel_job(queued)
    assert model.job(queued).reason_code is None and model.session(sid).state == "pending_closed"
    model.cancel_job(running)
    assert model.session(sid).state == "closed" and model.session(sid).closed_at == at(5)
    assert model.session(sid).last_job_completed == at(5)
    with pytest.raises(m.JobNotCancellable):
        model.cancel_job(running)


def test_upcoming_lists_the_boundaries():
    model = new()
    sid = model.create_session(max_ttl=300)
    model.submit(sid)
    assert model.upcoming() == [at(10), at(70), at(300)]
    assert model.quiescent_at() == at(300)


def test_rules_for_plan():
    assert Rules.for_plan("premium", interactive_ttl=5, max_ttl=120) == Rules(5, 120, 1, 120, 1800)
    with pytest.raises(ValueError):
        Rules.for_plan("open")


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "batch", "submit", "plain", "close", "cancel", "cancel_job", "wait"]),
        st.integers(0, 5),
        st.sampled_from([0, 0.5, 1, 9, 10, 59, 60, 61, 600, 1800, 3600]),
    ),
    max_size=40,
)


def _drive(model: SessionModel, ops: list[tuple[str, int, float]], *, step: float | None) -> None:
    for op, index, seconds in ops:
        sessions, jobs = [v.id for v in model.sessions()], [v.id for v in model.jobs()]
        try:
            if op in ("create", "batch"):
                model.create_session(
                    m.DEDICATED if op == "create" else m.BATCH, max_ttl=seconds if seconds >= 1 else None
                )
            elif op == "plain":
                model.submit(None)
            elif op == "submit" and sessions:
                model.submit(sessions[index % len(sessions)])
            elif op in ("close", "cancel") and sessions:
                sid = sessions[index % len(sessions)]
                model.close_session(sid) if op == "close" else model.cancel_session(sid)
            elif op == "cancel_job" and jobs:
                model.cancel_job(jobs[index % len(jobs)])
        except m.ModelError:
            pass
        if op == "wait":
            target = model.now + timedelta(seconds=seconds)
            while step is not None and model.now + timedelta(seconds=step) < target:
                model.advance(step)
                model.sessions()  # observe in between
            model.advance_to(target)


@given(_OPS, st.sampled_from([None, 0.5, 7.0]))
def test_the_model_does_not_depend_on_how_time_is_stepped_and_replays_its_log(ops, step):
    stepped, direct = new(), new()
    _drive(stepped, ops, step=step)
    _drive(direct, ops, step=None)
    assert stepped.sessions() == direct.sessions() == stepped.replayed().sessions()
    assert stepped.jobs() == direct.jobs()


@given(_OPS)
def test_model_invariants(ops):
    model = new()
    _drive(model, ops, step=None)
    model.advance(2 * 86400)
    for job in model.jobs():
        assert job.final  # nothing lost
        assert job.created <= (job.started or job.finished) <= job.finished  # type: ignore[operator]
    for view in model.sessions():
        times = [t for _, t in view.timestamps]
        assert times == sorted(times)
        assert view.outstanding == 0
        if view.usage is not None and view.mode == m.DEDICATED:
            assert (
                view.closed_at is None
                or view.usage <= (view.closed_at - view.started_at).total_seconds() + 10
            )
