"""The session-lifecycle state machine: random operations and clock moves, checked against the model.

One machine, two drivers (`drivers.py`): the real client over HTTP, or the service layer alone. After
every step it compares every session and every unfinished job with `fakeqpu.testing.SessionModel`,
and checks what must hold whatever the model says: timestamps only move forward, `timestamps` only
grows, `started_at`/`closed_at` never change once set, usage never decreases, a final job stays as it
is. At the end it lets time run until nothing is left to happen and checks that every submitted job
reached exactly one final state, the one the model predicts, and that the service knows no other job.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from fakeqpu.testing import model as m
from fakeqpu.testing.model import Rules, SessionModel
from fakeqpu.testing.strategies import boundary_moves, clock_moves

from . import known_bugs
from .drivers import (
    Config,
    Driver,
    Handle,
    JobHandle,
    NotCancellable,
    Rejected,
    SeenJob,
    SeenSession,
    WrongMode,
)

MAX_SESSIONS = 4
MAX_JOBS = 12
USAGE_TOLERANCE = 0.0015  # the service rounds usage to milliseconds
WAIT_HORIZON = timedelta(minutes=5)  # wait for a job only when the model says it ends this soon

# max_time of a new session: None (the default), ("jobs", k): about k jobs' worth of seconds, so that the
# max TTL falls while jobs run or wait, or ("seconds", n): a long one, 9 h being above the system maximum.
Lifetime = tuple[str, float] | None
LIFETIMES: st.SearchStrategy[Lifetime] = st.one_of(
    st.none(),
    st.tuples(st.just("jobs"), st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.5])),
    st.tuples(st.just("seconds"), st.sampled_from([1, 600, 1800, 9 * 3600])),
)

PROGRAMS = st.lists(st.sampled_from(["sampler", "estimator"]), min_size=1, max_size=4)

F = TypeVar("F", bound=Callable[..., Any])


def tracked(method: F) -> F:
    """Remember that a step failed, so that teardown does not pile a second failure on the first."""

    @functools.wraps(method)
    def wrapper(self: LifecycleMachine, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.failed = True
            raise

    return wrapper  # type: ignore[return-value]


def ms(value: datetime | None) -> datetime | None:
    """What the wire shows: ISO 8601 with milliseconds."""
    if value is None:
        return None
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class Mismatch(AssertionError):
    pass


def compare_session(view: m.SessionView, seen: SeenSession, now: datetime) -> None:
    problems: list[str] = []

    def eq(name: str, want: object, got: object) -> None:
        if want != got:
            problems.append(f"  {name}: model {want!r}, fake {got!r}")

    eq("state", view.state, seen.state)
    eq("accepting_jobs", view.accepting_jobs, seen.accepting_jobs)
    eq("status()", view.client_status, seen.status)
    eq("mode", view.mode, seen.mode)
    eq("interactive_ttl", view.interactive_ttl, seen.interactive_ttl)
    eq("max_ttl", view.max_ttl, seen.max_ttl)
    if seen.active_ttl is not None and view.active_ttl is not None:
        eq("active_ttl", view.active_ttl, seen.active_ttl)
    for name in ("started_at", "activated_at", "closed_at", "last_job_started", "last_job_completed"):
        eq(name, ms(getattr(view, name)), ms(getattr(seen, name)))
    if (view.usage is None) != (seen.usage is None) or (
        view.usage is not None and seen.usage is not None and abs(view.usage - seen.usage) > USAGE_TOLERANCE
    ):
        problems.append(f"  usage: model {view.usage!r}, fake {seen.usage!r}")
    eq("timestamps", [(s, ms(t)) for s, t in view.timestamps], [(s, ms(t)) for s, t in seen.timestamps])
    if seen.reason_seen:
        eq("state_reason", view.state_reason, seen.state_reason)
    if problems:
        raise Mismatch(f"session {view.id} ({view.mode}) at {now.isoformat()}:\n" + "\n".join(problems))


def compare_job(view: m.JobView, seen: SeenJob, now: datetime) -> None:
    problems: list[str] = []
    if view.status != seen.status:
        problems.append(f"  status: model {view.status}, fake {seen.status}")
    if view.reason_code != seen.reason_code:
        problems.append(f"  reason_code: model {view.reason_code}, fake {seen.reason_code}")
    if seen.created is not None and ms(view.created) != ms(seen.created):
        problems.append(f"  created: model {view.created}, fake {seen.created}")
    if seen.times_seen:
        for name, want, got in (
            ("started", view.started, seen.started),
            ("finished", view.finished, seen.finished),
        ):
            if ms(want) != ms(got):
                problems.append(f"  {name}: model {want}, fake {got}")
    if problems:
        raise Mismatch(
            f"job {view.id} (session {view.session_id}) at {now.isoformat()}:\n" + "\n".join(problems)
        )


def check_session_history(prev: SeenSession | None, cur: SeenSession, now: datetime) -> None:
    """What holds whatever the rules are: time only moves forward."""
    times = [t for _, t in cur.timestamps]
    assert times == sorted(times), f"timestamps out of order: {cur.timestamps}"
    assert all(t <= now for t in times), f"timestamps in the future: {cur.timestamps} (now {now})"
    assert cur.timestamps and cur.timestamps[0][0] == m.OPEN, cur.timestamps
    assert cur.timestamps[-1][0] == cur.state, f"last timestamp {cur.timestamps[-1]} but state {cur.state}"
    if cur.started_at is not None:
        assert cur.activated_at is not None and cur.activated_at >= cur.started_at
        assert cur.usage is not None and cur.usage >= 0
    if cur.closed_at is not None:
        assert cur.state == m.CLOSED and not cur.accepting_jobs
    if prev is None:
        return
    assert cur.timestamps[: len(prev.timestamps)] == prev.timestamps, (
        f"timestamps rewritten: {prev.timestamps} -> {cur.timestamps}"
    )
    for name in ("started_at", "closed_at", "state_reason"):
        before = getattr(prev, name)
        if before is not None:
            assert getattr(cur, name) == before, f"{name} changed: {before} -> {getattr(cur, name)}"
    for name in ("activated_at", "last_job_started", "last_job_completed"):
        before = getattr(prev, name)
        if before is not None:
            after = getattr(cur, name)
            assert after is not None and after >= before, f"{name} went back: {before} -> {after}"
    if prev.usage is not None:
        assert cur.usage is not None and cur.usage >= prev.usage - 1e-9, (
            f"usage fell: {prev.usage} -> {cur.usage}"
        )
    if prev.state == m.CLOSED:
        assert cur.state == m.CLOSED, "a closed session reopened"


def check_job_history(prev: SeenJob | None, cur: SeenJob) -> None:
    if cur.times_seen:
        stamps = [t for t in (cur.created, cur.started, cur.finished) if t is not None]
        assert stamps == sorted(stamps), f"job {cur.id} times out of order: {stamps}"
        assert (cur.finished is not None) == (cur.status in m.FINAL), f"job {cur.id}: {cur}"
    if prev is not None and prev.status in m.FINAL:
        assert (cur.status, cur.reason_code) == (prev.status, prev.reason_code), (
            f"job {cur.id} left its final state {prev.status} for {cur.status}"
        )


class LifecycleMachine(RuleBasedStateMachine):
    """Subclasses set `make_driver`; `full_checks` also calls status() and usage() on every session."""

    make_driver: ClassVar[Callable[[Config], Driver]]
    full_checks: ClassVar[bool] = False

    sessions = Bundle("sessions")
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        self.driver: Driver | None = None
        self._model: SessionModel | None = None
        self.handles: dict[str, Handle] = {}
        self.job_handles: dict[str, JobHandle] = {}
        self.seen_sessions: dict[str, SeenSession] = {}
        self.seen_jobs: dict[str, SeenJob] = {}
        self.failed = False

    @property
    def model(self) -> SessionModel:
        assert self._model is not None
        return self._model

    @property
    def fake(self) -> Driver:
        assert self.driver is not None
        return self.driver

    def sync(self) -> datetime:
        now = self.fake.now()
        self.model.advance_to(now)
        return now

    # -- set-up ------------------------------------------------------------------------------------

    @initialize(
        target=sessions,
        job_duration=st.sampled_from([1.5, 10.0, 45.0]),
        interactive_ttl=st.sampled_from([None, 20]),
        max_ttl=st.sampled_from([None, 900]),
        heads=st.lists(
            st.tuples(st.sampled_from([m.DEDICATED, m.BATCH]), LIFETIMES, st.integers(0, 3)), max_size=2
        ),
    )
    @tracked
    def start(
        self,
        job_duration: float,
        interactive_ttl: int | None,
        max_ttl: int | None,
        heads: list[tuple[str, Lifetime, int]],
    ) -> Any:
        """A fresh fake with this instance's settings, and its model; a head start of up to two
        sessions with up to three sampler jobs each (the jobs are not in the bundle: only the checks
        see them)."""
        self.driver = type(self).make_driver(Config(job_duration, interactive_ttl, max_ttl))
        rules = Rules.for_plan("premium", interactive_ttl=interactive_ttl, max_ttl=max_ttl)
        rules = known_bugs.adjust(rules)
        self._model = SessionModel(rules, start=self.driver.now(), job_duration=job_duration)
        handles = []
        for mode, lifetime, jobs in heads:
            handles.append(self._open(mode, lifetime))
            self._submit(handles[-1], ["sampler"] * jobs)
        return multiple(*handles)

    # -- sessions ----------------------------------------------------------------------------------

    @precondition(lambda self: len(self.handles) < MAX_SESSIONS)
    @rule(
        target=sessions,
        mode=st.sampled_from([m.DEDICATED, m.BATCH]),
        max_time=LIFETIMES,
    )
    @tracked
    def open_session(self, mode: str, max_time: Lifetime) -> Handle:
        return self._open(mode, max_time)

    def _open(self, mode: str, lifetime: Lifetime) -> Handle:
        max_time = None
        if lifetime is not None:
            kind, amount = lifetime
            max_time = max(1, round(amount * self.model.job_duration)) if kind == "jobs" else int(amount)
        self.sync()
        handle = self.fake.open_session(mode, max_time)
        self.model.create_session(mode, max_ttl=max_time, session_id=handle.session_id)
        self.handles[handle.session_id] = handle
        return handle

    @rule(target=sessions, session=sessions, wrong_class=st.booleans())
    @tracked
    def from_id(self, session: Handle, wrong_class: bool) -> Any:
        self.sync()
        try:
            again = self.fake.from_id(session, wrong_class=wrong_class)
        except WrongMode:
            assert wrong_class, "from_id refused the session's own class"
            return multiple()
        assert not wrong_class, "from_id accepted a session of the other mode"
        assert again.session_id == session.session_id
        return again

    @rule(session=sessions, how=st.sampled_from(["close", "cancel"]))
    @tracked
    def end_session(self, session: Handle, how: str) -> None:
        """`session.close()` (stop accepting, finish the work) or `session.cancel()` (drop the queue)."""
        self.sync()
        if how == "close":
            self.fake.close(session)
            self.model.close_session(session.session_id)
        else:
            self.fake.cancel(session)
            self.model.cancel_session(session.session_id)

    @rule(session=sessions)
    @tracked
    def look_at_session(self, session: Handle) -> None:
        """details(), status() and usage() on one session object (from_id ones included)."""
        now = self.sync()
        seen = self.fake.observe_session(session, full=True, reason=True)
        compare_session(self.model.session(session.session_id), seen, now)

    # -- jobs -----------------------------------------------------------------------------------------

    @precondition(lambda self: len(self.job_handles) < MAX_JOBS)
    @rule(target=jobs, session=st.one_of(st.none(), sessions), programs=PROGRAMS)
    @tracked
    def submit(self, session: Handle | None, programs: list[str]) -> Any:
        """One to four jobs, back to back, in a session or batch (or in job mode: None)."""
        return multiple(*self._submit(session, programs))

    @precondition(lambda self: len(self.job_handles) < MAX_JOBS and self.handles)
    @rule(target=jobs, programs=PROGRAMS)
    @tracked
    def submit_to_the_newest_session(self, programs: list[str]) -> Any:
        """The common case: a workload submitting to the session it just opened."""
        newest = list(self.handles.values())[-1]
        return multiple(*self._submit(newest, programs))

    def _submit(self, session: Handle | None, programs: list[str]) -> list[JobHandle]:
        self.sync()
        sid = session.session_id if session else None
        made = []
        for program in programs:
            accepting = sid is None or self.model.accepting(sid)
            try:
                job = self.fake.submit(session, program)
            except Rejected as error:
                assert not accepting, f"the fake rejected a job the model accepts: {error}"
                continue
            assert accepting, f"the fake accepted job {job.job_id} into {sid}, which the model says is closed"
            self.model.submit(sid, job_id=job.job_id)
            self.job_handles[job.job_id] = job
            made.append(job)
        return made

    @rule(job=jobs)
    @tracked
    def cancel_job(self, job: JobHandle) -> None:
        self.sync()
        cancellable = not self.model.job(job.job_id).final
        try:
            self.fake.cancel_job(job)
        except NotCancellable as error:
            assert not cancellable, (
                f"the fake refused to cancel a {self.model.job(job.job_id).status} job: {error}"
            )
            return
        assert cancellable, f"the fake cancelled a {self.model.job(job.job_id).status} job"
        self.model.cancel_job(job.job_id)

    @rule(job=jobs, poll=st.sampled_from([0.5, 3.0]))
    @tracked
    def wait_for_job(self, job: JobHandle, poll: float) -> None:
        """`job.wait_for_final_state()`: virtual sleeps between polls (skipped when the end is far)."""
        now = self.sync()
        ends = self.model.finishes_at(job.job_id)
        if ends is None or ends - now > WAIT_HORIZON:
            return
        self.fake.wait(job, poll)
        after = self.sync()
        assert after >= ends, f"wait returned at {after}, before the job's end at {ends}"

    @rule(job=jobs)
    @tracked
    def fetch_result(self, job: JobHandle) -> None:
        self.sync()
        view = self.model.job(job.job_id)
        if view.final and self.fake.observe_job(job, fresh=False, times=False).status in m.FINAL:
            self.fake.check_result(job, view.status)

    # -- time -----------------------------------------------------------------------------------------

    @rule(seconds=clock_moves(Rules(), longest=10 * 3600))
    @tracked
    def advance(self, seconds: float) -> None:
        """`clock.advance(...)`: small, medium, large, and near the plan's TTLs."""
        self.fake.advance(seconds)

    @rule(jobs_worth=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), extra=st.sampled_from([-0.001, 0.0, 0.001]))
    @tracked
    def advance_by_jobs(self, jobs_worth: float, extra: float) -> None:
        """A move on the scale of the job duration: a job ends, the next starts, the window opens."""
        self.fake.advance(max(0.0, round(jobs_worth * self.model.job_duration + extra, 3)))

    @rule(seconds=st.sampled_from([0.1, 0.5, 1.0, 5.0, 59.0, 61.0, 600.0]))
    @tracked
    def sleep(self, seconds: float) -> None:
        self.fake.sleep(seconds)

    @rule(data=st.data())
    @tracked
    def move_to_a_boundary(self, data: st.DataObject) -> None:
        """Just before, at, or just after the next thing due: a job end, a TTL, an idle close."""
        self.sync()
        self.fake.advance(data.draw(boundary_moves(self.model), label="seconds"))

    # -- checks after every step -------------------------------------------------------------------

    @invariant()
    @tracked
    def agrees_with_the_model(self) -> None:
        if self._model is None:
            return
        now = self.sync()
        self._check_all(now, fresh=False)

    def _check_all(self, now: datetime, *, fresh: bool) -> None:
        for sid, handle in self.handles.items():
            view = self.model.session(sid)
            prev = self.seen_sessions.get(sid)
            want_reason = view.state == m.CLOSED and (prev is None or not prev.reason_seen)
            seen = self.fake.observe_session(
                handle, full=self.full_checks or fresh, reason=want_reason or fresh
            )
            if prev is not None and prev.reason_seen and not seen.reason_seen:
                seen.state_reason, seen.reason_seen = prev.state_reason, True
            check_session_history(prev, seen, now)
            compare_session(view, seen, now)
            self.seen_sessions[sid] = seen
        for jid, job in self.job_handles.items():
            prev_job = self.seen_jobs.get(jid)
            if prev_job is not None and prev_job.status in m.FINAL and prev_job.times_seen and not fresh:
                continue  # the client caches a final status: nothing new to see until the fresh look
            seen_job = self.fake.observe_job(job, fresh=fresh, times=False)
            if seen_job.status in m.FINAL and (fresh or prev_job is None or not prev_job.times_seen):
                seen_job = self.fake.observe_job(job, fresh=fresh, times=True)
            check_job_history(prev_job, seen_job)
            compare_job(self.model.job(jid), seen_job, now)
            self.seen_jobs[jid] = seen_job

    def teardown(self) -> None:
        try:
            if self.driver is not None and self._model is not None and not self.failed:
                self._run_down()
        finally:
            if self.driver is not None:
                self.driver.stop()

    def _run_down(self) -> None:
        """Let time run until nothing is left to happen: nothing is lost, each job ends once."""
        now = self.sync()
        quiet = self.model.quiescent_at()
        self.fake.advance((quiet - now).total_seconds() + 1.0)
        now = self.sync()
        self._check_all(now, fresh=True)
        for view in self.model.jobs():
            assert view.final, f"model: job {view.id} never ends"
            assert self.seen_jobs[view.id].status == view.status
        assert self.fake.job_ids() == set(self.job_handles), "the service's jobs differ from those submitted"
        for sid in self.handles:
            assert self.model.session(sid).outstanding == 0
