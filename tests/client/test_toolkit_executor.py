"""The toolkit on the executor-era primitives: records and job faults for `executor` jobs."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import Session

from tests.executor_primitives import SAMPLER_SINCE, sampler_class

pytestmark = SAMPLER_SINCE


@pytest.mark.fakeqpu(job_duration=5)
def test_executor_job_records_show_the_program_items_and_shots(fake_runtime, fake_backend, bell, qpu_clock):
    Sampler = sampler_class()

    Sampler(mode=fake_backend).run([bell, bell], shots=77).result()
    (record,) = fake_runtime.jobs()
    assert record.program == "executor"
    assert record.shots == (77, 77)
    assert [pub.circuit.num_qubits for pub in record.pubs] == [bell.num_qubits] * 2
    assert record.status == "Completed"
    assert record.qpu_seconds == 5.0


@pytest.mark.fakeqpu(job_duration=5)
def test_fail_jobs_fails_an_executor_job_in_a_session_and_the_next_one_runs(
    fake_runtime, fake_backend, bell, qpu_clock
):
    Sampler = sampler_class()

    fake_runtime.fail_jobs(
        1517, "Injected: the QPU lost calibration.", match=lambda job: job.program == "executor"
    )
    with Session(backend=fake_backend) as session:
        sampler = Sampler(mode=session)
        failed = sampler.run([bell], shots=20)
        assert failed.status() == "ERROR"
        assert "lost calibration" in failed.error_message()
        fine = sampler.run([bell], shots=20)
        qpu_clock.advance(seconds=5)
        assert fine.result()[0].data.meas.num_shots == 20
    assert [(r.program, r.status, r.reason_code) for r in fake_runtime.jobs()] == [
        ("executor", "Failed", 1517),
        ("executor", "Completed", None),
    ]
