"""IBM's error envelope for what does not exist: a job, a backend, a session. No QPU time."""

from __future__ import annotations

import pytest
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime import Session
from qiskit_ibm_runtime.exceptions import IBMInputValueError, RuntimeJobNotFound

from tests.contract.helpers import envelope

pytestmark = pytest.mark.contract

UNKNOWN_JOB = "d0n0tex1stc0ntract00"  # shaped like IBM's 20-character job ids
UNKNOWN_SESSION = "00000000-0000-4000-8000-00000000c0de"
UNKNOWN_BACKEND = "ibm_nowhere"


@pytest.mark.contract(fidelity="Error codes: unknown job → 404, code 1291, 'Job not found. Job ID: …'")
def test_unknown_job(fake_service, raw, contract_record):
    with pytest.raises(RuntimeJobNotFound):
        fake_service.job(UNKNOWN_JOB)
    error = envelope(raw.get(f"/jobs/{UNKNOWN_JOB}"), 404)
    contract_record("error", error)
    assert (error["code"], error["message"]) == (1291, f"Job not found. Job ID: {UNKNOWN_JOB}")


@pytest.mark.contract(fidelity="Error codes: unknown backend → 404, code 1007, 'Backend not found.'")
def test_unknown_backend(fake_service, raw, contract_record):
    with pytest.raises(QiskitBackendNotFoundError):
        fake_service.backend(UNKNOWN_BACKEND)
    error = envelope(raw.get(f"/backends/{UNKNOWN_BACKEND}/status"), 404)
    contract_record("error", error)
    assert (error["code"], error["message"]) == (1007, "Backend not found.")


@pytest.mark.contract(fidelity="Error codes: unknown session → 404, code 1213, 'Session not found. …'")
def test_unknown_session(fake_service, raw, contract_record):
    with pytest.raises(IBMInputValueError):
        Session.from_id(UNKNOWN_SESSION, service=fake_service)
    error = envelope(raw.get(f"/sessions/{UNKNOWN_SESSION}"), 404)
    contract_record("error", error)
    assert (error["code"], error["message"]) == (1213, f"Session not found. Session ID: {UNKNOWN_SESSION}")
