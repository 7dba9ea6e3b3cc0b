"""Jobs as IBM runs them: status words, Sampler and Estimator results, cancelling a finished job (3 jobs)."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from packaging.version import Version
from qiskit.primitives import BitArray, PrimitiveResult
from qiskit_ibm_runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

from tests.contract.helpers import JOB_STATUS_WORDS, SHOTS, envelope

CLIENT_VERSION = Version(version("qiskit-ibm-runtime"))

pytestmark = pytest.mark.contract


@pytest.mark.contract(fidelity="Jobs: status words; Sampler PrimitiveResult; metrics timestamps and usage")
def test_sampler_job_and_result(fake_backend, bell, raw, contract_record):
    job = Sampler(mode=fake_backend).run([bell], shots=SHOTS)
    seen = {raw.job_state(job.job_id())["status"]}
    result = job.result()
    state = raw.job_state(job.job_id())
    contract_record("state", state)
    seen.add(state["status"])
    assert seen <= JOB_STATUS_WORDS and state["status"] == "Completed"
    assert state.get("reason") is None and state.get("reason_code") is None
    assert job.status() == "DONE"

    assert isinstance(result, PrimitiveResult) and len(result) == 1
    bits = result[0].data.meas
    assert isinstance(bits, BitArray)
    assert (bits.shape, bits.num_shots, bits.num_bits) == ((), SHOTS, 2)
    counts = bits.get_counts()
    assert set(counts) <= {"00", "01", "10", "11"}
    assert counts.get("00", 0) + counts.get("11", 0) > SHOTS // 2  # a Bell pair, through the noise
    spans = result.metadata["execution"]["execution_spans"]
    assert sum(span.size for span in spans) == SHOTS
    assert all(span.start <= span.stop for span in spans)

    metrics = job.metrics()
    contract_record("metrics", metrics)
    assert set(metrics["timestamps"]) >= {"created", "running", "finished"}
    # the field's name follows the client's IBM-API-Version: 2026-04-15 (0.48+) or an older one
    charged = "qpu_charge_time_seconds" if Version("0.48") <= CLIENT_VERSION else "quantum_seconds"
    assert metrics["usage"][charged] > 0
    assert job.usage() > 0


@pytest.mark.contract(
    fidelity="Error codes: cancel a final job → 409, code 1233 'Job is in non cancellable status.'"
)
def test_a_finished_job_cannot_be_cancelled(fake_backend, bell, raw, contract_record):
    job = Sampler(mode=fake_backend).run([bell], shots=SHOTS)
    job.result()
    error = envelope(raw.post(f"/jobs/{job.job_id()}/cancel"), 409)
    contract_record("error", error)
    assert (error["code"], error["message"]) == (1233, "Job is in non cancellable status.")
    with pytest.raises(RuntimeInvalidStateError):
        job.cancel()


@pytest.mark.contract(fidelity="Jobs: Estimator PubResult evs/stds with target_precision")
def test_estimator_job_and_result(fake_backend, bell_zz, contract_record):
    circuit, observables = bell_zz
    estimator = Estimator(mode=fake_backend, options={"resilience_level": 0})
    job = estimator.run([(circuit, observables)], precision=0.1)  # 100 shots
    result = job.result()
    assert job.status() == "DONE"
    pub = result[0]
    contract_record("pub_metadata", pub.metadata)
    contract_record("metadata", result.metadata)
    assert pub.data.evs.shape == pub.data.stds.shape == (2,)
    # ZZ and XX of a Bell pair: correlated, and without mitigation never beyond ±1
    assert all(0.0 < value <= 1.0 for value in pub.data.evs), pub.data.evs
    assert all(value > 0 for value in pub.data.stds)
    assert pub.metadata["target_precision"] == 0.1
    assert set(result.metadata) >= {"dynamical_decoupling", "twirling", "resilience", "version"}
    assert result.metadata["version"] == 2
