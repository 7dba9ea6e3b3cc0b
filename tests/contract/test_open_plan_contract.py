"""The Open Plan: no dedicated sessions (IBM's current platform), batches allowed. No QPU time.

Against IBM these run only on an Open Plan instance (and the rest of the suite only on a paid one).
"""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime.exceptions import IBMError

from tests.contract.helpers import MAX_TIME, PENDING, error_body

pytestmark = [pytest.mark.contract, pytest.mark.fakeqpu(plan="open", open_plan_sessions="reject")]

OPEN_PLAN_REFUSAL = "You are not authorized to run a session when using the open plan."


@pytest.mark.contract(fidelity="Sessions: Open Plan (reject): dedicated session → HTTP 400, code 1352")
def test_open_plan_session(fake_backend, contract_record):
    with pytest.raises(IBMError) as info:
        Session(backend=fake_backend, max_time=MAX_TIME)
    body = error_body(info.value)
    contract_record("envelope", body)
    assert "400 Client Error" in str(info.value)
    (error,) = body["errors"]
    assert (error["code"], error["message"]) == (1352, OPEN_PLAN_REFUSAL)


@pytest.mark.contract(fidelity="Sessions: Open Plan: batches are allowed")
def test_the_open_plan_accepts_batches(fake_backend, contract_record):
    with Batch(backend=fake_backend, max_time=MAX_TIME) as batch:
        details = batch.details()
        contract_record("details", details)
        assert (details["mode"], batch.status()) == ("batch", PENDING)
