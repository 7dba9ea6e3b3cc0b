"""A small harness over the engine alone: sessions and jobs on one backend, time moved by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from fakeqpu.service.engine import Engine
from fakeqpu.service.jobs import Job
from fakeqpu.service.plans import get_plan
from fakeqpu.service.sessions import DEDICATED, Session
from fakeqpu.service.timeline import Timeline

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BACKEND = "ibm_torino"


class World:
    def __init__(self, plan: str = "premium") -> None:
        self.plan = get_plan(plan)
        self.timeline = Timeline()
        self.engine = Engine(self.plan, T0, self.timeline)
        self.engine.add_backend(BACKEND)
        self.engine.add_backend("ibm_fez")
        self._ids = itertools.count()

    @property
    def now(self) -> datetime:
        return self.engine.now

    def at(self, seconds: float) -> datetime:
        return T0 + timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.engine.advance_to(self.engine.now + timedelta(seconds=seconds))

    def session(
        self,
        mode: str = DEDICATED,
        max_ttl: int | None = None,
        job_mode: bool = False,
        backend: str = BACKEND,
    ) -> Session:
        dedicated = mode == DEDICATED
        session = Session(
            id=f"s{next(self._ids)}",
            mode=mode,
            backend_name=backend,
            instance="crn",
            created_at=self.now,
            max_ttl=max_ttl or (self.plan.max_ttl if dedicated else self.plan.batch_max_ttl),
            interactive_ttl=self.plan.interactive_ttl if dedicated else self.plan.batch_interactive_ttl,
            job_mode=job_mode,
        )
        self.engine.add_session(session)
        return session

    def job(
        self,
        session: Session | None = None,
        duration: float = 10.0,
        max_time: float = 10800.0,
        backend: str = BACKEND,
    ) -> Job:
        n = next(self._ids)
        job = Job(
            id=f"j{n}",
            seq=n,
            program_id="sampler",
            backend_name=session.backend_name if session else backend,
            session_id=session.id if session else None,
            created=self.now,
            duration=duration,
            max_execution_time=max_time,
            estimated_seconds=duration,
            params_wire={},
            prepared=None,
        )
        self.engine.submit(job)
        return job

    def statuses(self, *jobs: Job) -> list[str]:
        return [job.status for job in jobs]
