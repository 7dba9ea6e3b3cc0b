"""Issue 14, the fidelity sweep: result types and metadata, private jobs, deleting a queued job,
backend fields and calibration ids, usage per plan, hosts. Through the real client."""

from __future__ import annotations

import math

import httpx
import numpy as np
import pytest
import requests
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import ResourceControllerV2
from ibm_platform_services.resource_controller_v2 import ResourceInstance
from ibm_quantum_schemas.estimator.version_0_1.primitive_result import (
    PrimitiveResultWrapperModel as EstimatorResultModel,
)
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.accounts import InvalidAccountError
from qiskit_ibm_runtime.exceptions import IBMRuntimeError, RuntimeJobNotFound

import fakeqpu
from fakeqpu.api.app import SERVED_HOST
from fakeqpu.service.runtime import SNAPSHOT_CALIBRATION_ID
from tests.contract.helpers import RawApi, envelope

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the legacy EstimatorV2 warns


def _estimate(backend, bell_zz, options, precision=0.1):
    circuit, observable = bell_zz
    job = Estimator(mode=backend, options=options).run(
        [(circuit, observable), (circuit, [[observable], [observable]])], precision=precision
    )
    return job, job.result()


# -- item 2: estimator result types and metadata ---------------------------------------------------


def test_single_observable_stds_is_a_0d_ndarray_like_evs(fake_backend, bell_zz):
    _, result = _estimate(fake_backend, bell_zz, {})
    scalar, array = result
    for name in ("evs", "stds", "ensemble_standard_error"):
        assert isinstance(scalar.data[name], np.ndarray), name
        assert scalar.data[name].shape == ()
        assert isinstance(array.data[name], np.ndarray) and array.data[name].shape == (2, 1)
    assert scalar.data.stds.dtype == np.float64


def test_twirled_shots_are_randomizations_times_shots_per_randomization(fake_backend, bell_zz):
    # precision 0.1 → 100 shots; auto: max(64, ceil(100/32)) = 64 per randomization, ceil(100/64) = 2
    _, result = _estimate(fake_backend, bell_zz, {})
    assert (result[0].metadata["num_randomizations"], result[0].metadata["shots"]) == (2, 128)
    _, result = _estimate(
        fake_backend, bell_zz, {"twirling": {"enable_gates": True, "num_randomizations": 3}}
    )
    assert (result[0].metadata["num_randomizations"], result[0].metadata["shots"]) == (
        3,
        3 * math.ceil(100 / 3),
    )
    _, result = _estimate(
        fake_backend, bell_zz, {"twirling": {"num_randomizations": 5, "shots_per_randomization": 7}}
    )
    assert (result[0].metadata["num_randomizations"], result[0].metadata["shots"]) == (5, 35)


def test_without_twirling_shots_are_the_requested_shots(fake_backend, bell_zz):
    _, result = _estimate(fake_backend, bell_zz, {"twirling": {"enable_measure": False}})
    assert result[0].metadata["shots"] == 100
    assert "num_randomizations" not in result[0].metadata


def test_zne_requested_is_reported_with_its_fields_and_shapes(fake_backend, bell_zz, fake_runtime):
    job, result = _estimate(fake_backend, bell_zz, {"resilience_level": 2})
    resilience = result.metadata["resilience"]
    assert resilience["zne_mitigation"] is True and resilience["pec_mitigation"] is False
    assert resilience["zne"] == {
        "noise_factors": [1.0, 3.0, 5.0],
        "extrapolator": ["exponential", "linear"],
        "extrapolated_noise_factors": [0.0, 1.0, 3.0, 5.0],
    }
    scalar, array = result
    assert scalar.metadata["resilience"] == {"zne": {"extrapolator": "exponential"}}
    assert "ensemble_standard_error" not in scalar.data  # "None if ZNE is enabled"
    assert scalar.data.evs_noise_factors.shape == (3,)
    assert array.data.evs_noise_factors.shape == array.data.ensemble_stds_noise_factors.shape == (2, 1, 3)
    assert array.data.evs_extrapolated.shape == array.data.stds_extrapolated.shape == (2, 1, 2, 4)
    np.testing.assert_allclose(array.data.evs_extrapolated[..., 0, 0], array.data.evs)
    body = fake_runtime.model.job_result_text(job.job_id())
    EstimatorResultModel.model_validate_json(body)  # the schema the service's results follow


