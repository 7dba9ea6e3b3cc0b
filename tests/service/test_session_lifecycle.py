"""Each session transition of the seed document, on the engine alone (no HTTP, no client)."""

from __future__ import annotations

import pytest

from fakeqpu.service.jobs import CANCELLED, COMPLETED, FAILED, QUEUED, RUNNING
from fakeqpu.service.sessions import BATCH

from .world import World


def states(session) -> list[str]:
    return [state for state, _ in session.timestamps]


def test_a_new_session_is_open_with_one_timestamp():
    w = World()
    s = w.session()
    assert s.state == "open"
    assert s.timestamps == [("open", w.at(0))]
    assert s.started_at is None and s.activated_at is None and s.closed_at is None
    assert s.elapsed_time(w.now) is None


def test_first_job_start_activates_and_starts_the_max_ttl_timer():
    w = World()
    s = w.session()
    w.advance(5)
    job = w.job(s, duration=10)
    assert job.status == RUNNING
    assert s.state == "active"
    assert s.started_at == s.activated_at == s.last_job_started == w.at(5)
    assert s.max_ttl_deadline == w.at(5 + 8 * 3600)
    assert states(s) == ["open", "active"]


def test_interactive_ttl_counts_from_the_end_of_the_last_job():
    w = World()
    s = w.session()
    job = w.job(s, duration=10)
    w.advance(10 + 59)
    assert job.status == COMPLETED and s.last_job_completed == w.at(10)
    assert s.state == "active"
    w.advance(1)
    assert s.state == "inactive"
    assert s.timestamps[-1] == ("inactive", w.at(70))


def test_next_job_reactivates_an_inactive_session():
    w = World()
    s = w.session()
    w.job(s, duration=10)
    w.advance(100)
    assert s.state == "inactive"
    w.job(s, duration=10)
    assert s.state == "active"
    assert s.activated_at == w.at(100) and s.started_at == w.at(0)
    assert states(s) == ["open", "active", "inactive", "active"]


def test_usage_is_wall_clock_while_active_including_the_interactive_window():
    w = World()
    s = w.session()
    w.job(s, duration=10)
    w.advance(200)  # active 0..70 (10 s job + 60 s interactive TTL)
    assert s.elapsed_time(w.now) == 70
    w.job(s, duration=5)  # active 200..265
    w.advance(10)
    assert s.elapsed_time(w.now) == 80  # 70 + 10 so far
    w.advance(100)
    assert s.elapsed_time(w.now) == 135


def test_max_ttl_closes_the_session_running_job_finishes_queued_jobs_fail_with_1217():
    w = World()
    s = w.session(max_ttl=25 * 60)
    jobs = [w.job(s, duration=600) for _ in range(4)]
    w.advance(25 * 60 + 1)
    assert s.state == "closed" and s.state_reason == "max_ttl_reached"
    assert s.closed_at == w.at(25 * 60)
    assert w.statuses(*jobs) == [COMPLETED, COMPLETED, RUNNING, FAILED]
    assert jobs[3].reason is not None and jobs[3].reason.code == 1217
    assert jobs[3].finished_at == w.at(25 * 60)
    w.advance(5 * 60)
    assert jobs[2].status == COMPLETED and jobs[2].finished_at == w.at(30 * 60)


def test_max_ttl_is_not_paused_while_inactive():
    w = World()
    s = w.session(max_ttl=300)
    w.job(s, duration=10)
    w.advance(200)
    assert s.state == "inactive"
    w.advance(100)
    assert s.state == "closed" and s.closed_at == w.at(300)


def test_a_job_that_ends_exactly_at_max_ttl_completes():
    w = World()
    s = w.session(max_ttl=100)
    first, second = w.job(s, duration=100), w.job(s, duration=10)
    w.advance(100)
    assert first.status == COMPLETED and second.status == FAILED


def test_close_with_work_outstanding_runs_it_then_closes():
    w = World()
    s = w.session()
    jobs = [w.job(s, duration=60) for _ in range(3)]
    w.advance(1)
    w.engine.stop_accepting(s)
    assert s.state == "pending_closed" and not s.accepting_jobs
    w.advance(178)
    assert s.state == "pending_closed"
    w.advance(1)
    assert w.statuses(*jobs) == [COMPLETED] * 3
    assert s.state == "closed" and s.closed_at == w.at(180) and s.state_reason == "jobs_completed"
    assert states(s) == ["open", "active", "pending_closed", "closed"]


def test_close_with_nothing_outstanding_closes_at_once():
    w = World()
    s = w.session()
    w.job(s, duration=5)
    w.advance(15)
    w.engine.stop_accepting(s)
    assert s.state == "closed" and s.state_reason == "session_closed_early"
    assert s.elapsed_time(w.now) == 15


def test_cancel_cancels_queued_jobs_and_lets_the_running_one_finish():
    w = World()
    s = w.session()
    jobs = [w.job(s, duration=60) for _ in range(3)]
    w.advance(1)
    w.engine.cancel_session(s)
    assert s.state == "closed" and s.state_reason == "cancelled"
    assert w.statuses(*jobs) == [RUNNING, CANCELLED, CANCELLED]
    assert jobs[1].reason is not None and jobs[1].reason.code == 1217
    w.advance(60)
    assert jobs[0].status == COMPLETED


