"""Many jobs, from many threads: nothing lost, nothing kept that the client cannot ask for again.

The full figures (10,000 jobs, time per job and memory) are in benchmarks/bench_soak.py; these
runs are short, and assert what makes the cost flat rather than wall-clock times.
"""

from __future__ import annotations

import queue
import threading
from datetime import timedelta

from qiskit_ibm_runtime import Batch, SamplerV2, Session

import fakeqpu
from fakeqpu.service.jobs import Job
from fakeqpu.service.listing import JobFilter
from fakeqpu.service.runtime import USAGE_WINDOW, RuntimeService
from fakeqpu.service.sessions import DEDICATED
from tests.robustness.conftest import BACKEND, bell_isa

SHOTS = 10


def usage_by_walking_everything(model: RuntimeService) -> float:
    """The instance's usage computed the slow way, from every session and job: the ledger must agree."""
    now = model.now
    since = now - USAGE_WINDOW
    total, dedicated = 0.0, set()
    for session in model.engine.sessions.values():
        if session.mode == DEDICATED and not session.job_mode and session.started_at is not None:
            dedicated.add(session.id)
            if session.closed_at is None or session.closed_at >= since:
                total += session.elapsed_time(now) or 0.0
    for job in model.engine.jobs.values():
        if job.background or job.session_id in dedicated:
            continue
        if job.finished_at is None or job.finished_at >= since:
            total += job.qpu_seconds(now)
    return round(total, 3)


def assert_compact(job: Job) -> None:
    assert job.prepared is None and job.params_wire == {} and job.params_zip is not None
    assert job.wire_params()["pubs"], "the inputs stay servable"


def test_a_short_soak_keeps_finished_jobs_compact_and_usage_exact():
    with fakeqpu.mock_runtime(seed=21, plan="premium") as runtime:
        backend = runtime.service().backend(BACKEND)
        sampler = SamplerV2(mode=backend)
        for _ in range(60):
            sampler.run([bell_isa()], shots=SHOTS).result()
        with Session(backend=backend) as session:
            in_session = SamplerV2(mode=session)
            for _ in range(40):
                in_session.run([bell_isa()], shots=SHOTS).result()
        model = runtime.model
        jobs = list(model.engine.jobs.values())
        assert len(jobs) == 100 and all(job.status == "Completed" for job in jobs)
        for job in jobs:
            assert_compact(job)
        assert model.usage()["consumed"] == usage_by_walking_everything(model) > 0
        runtime.clock.advance(USAGE_WINDOW - timedelta(minutes=1))
        assert model.usage()["consumed"] == usage_by_walking_everything(model) > 0
        runtime.clock.advance(minutes=2)  # only what ended in the last 28 days counts
        assert model.usage()["consumed"] == usage_by_walking_everything(model) == 0
        assert model.engine.open_sessions() == []
        page, count = model.jobs(JobFilter(limit=10))
        assert count == 100 and [job.id for job in page] == [job.id for job in reversed(jobs)][:10]


def test_eight_threads_fifty_jobs_each_with_the_clock_moved_from_another_thread():
    threads_jobs = 50
    with fakeqpu.mock_runtime(seed=22, plan="premium", job_duration=2) as runtime:
        service = runtime.service()
        backend = service.backend(BACKEND)
        shared_session = Session(backend=backend, max_time="8h")
        shared_batch = Batch(backend=backend, max_time="8h")
        own = [Session(backend=backend, max_time="8h"), Batch(backend=backend, max_time="8h")]
        modes = [shared_session, shared_session, shared_batch, shared_batch, backend, backend, *own]
        done: queue.Queue[str | None] = queue.Queue()
        results: dict[int, list[tuple[str, int]]] = {}
        errors: list[BaseException] = []

        def worker(index: int, mode: object) -> None:
            try:
                sampler = SamplerV2(mode=mode)
                mine = results.setdefault(index, [])
                for _ in range(threads_jobs):
                    job = sampler.run([bell_isa()], shots=SHOTS)
                    counts = job.result()[0].data.meas.get_counts()
                    mine.append((job.job_id(), sum(counts.values())))
                    done.put(job.job_id())
            except BaseException as error:
                errors.append(error)
            finally:
                done.put(None)

        def mover() -> None:  # one virtual second per finished job, from its own thread
            finished = 0
            while finished < len(modes):
                if done.get() is None:
                    finished += 1
                else:
                    runtime.clock.advance(seconds=1)

        workers = [threading.Thread(target=worker, args=(i, mode)) for i, mode in enumerate(modes)]
        clock_thread = threading.Thread(target=mover)
        clock_thread.start()
        for thread in workers:
            thread.start()
        for thread in [*workers, clock_thread]:
            thread.join()
        assert errors == []
        ids = [job_id for mine in results.values() for job_id, _ in mine]
        assert len(ids) == len(set(ids)) == 8 * threads_jobs
        assert all(shots == SHOTS for mine in results.values() for _, shots in mine)
        model = runtime.model
        assert model.jobs(JobFilter())[1] == 8 * threads_jobs
        assert all(job.status == "Completed" for job in model.engine.jobs.values())
        for session in (shared_session, shared_batch, *own):
            listed = model.jobs(JobFilter(session_id=session.session_id))[1]
            assert listed == threads_jobs * (2 if session in (shared_session, shared_batch) else 1)
        assert model.usage()["consumed"] == usage_by_walking_everything(model) > 0
        for session in (shared_session, shared_batch, *own):
            session.close()
