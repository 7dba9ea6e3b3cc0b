"""Application code that builds its own service from configuration: any credentials work in the fake."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import QiskitRuntimeService
from quantum_app import bell_counts, service_from_config

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc:def::"


def test_any_token_and_any_well_formed_crn(fake_runtime):
    service = service_from_config({"token": "k", "instance": CRN})
    assert service.active_account()["instance"] == CRN
    counts = bell_counts(service)
    assert sum(counts.values()) == 100 and set(counts) <= {"00", "01", "10", "11"}


def test_an_instance_name(fake_runtime):
    service = service_from_config({"token": "any-key", "instance": "my-instance"})
    crn = service.active_account()["instance"]
    assert crn.startswith("crn:v1:") and crn in [i["crn"] for i in service.instances()]
    assert "my-instance" in [i["name"] for i in service.instances()]
    assert service.backends()


def test_a_saved_account_by_name_is_read_not_written(fake_runtime, tmp_path):
    accounts = tmp_path / "qiskit-ibm.json"
    QiskitRuntimeService.save_account(
        channel="ibm_quantum_platform", token="saved-key", instance=CRN, name="work", filename=str(accounts)
    )
    before = accounts.read_bytes()
    service = service_from_config({"account": "work", "filename": str(accounts)})
    assert service.active_account()["instance"] == CRN
    assert service.backends()
    assert accounts.read_bytes() == before


@pytest.mark.fakeqpu(instance=CRN)
def test_instance_option_pins_one_instance(fake_runtime):
    assert service_from_config({"token": "k", "instance": CRN}).backends()
    other = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc:other::"
    # 0.41+ refuse it while building the service; 0.40 sends it, the fake answers 404 as IBM does, and
    # that client logs the 404 and lists no backends
    try:
        backends = service_from_config({"token": "k", "instance": other}).backends()
    except Exception as refused:
        assert "does not have access to the instance" in str(refused)
    else:
        assert backends == []