def test_zne_options_travel_into_the_metadata(fake_backend, bell_zz):
    options = {
        "resilience": {"zne_mitigation": True, "zne": {"noise_factors": [1, 2], "extrapolator": "linear"}}
    }
    _, result = _estimate(fake_backend, bell_zz, options)
    assert result.metadata["resilience"]["zne"] == {
        "noise_factors": [1.0, 2.0],
        "extrapolator": ["linear"],
        "extrapolated_noise_factors": [0.0, 1.0, 2.0],
    }
    assert result[1].data.evs_extrapolated.shape == (2, 1, 1, 3)


def test_level_1_result_validates_against_the_schema(fake_backend, bell_zz, fake_runtime):
    job, _ = _estimate(fake_backend, bell_zz, {})
    model = EstimatorResultModel.model_validate_json(fake_runtime.model.job_result_text(job.job_id()))
    resilience = model.value_.metadata.resilience
    assert resilience is not None
    assert (resilience.measure_mitigation, resilience.zne_mitigation, resilience.pec_mitigation) == (
        True,
        False,
        False,
    )
    assert model.value_.pub_results[0].value_.metadata.shots == 128


# -- item 4: private jobs ----------------------------------------------------------------------------


def test_a_private_job_returns_no_inputs_and_its_result_once(fake_service, fake_backend, bell):
    raw = RawApi(fake_service)
    job = Sampler(mode=fake_backend, options={"environment": {"private": True}}).run([bell], shots=50)
    first = job.result()
    assert first[0].data.meas.num_shots == 50
    body = raw.get(f"/jobs/{job.job_id()}?exclude_params=false").json()
    assert body["private"] is True and "params" not in body
    assert job.inputs == {}
    assert fake_service.job(job.job_id()).private is True
    assert raw.get(f"/jobs/{job.job_id()}/results").status_code == 204  # read once, then deleted
    assert job.result() is None


def test_a_public_job_keeps_its_inputs_and_result_and_omits_private(fake_service, fake_backend, bell):
    raw = RawApi(fake_service)
    job = Sampler(mode=fake_backend).run([bell], shots=50)
    job.result()
    body = raw.get(f"/jobs/{job.job_id()}?exclude_params=false").json()
    assert "private" not in body and "pubs" in body["params"]
    assert fake_service.job(job.job_id()).private is False
    assert job.result()[0].data.meas.num_shots == 50  # as often as asked


# -- item 5: deleting a queued job ----------------------------------------------------------------------


@pytest.mark.fakeqpu(job_duration=5)
def test_a_queued_job_is_deleted_and_leaves_the_queue(fake_service, fake_backend, bell, qpu_clock):
    running = Sampler(mode=fake_backend).run([bell], shots=10)
    queued = Sampler(mode=fake_backend).run([bell], shots=10)
    assert (running.status(), queued.status()) == ("RUNNING", "QUEUED")
    assert fake_backend.status().pending_jobs == 1

    fake_service.delete_job(queued.job_id())

    with pytest.raises(RuntimeJobNotFound):
        fake_service.job(queued.job_id())
    assert fake_backend.status().pending_jobs == 0
    assert queued.job_id() not in [job.job_id() for job in fake_service.jobs()]
    with pytest.raises(IBMRuntimeError, match="terminal state"):  # a running job is not deleted
        fake_service.delete_job(running.job_id())
    qpu_clock.advance(seconds=5)
    assert running.status() == "DONE"


# -- item 7: backend fields and calibration ids ----------------------------------------------------------


@pytest.mark.min_client("0.50", reason="IBMBackend.physical_qubits (Qiskit/qiskit-ibm-runtime#3080)")
def test_backends_report_their_physical_qubits(fake_service):
    assert fake_service.backend("ibm_fez").physical_qubits == 332  # the snapshot's own value
    assert fake_service.backend("ibm_torino").physical_qubits == 133 + 150  # Heron r1: qubits + couplers
    assert fake_service.backend("ibm_brisbane").physical_qubits == 127  # Eagle: the qubits (CHOSEN)


