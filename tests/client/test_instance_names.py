"""Instance names: any instance is the account's by default (moto's any-account); once the account's
instances are known (`instance=` or `account_instances=`), an unknown one is refused as on IBM."""

from __future__ import annotations

import pytest
import requests
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime.exceptions import IBMInputValueError

import fakeqpu
from fakeqpu.mock import CRN

OTHER_CRN = CRN.replace("0fa4e9b0-0000-4000-8000-000000000001", "0fa4e9b0-0000-4000-8000-0000000000ff")


def service(instance: str, channel: str = "ibm_quantum_platform") -> QiskitRuntimeService:
    return QiskitRuntimeService(channel=channel, token="any-key", instance=instance)


def test_by_default_any_instance_name_is_the_accounts():
    with fakeqpu.mock_runtime(seed=1):
        assert service("whatever-the-test-calls-it").backends()  # unchanged: any-account


@pytest.mark.parametrize("channel", ["ibm_quantum_platform", "ibm_cloud"])
def test_a_pinned_account_refuses_an_unknown_name(channel):
    with fakeqpu.mock_runtime(seed=1, instance="my-project") as runtime:
        with pytest.raises(IBMInputValueError, match="not a valid instance name"):
            service("-no-such-instance-", channel)
        assert service("my-project", channel)._account.instance == runtime.crn


@pytest.mark.fakeqpu(account_instances=["team-a", "team-b", OTHER_CRN])
def test_listed_instances_resolve_and_an_unknown_name_is_refused(fake_runtime):
    with pytest.raises(IBMInputValueError, match=r"\(test_name\) is not a valid instance name"):
        service("test_name")
    team_a = service("team-a")
    listed = {entry["name"]: entry["crn"] for entry in team_a.instances()}
    assert set(listed) == {fake_runtime.instance_name, "team-a", "team-b", OTHER_CRN.split(":")[7]}
    assert team_a._account.instance == listed["team-a"] != fake_runtime.crn
    assert team_a.backends()  # the runtime API serves every instance of the account
    assert service(OTHER_CRN)._account.instance == OTHER_CRN
    assert service(fake_runtime.instance_name)._account.instance == fake_runtime.crn


@pytest.mark.fakeqpu(account_instances=["team-a"])
def test_the_runtime_api_refuses_a_crn_outside_a_known_account(fake_runtime):
    token = service("team-a")._active_api_client._session.auth.tm.get_token()
    headers = {"Authorization": f"Bearer {token}"}
    url = "https://quantum.cloud.ibm.com/api/v1/backends"
    served = requests.get(url, headers={**headers, "Service-CRN": fake_runtime.crn}, timeout=5)
    assert served.status_code == 200
    refused = requests.get(url, headers={**headers, "Service-CRN": OTHER_CRN}, timeout=5)
    assert refused.status_code == 404 and refused.json()["errors"][0]["code"] == 1279


@pytest.mark.fakeqpu(account_instances=["team-a"])
def test_the_resource_controller_knows_the_listed_instances(fake_runtime):
    crn = {entry["name"]: entry["crn"] for entry in service("team-a").instances()}["team-a"]
    token = service("team-a")._active_api_client._session.auth.tm.get_token()
    base = "https://resource-controller.cloud.ibm.com/v2/resource_instances"
    headers = {"Authorization": f"Bearer {token}"}
    found = requests.get(f"{base}?name=team-a", headers=headers, timeout=5).json()
    assert [row["crn"] for row in found["resources"]] == [crn]


@pytest.mark.parametrize("bad", [5, [""], ["a\nb"], [3], {"a": 1}, b"team-a"])
def test_account_instances_is_checked(bad):
    with pytest.raises(fakeqpu.OptionError, match="account_instances"):
        fakeqpu.mock_runtime(account_instances=bad).__enter__()


def test_account_instances_reads_a_comma_separated_text():
    with fakeqpu.mock_runtime(seed=1, account_instances="team-a, team-b"):
        assert {entry["name"] for entry in service("team-b").instances()} >= {"team-a", "team-b"}


def test_an_empty_list_is_an_account_of_one_instance():
    with fakeqpu.mock_runtime(seed=1, account_instances=[]) as runtime:
        assert [entry["crn"] for entry in service(runtime.crn).instances()] == [runtime.crn]
        with pytest.raises(IBMInputValueError):
            service("team-a")
