"""`dry_run=True`: the client swaps the device for its `mock_<suffix>` counterpart, which the fake
lists only with `include_mocks=true` (`"class": "mock"`); its jobs are listed only with include_mocks."""

from __future__ import annotations

import warnings

import pytest

DRY_RUN = pytest.mark.min_client("0.51", reason="include_mocks and dry_run are absent up to 0.50")


def _legacy_sampler(mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qiskit_ibm_runtime import SamplerV2

        return SamplerV2(mode=mode)


@DRY_RUN
def test_mock_devices_are_listed_only_with_include_mocks(fake_service, fake_backend):
    names = [b.name for b in fake_service.backends()]
    with_mocks = [b.name for b in fake_service.backends(include_mocks=True)]
    mock = "mock_" + fake_backend.name.split("_", 1)[1]
    assert mock not in names and mock in with_mocks
    assert set(with_mocks) - set(names) == {"mock_" + n.split("_", 1)[1] for n in names}
    backend = fake_service.backend(mock)
    assert backend.name == mock and backend.num_qubits == fake_backend.num_qubits


@DRY_RUN
def test_dry_run_runs_on_the_mock_device_and_hides_the_job(fake_service, fake_backend, bell):
    from qiskit_ibm_runtime.executor_sampler import Sampler

    job = Sampler(mode=fake_backend).run([bell], shots=100, dry_run=True)
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 100
    assert job.backend().name.startswith("mock_")
    real = _legacy_sampler(fake_backend).run([bell], shots=10)
    listed = [j.job_id() for j in fake_service.jobs(limit=10)]
    assert real.job_id() in listed and job.job_id() not in listed
    assert job.job_id() in [j.job_id() for j in fake_service.jobs(limit=10, include_mocks=True)]
    assert fake_service.job(job.job_id()).status() == "DONE"
    assert job.usage() >= 1 and job.metrics()["estimated_running_time_seconds"] > 0
    assert fake_backend.status().pending_jobs == 0


@DRY_RUN
def test_dry_run_in_a_session_of_the_real_device_is_refused(fake_backend, bell):
    from qiskit_ibm_runtime import Session
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError
    from qiskit_ibm_runtime.executor_sampler import Sampler

    with Session(backend=fake_backend) as session:
        sampler = Sampler(mode=session)
        with pytest.raises(IBMRuntimeError, match=r"1208.*not on mock_"):
            sampler.run([bell], shots=10, dry_run=True)
        assert sum(sampler.run([bell], shots=10).result()[0].data.meas.get_counts().values()) == 10
