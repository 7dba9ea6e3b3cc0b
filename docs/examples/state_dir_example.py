"""An account that keeps its state (docs/server.md, "Keeping the account's state")."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime import Session

import fakeqpu

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


def test_a_script_run_twice_finds_its_job_and_its_session(tmp_path, bell, fake_backend):
    with fakeqpu.mock_runtime(state_dir=tmp_path, seed=7) as fake:  # the first run of a script
        backend = fake.service().backend(fake_backend.name)
        session = Session(backend=backend)
        job = Sampler(mode=session).run([bell], shots=100)
        counts = job.result()[0].data.meas.get_counts()

    with fakeqpu.mock_runtime(state_dir=tmp_path) as fake:  # a later run: the recorded options apply
        service = fake.service()
        assert [j.job_id() for j in service.jobs()] == [job.job_id()]
        assert service.job(job.job_id()).result()[0].data.meas.get_counts() == counts  # same counts
        again = Session.from_id(session.session_id, service=service)
        assert again.status() == "In progress, accepting new jobs"  # still open, its TTL running
        Sampler(mode=again).run([bell], shots=100).result()  # a new job in the old session
        fake.clock.advance(minutes=1)
        assert again.details()["state"] == "inactive"  # the interactive TTL lapsed, on the virtual clock