def test_a_session_without_jobs_closes_after_30_minutes():
    w = World()
    s = w.session()
    w.advance(29 * 60 + 59)
    assert s.state == "open"
    w.advance(1)
    assert s.state == "closed" and s.state_reason == "idle_timeout" and s.closed_at == w.at(1800)


def test_an_inactive_session_closes_30_minutes_after_its_last_job():
    w = World()
    s = w.session()
    w.job(s, duration=10)
    w.advance(10 + 1800 - 1)
    assert s.state == "inactive"
    w.advance(1)
    assert s.state == "closed" and s.state_reason == "idle_timeout"


def test_an_active_session_holds_the_qpu_during_its_interactive_window():
    w = World()
    s = w.session()
    w.job(s, duration=10)
    other = w.job(None, duration=5)
    w.advance(30)
    assert other.status == QUEUED  # the QPU waits for the session's next job
    mine = w.job(s, duration=5)
    assert mine.status == RUNNING  # the session's job jumps the queue
    w.advance(5 + 60)
    assert other.status == RUNNING and other.started_at == w.at(95)


def test_another_sessions_jobs_wait_for_the_active_one_then_run_in_order():
    w = World()
    a, b = w.session(), w.session()
    a1 = w.job(a, duration=10)
    b1 = w.job(b, duration=10)
    a2 = w.job(a, duration=10)
    w.advance(20)
    assert (a1.status, a2.status, b1.status) == (COMPLETED, COMPLETED, QUEUED)
    w.advance(60)
    assert b1.status == RUNNING and a.state == "inactive" and b.state == "active"


def test_batch_jobs_do_not_hold_the_qpu():
    w = World()
    batch = w.session(mode=BATCH)
    b1 = w.job(batch, duration=10)
    plain = w.job(None, duration=10)
    b2 = w.job(batch, duration=10)
    w.advance(10)
    assert (b1.status, plain.status, b2.status) == (COMPLETED, RUNNING, QUEUED)
    w.advance(20)
    assert b2.status == COMPLETED and batch.state == "active"
    w.advance(1)
    assert batch.state == "inactive"  # batch interactive TTL: 1 s


def test_batch_usage_is_the_sum_of_its_jobs_qpu_time():
    w = World()
    batch = w.session(mode=BATCH)
    w.job(batch, duration=10)
    w.job(None, duration=100)
    w.job(batch, duration=5)
    w.advance(500)
    assert w.engine.session_usage(batch) == 15


def test_job_mode_sessions_never_activate_nor_expire():
    w = World(plan="open")
    s = w.session(max_ttl=60, job_mode=True)
    first = w.job(s, duration=10)
    w.advance(3600)
    assert first.status == COMPLETED and s.state == "open"
    second = w.job(s, duration=10)
    assert second.status == RUNNING and s.state == "open"
    w.engine.stop_accepting(s)
    w.advance(10)
    assert s.state == "closed"


def test_cancel_a_queued_and_a_running_job():
    w = World()
    running, queued = w.job(None, duration=100), w.job(None, duration=100)
    w.advance(10)
    w.engine.cancel_job(queued)
    assert queued.status == CANCELLED and queued.started_at is None
    w.engine.cancel_job(running)
    assert running.status == CANCELLED and running.finished_at == w.at(10)
    assert w.engine.qpus["ibm_torino"].running is None


def test_a_job_longer_than_its_max_execution_time_is_cancelled_with_1305():
    w = World()
    job = w.job(None, duration=100, max_time=30)
    w.advance(30)
    assert job.status == CANCELLED
    assert job.reason is not None and job.reason.code == 1305
    assert job.finished_at == w.at(30)


def test_backends_have_independent_queues():
    w = World()
    a = w.job(None, duration=100)
    b = w.job(None, duration=100, backend="ibm_fez")
    assert a.status == RUNNING and b.status == RUNNING


def test_the_timeline_lists_transitions_in_time_order():
    w = World()
    s = w.session(max_ttl=100)
    w.job(s, duration=60)
    w.job(s, duration=60)
    w.advance(200)
    lines = [(t.kind, t.state) for t in w.timeline.entries()]
    assert lines == [
        ("session", "open"),
        ("job", "Queued"),
        ("job", "Running"),
        ("session", "active"),
        ("job", "Queued"),
        ("job", "Completed"),
        ("job", "Running"),
        ("session", "closed"),
        ("job", "Completed"),
    ]
    times = [t.at for t in w.timeline.entries()]
    assert times == sorted(times)
    assert "closed" in w.timeline.entries().render()


@pytest.mark.parametrize("step", [1, 7, 60, 601])
def test_the_outcome_does_not_depend_on_how_time_is_stepped(step):
    def run(step_seconds: float) -> list[tuple[str, str]]:
        w = World()
        s = w.session(max_ttl=1000)
        for _ in range(5):
            w.job(s, duration=300)
        elapsed = 0.0
        while elapsed < 2000:
            w.advance(step_seconds)
            elapsed += step_seconds
        return [(j.status, str(j.finished_at)) for j in w.engine.jobs.values()] + [
            (s.state, str(s.closed_at))
        ]

    assert run(step) == run(2000)
