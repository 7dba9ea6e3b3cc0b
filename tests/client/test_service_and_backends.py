"""Flows a–b of http-surface.md through the real client: account, instance, backends."""

from __future__ import annotations

import os

import pytest
import requests
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime.exceptions import IBMInputValueError

import fakeqpu
from fakeqpu.backend_data import DEFAULT_FLEET, available_backends


@pytest.mark.min_client("0.41", reason="0.40's instances() has no pricing_type")
def test_bare_constructor_uses_the_fake_account(fake_runtime):
    service = QiskitRuntimeService()
    assert service.active_account()["token"] == fake_runtime.token
    assert service.active_account()["instance"] == fake_runtime.crn
    instances = service.instances()
    assert [i["crn"] for i in instances] == [fake_runtime.crn]
    assert instances[0]["plan"] == "premium"
    assert instances[0]["pricing_type"] == "subscription"


@pytest.mark.min_client("0.48", reason="0.45 and older take instance='auto' for an instance name")
def test_explicit_token_without_instance_selects_the_fake_instance(fake_runtime):
    service = QiskitRuntimeService(channel="ibm_quantum_platform", token="anything", instance="auto")
    assert service.active_instance() == fake_runtime.crn


def test_any_well_formed_instance_is_the_accounts(fake_runtime):
    other = "crn:v1:bluemix:public:quantum-computing:us-east:a/123:456::"
    service = QiskitRuntimeService(channel="ibm_quantum_platform", token="t", instance=other)
    assert service.active_account()["instance"] == other
    assert [b.name for b in service.backends()] == list(fake_runtime.options.backends)


@pytest.mark.fakeqpu(instance="crn:v1:bluemix:public:quantum-computing:us-east:a/123:pinned::")
@pytest.mark.min_client("0.41", reason="0.40 does not check an explicit instance against the account's list")
def test_a_pinned_instance_is_the_only_one_the_account_can_see(fake_runtime):
    assert fake_runtime.crn.endswith(":pinned::")
    other = "crn:v1:bluemix:public:quantum-computing:us-east:a/123:456::"
    with pytest.raises(IBMInputValueError, match="does not have access"):
        QiskitRuntimeService(channel="ibm_quantum_platform", token="t", instance=other)
    assert QiskitRuntimeService(
        channel="ibm_quantum_platform", token="t", instance=fake_runtime.crn
    ).backends()


@pytest.mark.fakeqpu(instance="lab-instance")
def test_a_pinned_instance_name(fake_runtime):
    service = QiskitRuntimeService(channel="ibm_quantum_platform", token="t", instance="lab-instance")
    assert service.active_account()["instance"] == fake_runtime.crn
    assert [i["name"] for i in service.instances()] == ["lab-instance"]


def test_the_fleet_is_served_under_real_backend_names(fake_service):
    names = [b.name for b in fake_service.backends()]
    assert names == [name for name in DEFAULT_FLEET if name in available_backends()]
    assert all(b.configuration().backend_name == b.name for b in fake_service.backends())


def test_backend_by_name_and_unknown_backend(fake_service):
    fez = fake_service.backend("ibm_fez")
    assert fez.num_qubits == 156
    with pytest.raises(QiskitBackendNotFoundError):
        fake_service.backend("ibm_nowhere")


@pytest.mark.min_client("0.48", reason="ibm_kingston's snapshot ships from 0.48")
def test_least_busy_follows_queue_length(fake_runtime, fake_service):
    assert fake_service.least_busy(operational=True, simulator=False).name == "ibm_torino"
    fake_runtime.add_background_load("ibm_torino", jobs=3)
    fake_runtime.add_background_load("ibm_fez", jobs=2)  # one runs, one waits: queue_length 1
    fake_runtime.add_background_load("ibm_brisbane", jobs=3)
    # the client caches the /backends listing per service object (with a default instance):
    # a new one sees the queues
    assert fake_runtime.service().least_busy(operational=True, simulator=False).name == "ibm_kingston"


