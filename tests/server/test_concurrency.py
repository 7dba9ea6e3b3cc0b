"""Many client processes at once against one served fake: nothing lost, nothing crossed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakeqpu.service.listing import JobFilter

SWARM = Path(__file__).with_name("swarm_client.py")


@pytest.mark.fakeqpu(job_duration=1)
def test_eight_processes_of_twenty_jobs_lose_nothing(fakeqpu_server):
    processes, jobs = 8, 20
    done = subprocess.run(
        [sys.executable, str(SWARM), str(processes), str(jobs)],
        env={**os.environ, **fakeqpu_server.env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    workers = json.loads(done.stdout)
    assert [w["worker"] for w in workers] == list(range(processes))
    for w in workers:
        assert w["shots"] == [10 + w["worker"]] * jobs  # each process got its own results
    ids = [job_id for w in workers for job_id in w["ids"]]
    assert len(ids) == len(set(ids)) == processes * jobs
    served, count = fakeqpu_server.runtime.model.jobs(JobFilter(limit=200))
    assert count == processes * jobs and {job.id for job in served} == set(ids)
    assert {job.status for job in served} == {"Completed"}
    sessions = fakeqpu_server.runtime.model.engine.sessions.values()
    assert sorted(s.mode for s in sessions) == ["batch"] * (processes // 2)
