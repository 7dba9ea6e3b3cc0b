"""The pytest fixtures and the `fakeqpu` marker (docs/fixtures.md)."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import IBMBackend, QiskitRuntimeService, Session
from qiskit_ibm_runtime import SamplerV2 as Sampler

import fakeqpu

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


def test_a_session_runs_a_sampler_job(fake_session, bell):
    result = Sampler(mode=fake_session).run([bell], shots=100).result()
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 100
    assert counts.get("00", 0) + counts.get("11", 0) > 60  # a Bell state, with ibm_torino's noise
    assert fake_session.status() == "In progress, accepting new jobs"


def test_the_fixtures_are_the_real_client_objects(fake_runtime, fake_service, fake_backend, qpu_clock):
    assert isinstance(fake_runtime, fakeqpu.FakeRuntime)
    assert isinstance(fake_service, QiskitRuntimeService)
    assert isinstance(fake_backend, IBMBackend)
    assert fake_backend.name == "ibm_torino"  # the first backend of the default fleet
    assert qpu_clock is fake_runtime.clock


@pytest.mark.min_client("0.41", reason="0.40's service.usage() is for the retired ibm_quantum channel only")
@pytest.mark.fakeqpu(plan="open", backends=["ibm_fez", "ibm_torino"], seed=7)
def test_the_marker_configures_the_fake_of_this_test(fake_service, fake_backend, fake_batch):
    assert fake_backend.name == "ibm_fez"  # now the first of the fleet
    assert [backend.name for backend in fake_service.backends()] == ["ibm_fez", "ibm_torino"]
    assert fake_service.usage()["usage_limit_seconds"] == 600  # the Open Plan's 10 minutes
    assert fake_batch.details()["max_time"] == 600  # an Open Plan batch lives 10 minutes


@pytest.mark.fakeqpu(job_duration=3)
def test_a_batch_is_charged_for_qpu_time(fake_batch, qpu_clock, bell):
    sampler = Sampler(mode=fake_batch)
    jobs = [sampler.run([bell], shots=10) for _ in range(3)]
    qpu_clock.advance(seconds=9)  # three 3-second jobs, one after the other
    assert [job.status() for job in jobs] == ["DONE", "DONE", "DONE"]
    assert fake_batch.usage() == 9


@pytest.mark.fakeqpu(plan="flex", job_duration=5)
class TestTheClosestMarkerWins:
    @pytest.mark.fakeqpu(job_duration=1)
    def test_the_method_marker(self, fake_runtime):
        assert fake_runtime.options.job_duration == 1  # the method's marker
        assert fake_runtime.options.plan == "flex"  # merged from the class's marker

    def test_the_class_marker(self, fake_runtime):
        assert fake_runtime.options.job_duration == 5


@pytest.mark.fakeqpu(job_duration=lambda job: 100 if "slow" in job.tags else 1)
def test_job_duration_can_depend_on_the_job(fake_backend, qpu_clock, bell):
    sampler = Sampler(mode=fake_backend)
    quick = sampler.run([bell], shots=10)
    sampler.options.environment.job_tags = ["slow"]
    slow = sampler.run([bell], shots=10)
    qpu_clock.advance(seconds=2)
    assert (quick.status(), slow.status()) == ("DONE", "RUNNING")


class TestWithAShorterSession:
    @pytest.fixture
    def fake_session(self, fake_backend):  # overrides the plugin's fixture for this class
        with Session(backend=fake_backend, max_time="10m") as session:
            yield session

    def test_the_session_has_the_max_time_asked_for(self, fake_session):
        assert fake_session.details()["max_time"] == 600


@pytest.mark.min_client("0.48", reason="ibm_kingston's snapshot ships from 0.48")
class TestOnAnotherBackend:
    @pytest.fixture
    def fake_backend(self, fake_service):  # fake_session, fake_batch build on this one
        return fake_service.backend("ibm_kingston")

    def test_fake_session_follows_the_override(self, fake_session):
        assert fake_session.backend() == "ibm_kingston"


@pytest.mark.min_client("0.48", reason="ibm_kingston's snapshot ships from 0.48")
def test_least_busy_on_a_fresh_service(fake_runtime):
    fake_runtime.add_background_load("ibm_torino", jobs=3)  # one runs, two wait
    fake_runtime.set_backend_status("ibm_fez", "paused", "calibration")
    service = fake_runtime.service()  # a new client object: it lists the backends now
    assert service.least_busy(operational=True, simulator=False).name == "ibm_kingston"
    assert service.backend("ibm_torino").status().pending_jobs == 2


@pytest.mark.min_client("0.50", reason="executor_sampler.Sampler has this name from 0.50")
def test_a_session_runs_the_current_sampler(fake_session, bell):
    from qiskit_ibm_runtime.executor_sampler import Sampler as CurrentSampler

    result = CurrentSampler(mode=fake_session).run([bell], shots=100).result()
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 100
    assert counts.get("00", 0) + counts.get("11", 0) > 60
    assert fake_session.status() == "In progress, accepting new jobs"
