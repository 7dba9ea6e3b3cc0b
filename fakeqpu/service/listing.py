"""Listing jobs (`GET /jobs`): the filter, and one page of the matches read from the narrowest index."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fakeqpu.backend_data import is_mock
from fakeqpu.service.engine import Engine
from fakeqpu.service.jobs import FINAL_STATUSES, PENDING_STATUSES, Job


@dataclass(frozen=True)
class JobFilter:
    limit: int = 200
    offset: int = 0
    pending: bool | None = None
    program: str | None = None
    backend: str | None = None
    session_id: str | None = None
    tags: tuple[str, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
    descending: bool = True
    include_mocks: bool = False


def page_of_jobs(engine: Engine, query: JobFilter, *, visible: int, any_mocks: bool) -> tuple[list[Job], int]:
    """Matching jobs in the requested page, and how many match in all.

    Jobs are stored in (created, seq) order; candidates come from the narrowest index (a session's
    jobs, or the jobs not final yet), so a filtered listing does not walk the whole history.
    """
    unfiltered = JobFilter(
        limit=query.limit,
        offset=query.offset,
        descending=query.descending,
        include_mocks=query.include_mocks,
    )
    if query == unfiltered and (query.include_mocks or not any_mocks):
        return _page_of_all(engine, query), visible
    if query.session_id is not None:
        candidates: Sequence[Job] = engine.jobs_by_session.get(query.session_id, [])
    elif query.pending is True:
        candidates = engine.outstanding_jobs()
    else:
        candidates = list(engine.jobs.values())
    ordered = reversed(candidates) if query.descending else iter(candidates)
    matches = [job for job in ordered if _matches(job, query)]
    return matches[query.offset : query.offset + query.limit], len(matches)


def _page_of_all(engine: Engine, query: JobFilter) -> list[Job]:
    """An unfiltered page, read from the end it starts at: cost of the page, not of the history."""
    jobs = engine.jobs.values()
    ordered = reversed(jobs) if query.descending else iter(jobs)
    visible = (job for job in ordered if not job.deleted and not job.background)
    return list(itertools.islice(visible, query.offset, query.offset + query.limit))


def _matches(job: Job, q: JobFilter) -> bool:
    if job.deleted or job.background:
        return False
    if q.pending is not None and (job.status in PENDING_STATUSES) != q.pending:
        return False
    if q.pending is False and job.status not in FINAL_STATUSES:
        return False
    if q.program is not None and job.program_id != q.program:
        return False
    if q.backend is not None and job.backend_name != q.backend:
        return False
    if is_mock(job.backend_name) and not q.include_mocks:
        return False
    if q.session_id is not None and job.session_id != q.session_id:
        return False
    if q.tags and not all(tag in job.tags for tag in q.tags):
        return False
    if q.created_after is not None and job.created < q.created_after:
        return False
    return not (q.created_before is not None and job.created > q.created_before)
