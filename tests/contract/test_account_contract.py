"""The account's instances: an instance name the account does not hold is refused by the client."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime.exceptions import IBMInputValueError

pytestmark = pytest.mark.contract


@pytest.mark.min_client("0.43", reason="QiskitRuntimeService.active_account() lacks the token in 0.40")
@pytest.mark.fakeqpu(account_instances=["fakeqpu-contract-team"])
@pytest.mark.contract(fidelity="Account: an instance name outside the account → IBMInputValueError")
def test_an_unknown_instance_name_is_refused(fake_service, contract_record):
    account = fake_service.active_account()
    names = sorted(entry["name"] for entry in fake_service.instances())
    contract_record("instance_names", names)
    unknown = "-fakeqpu-no-such-instance-name-"
    assert unknown not in names
    with pytest.raises(IBMInputValueError, match="not a valid instance name"):
        QiskitRuntimeService(
            channel=account["channel"], token=account["token"], url=account.get("url"), instance=unknown
        )
