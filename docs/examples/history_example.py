"""An account with a past: jobs, sessions and batches that ran before the test (docs/testing-your-code.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: a real account has its own past")


def latest_counts(service):
    """Application code: the counts of the newest finished Sampler job the account has."""
    job = next(j for j in service.jobs(limit=1000, program_id="sampler") if j.status() == "DONE")
    return job.result()[0].data.c.get_counts()


@pytest.mark.fakeqpu(seed=1, history=20)
def test_code_that_reads_an_accounts_past(fake_service):
    counts = latest_counts(fake_service)
    assert sum(counts.values()) == 1024


PAST = {"jobs": 30, "sessions": 2, "batches": 1, "failed": 2, "days": 90, "backends": ["ibm_fez"]}


@pytest.mark.fakeqpu(seed=1, history=PAST)
def test_the_past_through_the_listing_filters(fake_service, fake_runtime, qpu_clock):
    month_ago = qpu_clock.now() - timedelta(days=30)
    recent = fake_service.jobs(limit=None, created_after=month_ago)
    assert all(job.creation_date >= month_ago for job in recent)
    failed = [job for job in fake_service.jobs(limit=None) if job.status() == "ERROR"]
    assert len(failed) == 2
    session = next(record for record in fake_runtime.sessions() if record.mode == "dedicated")
    assert len(fake_service.jobs(session_id=session.id)) == 3  # jobs_per_session, by default


def test_a_past_added_by_the_test(fake_runtime, fake_service):
    made = fake_runtime.add_history(jobs=5, batches=1, tags=["nightly"], days=7)
    tagged = fake_service.jobs(limit=None, job_tags=["nightly"])
    assert sorted(job.job_id() for job in tagged) == sorted(made["jobs"])