def test_least_busy_skips_a_paused_backend(fake_runtime):
    fake_runtime.set_backend_status("ibm_torino", "paused", "calibration")
    assert fake_runtime.service().least_busy(operational=True, simulator=False).name == "ibm_fez"


def test_backend_status_reports_queue_and_state(fake_runtime, fake_backend):
    status = fake_backend.status()
    assert status.operational is True and status.pending_jobs == 0 and status.status_msg == "active"
    fake_runtime.add_background_load(fake_backend.name, jobs=2)
    assert fake_backend.status().pending_jobs == 1  # one of the two is running
    fake_runtime.set_backend_status(fake_backend.name, "offline")
    assert fake_backend.status().operational is False


def test_properties_and_target_come_from_the_snapshot(fake_backend):
    props = fake_backend.properties()
    assert props.backend_name == "ibm_torino"
    assert props.t1(0) > 0
    assert "cz" in fake_backend.target.operation_names


@pytest.mark.fakeqpu(backends=["ibm_brisbane"])
def test_marker_selects_the_fleet(fake_service, fake_backend):
    assert [b.name for b in fake_service.backends()] == ["ibm_brisbane"]
    assert fake_backend.name == "ibm_brisbane"


def test_environment_is_set_inside_and_restored_after(monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "users-own-token")
    monkeypatch.setenv("QISKIT_IBM_URL", "https://example.invalid")
    monkeypatch.delenv("USAGE_DATA_OPT_OUT", raising=False)
    with fakeqpu.mock_runtime() as runtime:
        assert os.environ["QISKIT_IBM_TOKEN"] == runtime.token
        assert os.environ["USAGE_DATA_OPT_OUT"] == "True"
        assert "QISKIT_IBM_URL" not in os.environ
    assert os.environ["QISKIT_IBM_TOKEN"] == "users-own-token"
    assert os.environ["QISKIT_IBM_URL"] == "https://example.invalid"
    assert "USAGE_DATA_OPT_OUT" not in os.environ


def test_the_saved_account_file_is_never_touched(tmp_path, monkeypatch):
    from qiskit_ibm_runtime.accounts import management

    account_file = tmp_path / "qiskit-ibm.json"
    monkeypatch.setattr(management, "_DEFAULT_ACCOUNT_CONFIG_JSON_FILE", str(account_file))
    with fakeqpu.mock_runtime():
        QiskitRuntimeService()
    assert not account_file.exists()


def test_mock_runtime_as_a_decorator():
    seen = []

    @fakeqpu.mock_runtime(plan="open")
    def body():
        seen.append(QiskitRuntimeService().instances()[0]["plan"])

    body()
    body()
    assert seen == ["open", "open"]


def test_nested_fakes_inner_answers_then_outer_again():
    with fakeqpu.mock_runtime(backends=["ibm_torino"]) as outer:
        with fakeqpu.mock_runtime(backends=["ibm_fez"]) as inner:
            assert [b.name for b in QiskitRuntimeService().backends()] == ["ibm_fez"]
            assert inner.requests_served > 0
        served = outer.requests_served
        assert [b.name for b in QiskitRuntimeService().backends()] == ["ibm_torino"]
        assert outer.requests_served > served


def test_no_ibm_host_is_reachable_and_others_pass_through(fake_runtime):
    response = requests.get("https://quantum.cloud.ibm.com/api/v1/nowhere", timeout=1)
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"errors", "trace"}
    assert set(body["errors"][0]) == {"code", "message", "solution", "more_info"}
    # a non-IBM host is not answered by the fake: it goes to the (absent) network
    with pytest.raises(requests.ConnectionError):
        requests.get("http://127.0.0.1:9/", timeout=0.5)


def test_outside_the_fake_nothing_is_intercepted():
    with fakeqpu.mock_runtime():
        pass
    with pytest.raises(requests.ConnectionError):
        requests.get("https://quantum.cloud.ibm.com/api/v1/backends", timeout=0.5)
