"""An account with a past (option `history`, `runtime.add_history`): jobs, sessions and batches that
ran before the fake started, with results, seen through every listing filter of the real client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from qiskit_ibm_runtime import Batch, QiskitRuntimeService, Session
from qiskit_ibm_runtime import SamplerV2 as Sampler

import fakeqpu

PAST = {
    "jobs": 12,
    "sessions": 2,
    "batches": 1,
    "failed": 1,
    "cancelled": 1,
    "days": 30,
    "tags": ["past"],
    "backends": ["ibm_fez", "ibm_torino"],  # two are enough to filter by, and keep the client's cost low
}


@pytest.mark.fakeqpu(seed=7, history=PAST)
def test_the_past_is_listed_newest_first_with_results(fake_service, fake_runtime, qpu_clock):
    jobs = fake_service.jobs(limit=1000)
    assert len(jobs) == 12 + 3 * 3
    created = [job.creation_date for job in jobs]
    assert created == sorted(created, reverse=True)
    start = qpu_clock.now()
    assert start - timedelta(days=30, hours=1) <= created[-1] and created[0] <= start - timedelta(hours=1)
    statuses = [job.status() for job in jobs]
    assert statuses.count("DONE") == 19 and statuses.count("ERROR") == 1 and statuses.count("CANCELLED") == 1
    done = next(job for job in jobs if job.status() == "DONE")
    result = done.result()  # computed now, from the job's own inputs
    if done.primitive_id == "sampler":
        assert result[0].data.c.num_shots == 1024
    else:
        assert result[0].data.evs.shape == ()
    failed = next(job for job in jobs if job.status() == "ERROR")
    assert "1517" in str(failed.error_message())
    again = fake_service.job(done.job_id())
    assert again.creation_date == done.creation_date and again.status() == "DONE"
    assert fake_runtime.jobs()[0].created == created[-1]  # the toolkit's records list it too


@pytest.mark.fakeqpu(seed=7, history=PAST)
def test_every_listing_filter_sees_the_past(fake_service, fake_runtime, qpu_clock):
    everything = fake_service.jobs(limit=None)
    middle = everything[len(everything) // 2].creation_date
    after = fake_service.jobs(limit=None, created_after=middle)
    before = fake_service.jobs(limit=None, created_before=middle)
    assert len(after) + len(before) == len(everything) + 1  # the middle job is in both
    assert all(job.creation_date >= middle for job in after)
    backend = everything[0].backend().name
    on_it = fake_service.jobs(limit=None, backend_name=backend)
    assert on_it and all(job.backend().name == backend for job in on_it)
    samplers = fake_service.jobs(limit=None, program_id="sampler")
    estimators = fake_service.jobs(limit=None, program_id="estimator")
    assert len(samplers) + len(estimators) == len(everything) and samplers and estimators
    assert fake_service.jobs(limit=None, pending=True) == []
    assert len(fake_service.jobs(limit=None, pending=False)) == len(everything)
    assert len(fake_service.jobs(limit=None, job_tags=["past"])) == len(everything)
    assert fake_service.jobs(limit=3, skip=2, descending=False)[0].job_id() == everything[-3].job_id()
    sessions = [record for record in fake_runtime.sessions()]
    assert sorted(record.mode for record in sessions) == ["batch", "dedicated", "dedicated"]
    for record in sessions:
        assert record.state == "closed" and len(record.jobs) == 3 and record.created < qpu_clock.now()
        members = fake_service.jobs(limit=None, session_id=record.id)
        assert sorted(job.job_id() for job in members) == sorted(record.jobs)
        details = (Batch if record.mode == "batch" else Session).from_id(record.id, fake_service).details()
        assert details["state"] == "closed" and details["mode"] == record.mode


def test_the_same_seed_gives_the_same_past_and_shifts_nothing_else():
    def ids(**options):
        with fakeqpu.mock_runtime(seed=11, start="2030-01-01T09:00:00", **options) as runtime:
            service = QiskitRuntimeService()
            backend = service.backend("ibm_fez")
            listed = [job.job_id() for job in service.jobs(limit=None)]
            from tests.client.conftest import _isa

            own = Sampler(mode=backend).run([_isa("ibm_fez", "bell")], shots=10).job_id()
            return listed, own, [record.created for record in runtime.jobs()]

    past = {"jobs": 5, "batches": 1, "backends": ["ibm_fez"]}
    first, second = ids(history=past), ids(history=past)
    assert first == second
    assert ids()[1] == first[1]  # the test's own job id is the one it gets without a history


@pytest.mark.fakeqpu(seed=3, job_duration=5)
def test_add_history_during_a_test_goes_behind_the_tests_own_jobs(
    fake_runtime, fake_service, fake_backend, bell
):
    own = Sampler(mode=fake_backend).run([bell], shots=10)
    made = fake_runtime.add_history(jobs=4, batches=1, jobs_per_session=2, tags=["old"], days=10)
    assert len(made["jobs"]) == 6 and len(made["sessions"]) == 1
    listed = [job.job_id() for job in fake_service.jobs(limit=None)]
    assert listed[0] == own.job_id() and set(listed[1:]) == set(made["jobs"])
    assert made["jobs"] == [r.id for r in fake_runtime.jobs() if r.id != own.job_id()]  # oldest first
    assert fake_runtime.qpu_seconds() <= 5  # the test's own job only: the past is not this test's
    more = fake_runtime.add_history(jobs=2, days=20)
    created = [job.creation_date for job in fake_service.jobs(limit=None)]
    assert created == sorted(created, reverse=True) and len(created) == 9 and len(more["jobs"]) == 2


@pytest.mark.min_client("0.41", reason="0.40's service.usage() is for the retired ibm_quantum channel only")
@pytest.mark.fakeqpu(seed=5, history={"jobs": 10, "days": 7})
def test_a_recent_past_counts_in_the_usage_window(fake_service):
    usage = fake_service.usage()
    assert usage["usage_consumed_seconds"] >= 10 * 2  # every job took IBM's 2-s overhead at least


@pytest.mark.fakeqpu(seed=5, history={"jobs": 3, "batches": 1}, max_jobs=1, strict=True)
def test_the_past_is_not_the_tests_budget(fake_service, fake_backend, bell):
    Sampler(mode=fake_backend).run([bell], shots=10).result()  # one job of its own: within max_jobs=1


@pytest.mark.parametrize(
    ("history", "words"),
    [
        (-1, "count >= 0"),
        ("many", "count of jobs or a JSON object"),
        ({"jobs": "x"}, "count >= 0"),
        ({"jbos": 3}, "unknown history field"),
        ({"jobs": 1, "days": float("inf")}, "finite"),
        ({"jobs": 1, "days": float("nan")}, "finite"),
        ({"jobs": 1, "days": 0}, "between 1 and 3650"),
        ({"jobs": 2, "failed": 2, "cancelled": 1}, "cannot exceed"),
        ({"jobs": 200_000}, "at most"),
        ({"jobs": 1, "programs": ["qaoa"]}, "programs"),
        ({"jobs": 1, "backends": ["ibm_nowhere"]}, "fleet"),
        ({"jobs": 1, "tags": "past"}, "tags"),
        ({"jobs": 1, "jobs_per_session": 0}, "at least 1"),
        ([1, 2], "count of jobs or a mapping"),
        (True, "count of jobs or a mapping"),
    ],
)
def test_a_bad_history_is_refused_before_anything_starts(history, words):
    with pytest.raises(fakeqpu.OptionError, match=words):
        fakeqpu.mock_runtime(history=history).__enter__()


def test_the_open_plan_has_no_sessions_in_its_past():
    with fakeqpu.mock_runtime(plan="open") as runtime:
        with pytest.raises(ValueError, match="runs no sessions"):
            runtime.add_history(sessions=1)
        assert runtime.add_history(jobs=1, batches=1)["sessions"]  # batches are allowed on Open


def test_a_history_that_does_not_fit_its_days_is_refused():
    with fakeqpu.mock_runtime(seed=1, job_duration=3600) as runtime:
        with pytest.raises(ValueError, match="does not fit"):
            runtime.add_history(jobs=30, days=1)  # 30 one-hour jobs, one after the other
        assert runtime.jobs() == []  # all or nothing
