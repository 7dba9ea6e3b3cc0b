"""The fidelity sweep's answers where a real run settles them cheaply (4 jobs, no session)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import requests
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import ResourceControllerV2
from ibm_platform_services.resource_controller_v2 import ResourceInstance
from qiskit_ibm_runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

from tests.contract.helpers import SHOTS, envelope, wait

pytestmark = [pytest.mark.contract, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.mark.contract(
    fidelity="Fidelity sweep: Estimator stds is a 0-d ndarray; twirled shots = randomizations × shots each"
)
def test_estimator_scalar_types_and_twirled_shots(fake_backend, bell_zz, contract_record):
    circuit, (zz, _) = bell_zz
    result = Estimator(mode=fake_backend).run([(circuit, zz)], precision=0.1).result()  # 100 shots
    pub = result[0]
    contract_record("pub_metadata", pub.metadata)
    assert isinstance(pub.data.evs, np.ndarray) and pub.data.evs.shape == ()
    assert isinstance(pub.data.stds, np.ndarray) and pub.data.stds.shape == ()
    # measurement twirling is on by default: max(64, ceil(100 / 32)) = 64 shots × ceil(100 / 64) = 2
    per_randomization = max(64, math.ceil(100 / 32))
    assert pub.metadata["num_randomizations"] == math.ceil(100 / per_randomization) == 2
    assert pub.metadata["shots"] == 2 * per_randomization
    resilience = result.metadata["resilience"]
    assert (resilience["measure_mitigation"], resilience["zne_mitigation"], resilience["pec_mitigation"]) == (
        True,
        False,
        False,
    )


@pytest.mark.contract(
    fidelity="Fidelity sweep: a private job returns no params, and its result once (then 204)"
)
def test_private_job(fake_backend, bell, raw, contract_record):
    job = Sampler(mode=fake_backend, options={"environment": {"private": True}}).run([bell], shots=SHOTS)
    assert job.result()[0].data.meas.num_shots == SHOTS
    body = raw.get(f"/jobs/{job.job_id()}?exclude_params=false").json()
    contract_record("job", {key: value for key, value in body.items() if key != "params"})
    assert body.get("private") is True and "params" not in body
    again = raw.get(f"/jobs/{job.job_id()}/results")
    contract_record("second_read", again.status_code)
    assert again.status_code == 204


@pytest.mark.contract(fidelity="Fidelity sweep: deleting a queued job succeeds; the job is then not found")
@pytest.mark.fakeqpu(job_duration=5)
def test_delete_a_queued_job(fake_service, fake_backend, bell, raw, contract_record):
    first = Sampler(mode=fake_backend).run([bell], shots=SHOTS)
    second = Sampler(mode=fake_backend).run([bell], shots=SHOTS)
    state = raw.job_state(second.job_id())
    contract_record("state_before_delete", state)
    assert state["status"] == "Queued"
    fake_service.delete_job(second.job_id())
    with pytest.raises(RuntimeJobNotFound):
        fake_service.job(second.job_id())
    assert wait(first) == "DONE"


@pytest.mark.min_client("0.43", reason="0.40 asks for API 2024-01-01, whose GET /backends lists names only")
@pytest.mark.contract(fidelity="Fidelity sweep: GET /backends devices carry physical_qubits (Heron)")
def test_physical_qubits(fake_service, raw, contract_record):
    devices = raw.get("/backends").json()["devices"]
    heron = [device for device in devices if device.get("processor_type", {}).get("family") == "Heron"]
    contract_record("physical_qubits", {device["name"]: device.get("physical_qubits") for device in devices})
    assert heron
    for device in heron:
        assert isinstance(device["physical_qubits"], int) and device["physical_qubits"] > device["qubits"]


@pytest.mark.contract(fidelity="Fidelity sweep: an unknown calibration_id is refused (404, CHOSEN code 1208)")
def test_unknown_calibration_id(fake_backend, raw, contract_record):
    for endpoint in ("configuration", "properties"):
        response = raw.get(
            f"/backends/{fake_backend.name}/{endpoint}?calibration_id=fakeqpu-no-such-calibration"
        )
        contract_record(endpoint, {"status": response.status_code, "body": response.text[:500]})
        error = envelope(response, 404)
        assert error["code"] == 1208 and "Calibration not found" in error["message"]


@pytest.mark.min_client("0.43", reason="QiskitRuntimeService.active_instance() is absent in 0.40")
@pytest.mark.contract(
    fidelity="Fidelity sweep: usage has usage_limit_seconds (Open), usage_allocation_seconds (Premium, Flex)"
)
def test_usage_fields_of_the_plan(fake_service, raw, contract_record):
    usage = raw.get("/instances/usage").json()
    contract_record("usage", usage)
    assert type(usage["usage_consumed_seconds"]) is int  # whole seconds (IBM's test_service_usage)
    plan = next(i["plan"] for i in fake_service.instances() if i["crn"] == fake_service.active_instance())
    if plan == "open":
        assert usage["usage_limit_seconds"] == 600
    elif plan in ("premium", "flex"):
        assert type(usage["usage_allocation_seconds"]) is int
    assert ("usage_remaining_seconds" in fake_service.usage()) == (
        "usage_limit_seconds" in usage or bool(usage.get("usage_allocation_seconds"))
    )


@pytest.mark.min_client("0.43", reason="QiskitRuntimeService.active_instance() is absent in 0.40")
@pytest.mark.contract(fidelity="Fidelity sweep: the Resource Controller turns the CRN into the instance")
def test_resource_controller_instance(fake_service, contract_record):
    account = fake_service.active_account()
    client = ResourceControllerV2(
        authenticator=IAMAuthenticator(account["token"], url="https://iam.cloud.ibm.com")
    )
    client.set_service_url("https://resource-controller.cloud.ibm.com")
    crn = fake_service.active_instance()
    found = client.get_resource_instance(id=crn).get_result()
    contract_record("instance", {key: found.get(key) for key in ("name", "state", "region_id", "extensions")})
    instance = ResourceInstance.from_dict(found)
    assert instance.crn == crn and instance.state == "active"
    assert set(instance.extensions) >= {"instance_limit_seconds", "usage_allocation_seconds", "backends"}


@pytest.mark.contract(fidelity="Fidelity sweep: a host IBM does not have does not resolve")
def test_a_doubled_host_does_not_resolve(raw):
    assert raw.base.startswith("https://") and ".quantum." in f".{raw.base[8:]}"
    doubled = raw.base.replace("https://", "https://quantum.", 1)  # e.g. quantum.quantum.cloud.ibm.com
    assert raw.get("/versions").status_code == 200  # the real host answers
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{doubled}/versions", headers=raw.headers, timeout=10)