@pytest.mark.min_client("0.48", reason="service.backend(calibration_id=...)")
def test_the_snapshot_calibration_is_served_under_its_id(fake_service, bell):
    backend = fake_service.backend("ibm_fez", calibration_id=SNAPSHOT_CALIBRATION_ID)
    assert backend.calibration_id == SNAPSHOT_CALIBRATION_ID and backend.num_qubits == 156
    assert backend.properties().backend_name == "ibm_fez"

    circuit = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(
        bell.copy()
    )
    job = Sampler(mode=backend).run([circuit], shots=20)
    assert job.result()[0].data.meas.num_shots == 20
    details = RawApi(fake_service).get(f"/jobs/{job.job_id()}?exclude_params=true").json()
    assert details["calibration_id"] == SNAPSHOT_CALIBRATION_ID


@pytest.mark.min_client("0.48", reason="service.backend(calibration_id=...)")
def test_an_unknown_calibration_id_is_refused(fake_service, fake_backend, bell):
    raw = RawApi(fake_service)
    for endpoint in ("configuration", "properties"):
        error = envelope(raw.get(f"/backends/{fake_backend.name}/{endpoint}?calibration_id=nope"), 404)
        assert error["message"] == "Calibration not found. Calibration ID: nope"
    with pytest.raises(QiskitBackendNotFoundError):
        fake_service.backend(fake_backend.name, calibration_id="nope")
    body = {"program_id": "sampler", "backend": fake_backend.name, "params": {"pubs": []}}
    body["calibration_id"] = "nope"
    response = requests.post(f"{raw.base}/jobs", json=body, headers=raw.headers, timeout=5)
    assert envelope(response, 404)["message"] == "Calibration not found. Calibration ID: nope"
    assert fake_service.jobs() == []  # refused before anything was created


# -- item 8: usage per plan ---------------------------------------------------------------------------


@pytest.mark.min_client("0.43", reason="0.40 serves service.usage() only on the retired ibm_quantum channel")
@pytest.mark.parametrize(
    ("options", "limit", "allocation"),
    [
        ({"plan": "premium"}, None, 36000),
        ({"plan": "premium", "usage_allocation_seconds": 1200}, None, 1200),
        ({"plan": "flex", "usage_allocation_seconds": 600}, None, 600),
        ({"plan": "premium", "usage_allocation_seconds": 0}, None, None),
        ({"plan": "paygo"}, None, None),
        ({"plan": "open"}, 600, None),
    ],
)
def test_usage_per_plan(options, limit, allocation):
    with fakeqpu.mock_runtime(seed=1, **options):
        usage = QiskitRuntimeService().usage()
    assert usage.get("usage_limit_seconds") == limit
    assert usage.get("usage_allocation_seconds") == allocation
    remaining = limit if limit is not None else allocation
    assert usage.get("usage_remaining_seconds") == remaining


@pytest.mark.parametrize("plan", ["paygo", "open"])
def test_an_allocation_applies_to_premium_and_flex_only(plan):
    with pytest.raises(fakeqpu.OptionError, match=r"[Pp]remium"):
        fakeqpu.mock_runtime(plan=plan, usage_allocation_seconds=100).__enter__()


def test_the_allocation_option_is_checked_and_suggested():
    with pytest.raises(fakeqpu.OptionError, match="whole number"):
        fakeqpu.mock_runtime(usage_allocation_seconds=-1).__enter__()
    with pytest.raises(fakeqpu.OptionError, match="did you mean 'usage_allocation_seconds'"):
        fakeqpu.mock_runtime(usage_allocation=100).__enter__()


# -- item 6: a poll loop that never sleeps: tests/client/test_busy_poll.py -------------------------------


# -- item 3: the Resource Controller's instance look-up ------------------------------------------------


def _resource_controller() -> ResourceControllerV2:
    """IBM's own SDK client (a dependency of qiskit-ibm-runtime), configured as `resolve_crn` does."""
    client = ResourceControllerV2(authenticator=IAMAuthenticator("any-key", url="https://iam.cloud.ibm.com"))
    client.set_service_url("https://resource-controller.cloud.ibm.com")
    return client


