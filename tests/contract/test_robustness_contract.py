"""Choices for input IBM's docs do not cover (docs/fidelity.md "Robustness and limits"). No QPU time."""

from __future__ import annotations

import pytest
import requests

from tests.contract.helpers import MAX_TIME_SECONDS, envelope

pytestmark = pytest.mark.contract

UNKNOWN_JOB = "d0n0tex1stc0ntract00"


@pytest.mark.contract(fidelity="Robustness: HEAD answers as GET, without a body")
def test_head_is_get_without_a_body(fake_service, raw, contract_record):
    head = requests.head(f"{raw.base}/versions", headers=raw.headers, timeout=30)
    contract_record("head", {"status": head.status_code, "length": len(head.content)})
    assert (head.status_code, head.content) == (raw.get("/versions").status_code, b"")


@pytest.mark.contract(fidelity="Robustness: a non-finite number in a body → 400, code 1208")
def test_a_non_finite_max_ttl_is_refused(fake_service, fake_backend, raw, contract_record):
    # NaN only: the real mode's cost guard already refuses an infinite max_ttl before it reaches IBM.
    body = f'{{"mode": "batch", "backend": "{fake_backend.name}", "max_ttl": NaN}}'
    headers = dict(raw.headers, **{"Content-Type": "application/json"})
    response = requests.post(f"{raw.base}/sessions", data=body, headers=headers, timeout=30)
    error = envelope(response, 400)
    contract_record("error", error)
    assert error["code"] == 1208


@pytest.mark.contract(fidelity="Robustness: PUT /jobs/{id}/tags with no tags field → 400, code 1208")
def test_a_tags_body_without_tags_is_refused(fake_service, raw, contract_record):
    headers = dict(raw.headers, **{"Content-Type": "application/json"})
    response = requests.put(f"{raw.base}/jobs/{UNKNOWN_JOB}/tags", json={}, headers=headers, timeout=30)
    error = envelope(response, 400)
    contract_record("error", error)
    assert error["code"] == 1208


@pytest.mark.contract(fidelity="Robustness: percent-encoded ids are decoded in error texts")
def test_an_encoded_id_is_quoted_decoded(fake_service, raw, contract_record):
    error = envelope(raw.get("/jobs/no%20such%20job"), 404)
    contract_record("error", error)
    assert error["message"].endswith("no such job")


@pytest.mark.contract(
    fidelity="Robustness: PATCH accepting_jobs=true on a closed session → 204, stays closed"
)
def test_reopening_a_closed_session_changes_nothing(fake_service, fake_backend, raw, contract_record):
    headers = dict(raw.headers, **{"Content-Type": "application/json"})
    created = requests.post(
        f"{raw.base}/sessions",
        json={"mode": "batch", "backend": fake_backend.name, "max_ttl": MAX_TIME_SECONDS},
        headers=headers,
        timeout=30,
    ).json()
    requests.delete(f"{raw.base}/sessions/{created['id']}/close", headers=raw.headers, timeout=30)
    response = requests.patch(
        f"{raw.base}/sessions/{created['id']}", json={"accepting_jobs": True}, headers=headers, timeout=30
    )
    details = raw.session(created["id"])
    contract_record("patch", {"status": response.status_code, "state": details["state"]})
    assert response.status_code == 204
    assert details["state"] == "closed"
