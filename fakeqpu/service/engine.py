"""The lazy discrete-event engine: QPU queues, session timers and job lifecycles on virtual time.

Nothing runs in the background. `advance_to(t)` processes, in time order, every event due by `t`:
a job ends, an interactive TTL lapses, a max TTL lapses, an idle session times out; and after
each, it starts whatever jobs may start. The next event is always recomputed from the state, so
there are no stale timers to cancel.

Order of events that fall on the same instant: job ends first, then session timers, then starts.

Most syncs find nothing to do (a client's polls, several syncs per request at one instant): once
settled, the engine remembers its next event time, and until the model changes (every mutation goes
through a method here, which forgets it) or the clock reaches that time, `advance_to` only moves `now`.
Nothing in the model depends on `now` except through those event times, so the shortcut is exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fakeqpu.service.jobs import (
    CANCELLED,
    COMPLETED,
    FAILED,
    QUEUED,
    RAN_TOO_LONG,
    RUNNING,
    SESSION_CLOSED,
    Job,
    Reason,
)
from fakeqpu.service.plans import Plan
from fakeqpu.service.sessions import (
    BATCH,
    DEDICATED,
    REASON_CANCELLED,
    REASON_CLOSED_EARLY,
    REASON_IDLE,
    REASON_JOBS_DONE,
    REASON_MAX_TTL,
    Session,
)
from fakeqpu.service.timeline import Timeline
from fakeqpu.service.usage import UsageLedger, usage_is_the_sessions
from fakeqpu.service.validation import MAX_SECONDS

if TYPE_CHECKING:
    from fakeqpu.service.faults import JobFaults

ONLINE = "online"
BACKEND_STATUSES = (ONLINE, "paused", "offline")


@dataclass
class Qpu:
    """One backend's quantum processor: one job at a time."""

    backend_name: str
    queue: list[Job] = field(default_factory=list)
    running: Job | None = None
    status: str = ONLINE  # paused or offline: nothing starts; the running job finishes
    reason: str | None = None
    schedule: list[tuple[datetime, str, str | None]] = field(default_factory=list)  # time order

    def run_end(self) -> datetime | None:
        job = self.running
        if job is None or job.started_at is None:
            return None
        return job.started_at + timedelta(seconds=job.run_seconds)