@pytest.mark.fakeqpu(plan="flex", usage_allocation_seconds=900)
def test_the_resource_controller_turns_the_crn_into_the_instance(fake_runtime):
    client = _resource_controller()
    found = client.get_resource_instance(id=fake_runtime.crn).get_result()
    instance = ResourceInstance.from_dict(found)  # the SDK's own model of the answer
    assert (instance.crn, instance.name, instance.state) == (
        fake_runtime.crn,
        fake_runtime.instance_name,
        "active",
    )
    assert instance.guid == fake_runtime.crn.split(":")[7] and instance.region_id == "us-east"
    assert instance.extensions == {
        "instance_limit_seconds": None,
        "usage_allocation_seconds": 900,
        "backends": ["ANY"],
    }
    by_guid = client.get_resource_instance(id=instance.guid).get_result()
    assert by_guid["crn"] == fake_runtime.crn


def test_the_resource_controller_lists_the_instance_by_name(fake_runtime):
    client = _resource_controller()
    listed = client.list_resource_instances(name=fake_runtime.instance_name).get_result()
    assert listed["rows_count"] == 1 and listed["resources"][0]["crn"] == fake_runtime.crn
    assert client.list_resource_instances(name="someone-else").get_result()["rows_count"] == 0


def test_the_resource_controller_answers_404_for_another_instance(fake_runtime):
    other = fake_runtime.crn.replace(fake_runtime.crn.split(":")[7], "00000000-0000-4000-8000-00000000dead")
    with pytest.raises(ApiException) as raised:
        _resource_controller().get_resource_instance(id=other)
    assert raised.value.status_code == 404
    unauthenticated = requests.get(
        "https://resource-controller.cloud.ibm.com/v2/resource_instances", timeout=5
    )
    assert unauthenticated.status_code == 401


@pytest.mark.fakeqpu(plan="open")
def test_an_open_instance_shows_its_limit_in_the_resource_controller(fake_runtime):
    found = _resource_controller().get_resource_instance(id=fake_runtime.crn).get_result()
    assert found["extensions"]["instance_limit_seconds"] == 600
    assert found["extensions"]["usage_allocation_seconds"] is None


# -- item 9: only the hosts the client can reach ----------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "quantum.quantum.cloud.ibm.com",
        "api.quantum.ibm.com",
        "auth.quantum.ibm.com",
        "us-south.quantum.cloud.ibm.com",
        "iam.quantum.cloud.ibm.com",
        "quantum.ibm.com",
    ],
)
def test_hosts_ibm_does_not_have_do_not_resolve(fake_runtime, host):
    with pytest.raises(requests.exceptions.ConnectionError, match="Failed to resolve"):
        requests.get(f"https://{host}/api/v1/versions", timeout=1)
    with pytest.raises(httpx.ConnectError, match="Failed to resolve"):
        httpx.get(f"https://{host}/api/v1/versions")


@pytest.mark.parametrize(
    "host",
    [
        "quantum.cloud.ibm.com",
        "eu-de.quantum.cloud.ibm.com",
        "private.us-east.quantum.cloud.ibm.com",
        "private.eu-de.quantum.cloud.ibm.com",
        "quantum.test.cloud.ibm.com",
        "iam.cloud.ibm.com",
        "private.iam.cloud.ibm.com",
        "iam.test.cloud.ibm.com",
        "api.global-search-tagging.cloud.ibm.com",
        "globalcatalog.cloud.ibm.com",
        "resource-controller.cloud.ibm.com",
    ],
)
def test_the_hosts_the_client_reaches_are_served(host):
    assert SERVED_HOST.match(host)


def test_a_url_with_the_runtime_host_fails_as_against_ibm(fake_runtime):
    # url= is the IBM Cloud URL: the runtime host derives iam.quantum.cloud.ibm.com, which does not exist
    with pytest.raises(InvalidAccountError, match="Unable to retrieve instances"):
        QiskitRuntimeService(channel="ibm_quantum_platform", url="https://quantum.cloud.ibm.com", token="key")