class Engine:
    def __init__(self, plan: Plan, start: datetime, timeline: Timeline) -> None:
        self.plan = plan
        self.now = start
        self.timeline = timeline
        self.qpus: dict[str, Qpu] = {}
        self.jobs: dict[str, Job] = {}  # in submission order, which is (created, seq) order
        self.sessions: dict[str, Session] = {}
        self.faults: JobFaults | None = None  # injected job failures (`fail_jobs`)
        # Indexes, so that no operation walks the whole history (docs/fidelity.md "Robustness and limits").
        self._open_sessions: dict[str, Session] = {}  # not closed yet; pruned lazily
        self.jobs_by_session: dict[str, list[Job]] = {}
        self.usage = UsageLedger()
        # Settled, and nothing due before `_next_due` (None: no event at all) while the model is
        # unchanged. Every method that changes the model sets `_settled` to False.
        self._settled = False
        self._next_due: datetime | None = None

    # -- time ------------------------------------------------------------------------------------

    def advance_to(self, target: datetime) -> None:
        """Process every event due by `target`; an earlier target than now is ignored."""
        if self._settled and (self._next_due is None or target < self._next_due):
            if target > self.now:
                self.now = target
            return
        self._settle()
        while (due := self._next_event_time()) is not None and due <= target:
            self.now = max(self.now, due)
            self._settle()
        self.now = max(self.now, target)
        self._settled, self._next_due = True, due

    def next_event(self) -> datetime | None:
        """When time alone next changes the model (settled at now); None: nothing is scheduled."""
        if not self._settled:
            self.advance_to(self.now)
        return self._next_due

    def _settle(self) -> None:
        """Fire what is due now, then start what may start; repeat until nothing changes."""
        changed = True
        while changed:
            changed = self._fire_due_status_changes()
            changed = self._fire_due_job_ends() or changed
            changed = self._fire_due_session_timers() or changed
            changed = self._start_ready_jobs() or changed

    def _next_event_time(self) -> datetime | None:
        times = [end for qpu in self.qpus.values() if (end := qpu.run_end()) is not None]
        times.extend(qpu.schedule[0][0] for qpu in self.qpus.values() if qpu.schedule)
        for session in self.open_sessions():
            times.extend(self._session_deadlines(session))
        return min(times, default=None)

    def open_sessions(self) -> list[Session]:
        """The sessions not closed yet, in creation order (closed ones leave the index here)."""
        closed = [sid for sid, session in self._open_sessions.items() if session.closed]
        for sid in closed:
            del self._open_sessions[sid]
        return list(self._open_sessions.values())

    # -- sessions' timers -------------------------------------------------------------------------

    def _session_deadlines(self, session: Session) -> Iterator[datetime]:
        if session.closed:
            return
        if (deadline := session.max_ttl_deadline) is not None:
            yield deadline
        if self.has_outstanding(session):
            return
        if session.holds_priority and session.last_job_completed is not None:
            yield session.last_job_completed + timedelta(seconds=session.interactive_ttl)
        elif (idle := self._idle_deadline(session)) is not None:
            yield idle

    def _idle_deadline(self, session: Session) -> datetime | None:
        """30 minutes with no job: for any session never used; for an inactive dedicated session too."""
        if session.holds_priority:
            return None
        if session.last_job_submitted is None:
            since = session.created_at
        elif session.mode == DEDICATED and not session.job_mode:
            since = max(t for t in (session.last_job_submitted, session.last_job_completed) if t is not None)
        else:
            return None
        return since + timedelta(seconds=self.plan.idle_timeout)

    def _fire_due_session_timers(self) -> bool:
        changed = False
        for session in self.open_sessions():
            if session.closed:
                continue
            deadline = session.max_ttl_deadline
            if deadline is not None and deadline <= self.now:
                self.close_session(session, REASON_MAX_TTL, queued_status=FAILED, at=deadline)
                changed = True
                continue
            if self.has_outstanding(session):
                continue
            if session.holds_priority and session.last_job_completed is not None:
                lapse = session.last_job_completed + timedelta(seconds=session.interactive_ttl)
                if lapse <= self.now:
                    session.deactivate(lapse)
                    self._mark(session, lapse)
                    changed = True
            elif (idle := self._idle_deadline(session)) is not None and idle <= self.now:
                self.close_session(session, REASON_IDLE, queued_status=FAILED, at=idle)
                changed = True
        return changed

    # -- jobs on the QPU --------------------------------------------------------------------------

    def _fire_due_job_ends(self) -> bool:
        changed = False
        for qpu in self.qpus.values():
            end = qpu.run_end()
            if qpu.running is not None and end is not None and end <= self.now:
                job = qpu.running
                if job.fault is not None:
                    self._finish(job, FAILED, job.fault, end)
                elif job.duration > job.max_execution_time:
                    self._finish(job, CANCELLED, RAN_TOO_LONG, end)
                else:
                    self._finish(job, COMPLETED, None, end)
                changed = True
        return changed

    def _start_ready_jobs(self) -> bool:
        changed = False
        for qpu in self.qpus.values():
            while qpu.status == ONLINE and qpu.running is None and (job := self._next_job(qpu)) is not None:
                self._start(qpu, job)
                changed = True
        return changed

    def _priority_holder(self, backend_name: str) -> Session | None:
        for session in self.open_sessions():
            if (
                session.holds_priority
                and not session.closed
                and session.mode == DEDICATED
                and not session.job_mode
                and session.backend_name == backend_name
            ):
                return session
        return None

    def _next_job(self, qpu: Qpu) -> Job | None:
        holder = self._priority_holder(qpu.backend_name)
        for job in qpu.queue:
            if holder is None or job.session_id == holder.id:
                return job
        return None

    def _start(self, qpu: Qpu, job: Job) -> None:
        qpu.queue.remove(job)
        session = self.sessions.get(job.session_id) if job.session_id else None
        if session is not None and not session.job_mode and not session.holds_priority:
            session.activate(self.now)
        job.status = RUNNING
        job.started_at = self.now
        qpu.running = job
        self._log_job(job, self.now)
        if session is not None:
            session.last_job_started = self.now
            self._mark(session, self.now)
        if job.invalid is not None:
            self._finish(job, FAILED, job.invalid, self.now)
        elif self.faults is not None and (fault := self.faults.take(job, "start")) is not None:
            self._finish(job, FAILED, fault, self.now)
        elif self.faults is not None and (fault := self.faults.take(job, "run")) is not None:
            job.fault = fault  # fails half-way through its run
            job.fault_after = min(job.duration, job.max_execution_time) / 2

    def _finish(self, job: Job, status: str, reason: Reason | None, at: datetime) -> None:
        """A running job ends; the QPU frees; a closing session with nothing left closes."""
        qpu = self.qpus[job.backend_name]
        if qpu.running is job:
            qpu.running = None
        job.status = status
        job.reason = reason
        job.finished_at = at
        self._log_job(job, at)
        session = self.sessions.get(job.session_id) if job.session_id else None
        if session is None:
            return
        session.last_job_completed = at
        if not self.has_outstanding(session):
            if session.closed:
                session.stop_usage(at)  # closed while this job ran: usage ends with it
            elif not session.accepting_jobs:
                session.close(at, REASON_JOBS_DONE)
        self._mark(session, at)

    # -- backend status ------------------------------------------------------------------------------

    def _fire_due_status_changes(self) -> bool:
        changed = False
        for qpu in self.qpus.values():
            while qpu.schedule and qpu.schedule[0][0] <= self.now:
                _, qpu.status, qpu.reason = qpu.schedule.pop(0)
                changed = True
        return changed

    def set_backend_status(
        self, name: str, status: str, reason: str | None, at: datetime | None = None
    ) -> None:
        """Now (`at` None or past), or at `at` on the virtual clock: an engine event, fired lazily."""
        self._settled = False
        qpu = self.qpus[name]
        if at is None or at <= self.now:
            qpu.status, qpu.reason = status, reason
        else:
            qpu.schedule.append((at, status, reason))
            qpu.schedule.sort(key=lambda change: change[0])
        self._settle()

    # -- operations ----------------------------------------------------------------------------------

    def add_backend(self, name: str) -> None:
        self._settled = False
        self.qpus.setdefault(name, Qpu(name))

    def add_session(self, session: Session) -> None:
        self._settled = False
        self.sessions[session.id] = session
        self._open_sessions[session.id] = session
        self.usage.add_session(session)
        self._mark(session, session.created_at)

    def submit(self, job: Job) -> None:
        self._settled = False
        run = min(job.duration, job.max_execution_time)
        if not (math.isfinite(run) and 0 <= run <= MAX_SECONDS):
            # Checked before storing: one stored NaN would break every later sync, so every request.
            raise ValueError(f"job {job.id} would run {run!r} seconds: refused before it is stored")
        self.jobs[job.id] = job
        self.qpus[job.backend_name].queue.append(job)
        session = self.sessions.get(job.session_id) if job.session_id else None
        if session is not None:
            session.last_job_submitted = self.now
            self.jobs_by_session.setdefault(session.id, []).append(job)
        if not job.background and not (session is not None and usage_is_the_sessions(session)):
            self.usage.add_job(job)
        self._log_job(job, self.now)
        self._settle()

    def cancel_job(self, job: Job) -> None:
        self._settled = False
        qpu = self.qpus[job.backend_name]
        if job.status == QUEUED:
            qpu.queue.remove(job)
            job.status = CANCELLED
            job.finished_at = self.now
            self._log_job(job, self.now)
            session = self.sessions.get(job.session_id) if job.session_id else None
            if (
                session is not None
                and not session.closed
                and not session.accepting_jobs
                and not self.has_outstanding(session)
            ):
                session.close(self.now, REASON_JOBS_DONE)
                self._mark(session, self.now)
        elif job.status == RUNNING:
            self._finish(job, CANCELLED, None, self.now)
        self._settle()

    def stop_accepting(self, session: Session) -> None:
        """`PATCH accepting_jobs=false` (client `close()`): finish outstanding work, then close."""
        self._settled = False
        if session.closed:
            return
        session.accepting_jobs = False
        if not self.has_outstanding(session):
            session.close(self.now, REASON_CLOSED_EARLY)
        self._mark(session, self.now)
        self._settle()

    def resume_accepting(self, session: Session) -> None:
        self._settled = False
        if not session.closed:
            session.accepting_jobs = True
            self._mark(session, self.now)

    def cancel_session(self, session: Session) -> None:
        """`DELETE /sessions/{id}/close` (client `cancel()`): close now, queued jobs never run."""
        self._settled = False
        if not session.closed:
            self.close_session(session, REASON_CANCELLED, queued_status=CANCELLED, at=self.now)
        self._settle()

    def close_session(self, session: Session, reason: str, *, queued_status: str, at: datetime) -> None:
        """Close at once: the running job finishes, queued ones end with 1217."""
        self._settled = False
        qpu = self.qpus.get(session.backend_name)
        job_running = qpu is not None and qpu.running is not None and qpu.running.session_id == session.id
        session.close(at, reason, job_running=job_running)
        self._mark(session, at)
        for qpu in self.qpus.values():
            for job in [j for j in qpu.queue if j.session_id == session.id]:
                qpu.queue.remove(job)
                job.status = queued_status
                job.reason = SESSION_CLOSED
                job.finished_at = at
                self._log_job(job, at)

    # -- queries -------------------------------------------------------------------------------------

    def has_outstanding(self, session: Session) -> bool:
        qpu = self.qpus.get(session.backend_name)
        if qpu is None:
            return False
        if qpu.running is not None and qpu.running.session_id == session.id:
            return True
        return any(job.session_id == session.id for job in qpu.queue)

    def outstanding_jobs(self) -> list[Job]:
        """Queued and running jobs (background load included), in submission order."""
        jobs = [job for qpu in self.qpus.values() for job in qpu.queue]
        jobs += [qpu.running for qpu in self.qpus.values() if qpu.running is not None]
        return sorted(jobs, key=lambda job: (job.created, job.seq))

    def queue_length(self, backend_name: str) -> int:
        return len(self.qpus[backend_name].queue)

    def session_usage(self, session: Session) -> float | None:
        if session.mode == BATCH:
            if session.started_at is None:
                return None
            jobs = self.jobs_by_session.get(session.id, [])
            return round(sum(j.qpu_seconds(self.now) for j in jobs), 3)
        return session.elapsed_time(self.now)

    # -- timeline ----------------------------------------------------------------------------------

    def _mark(self, session: Session, at: datetime) -> None:
        before = len(session.timestamps)
        session.record(at)
        if len(session.timestamps) > before:
            self.timeline.add(at, "session", session.id, session.state, session.state_reason)

    def _log_job(self, job: Job, at: datetime) -> None:
        if job.background:
            return
        reason = f"{job.reason.code} {job.reason.message}" if job.reason else None
        self.timeline.add(at, "job", job.id, job.status, reason)
