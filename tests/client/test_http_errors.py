"""The wire itself: IBM's error envelope and statuses for bad input, and state left intact after it."""

from __future__ import annotations

import httpx
import pytest
import requests

from tests.iam import iam_headers

BASE = "https://quantum.cloud.ibm.com/api/v1"


@pytest.fixture
def headers(fake_runtime):
    return iam_headers(fake_runtime)


def assert_envelope(response, status: int, code: int | None = None) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"errors", "trace"}
    (error,) = body["errors"]
    assert set(error) == {"code", "message", "solution", "more_info"}
    assert isinstance(error["code"], int) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def test_unknown_job_is_404(headers):
    error = assert_envelope(requests.get(f"{BASE}/jobs/nope", headers=headers, timeout=5), 404, 1291)
    assert "nope" in error["message"]


def test_unknown_session_is_404(headers):
    assert_envelope(requests.get(f"{BASE}/sessions/nope", headers=headers, timeout=5), 404)


def test_unknown_backend_is_404_with_1007(headers):
    assert_envelope(
        requests.get(f"{BASE}/backends/ibm_nowhere/status", headers=headers, timeout=5), 404, 1007
    )


def test_missing_token_is_401(fake_runtime):
    assert_envelope(
        requests.get(f"{BASE}/backends", headers={"Service-CRN": fake_runtime.crn}, timeout=5), 401
    )


@pytest.mark.fakeqpu(instance="crn:v1:bluemix:public:quantum-computing:us-east:a/1:pinned::")
def test_with_a_pinned_instance_another_is_404(headers):
    foreign = dict(headers, **{"Service-CRN": "crn:v1:bluemix:public:quantum-computing:us-east:a/1:2::"})
    assert_envelope(requests.get(f"{BASE}/backends", headers=foreign, timeout=5), 404, 1279)


def test_a_malformed_instance_is_404(headers):
    assert_envelope(
        requests.get(f"{BASE}/backends", headers=dict(headers, **{"Service-CRN": "x"}), timeout=5), 404, 1279
    )


def test_any_well_formed_instance_is_served(headers):
    other = dict(headers, **{"Service-CRN": "crn:v1:bluemix:public:quantum-computing:eu-de:a/9:8::"})
    assert requests.get(f"{BASE}/backends", headers=other, timeout=5).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"mode": "dedicated"}',
        b'{"mode": "exclusive", "backend": "ibm_torino"}',
        b'{"mode": "dedicated", "backend": "ibm_torino", "max_ttl": -5}',
    ],
)
def test_bad_session_bodies_are_400_and_change_nothing(headers, body):
    before = requests.get(f"{BASE}/backends", headers=headers, timeout=5).json()
    response = requests.post(f"{BASE}/sessions", data=body, headers=headers, timeout=5)
    assert response.status_code in (400, 404)
    assert_envelope(response, response.status_code)
    assert requests.get(f"{BASE}/backends", headers=headers, timeout=5).json() == before
    ok = requests.post(
        f"{BASE}/sessions", json={"mode": "batch", "backend": "ibm_torino"}, headers=headers, timeout=5
    )
    assert ok.status_code == 200 and ok.json()["state"] == "open"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"program_id": "sampler", "backend": "ibm_torino"},
        {"program_id": "sampler", "backend": "ibm_torino", "params": {"pubs": []}, "tags": ["x"] * 9},
        {"program_id": "sampler", "backend": "ibm_torino", "params": {"pubs": []}, "tags": ["x" * 87]},
        {"program_id": "sampler", "backend": "ibm_torino", "params": {"pubs": []}, "cost": -1},
        {"program_id": "sampler", "backend": "ibm_torino", "params": {"pubs": []}, "session_id": "nope"},
    ],
)
def test_bad_job_bodies_are_rejected_and_no_job_is_created(headers, body):
    response = requests.post(f"{BASE}/jobs", json=body, headers=headers, timeout=5)
    assert response.status_code in (400, 404)
    assert_envelope(response, response.status_code)
    assert requests.get(f"{BASE}/jobs", headers=headers, timeout=5).json()["count"] == 0


def test_unknown_program_is_404(headers):
    body = {"program_id": "circuit-runner", "backend": "ibm_torino", "params": {"pubs": []}}
    assert_envelope(requests.post(f"{BASE}/jobs", json=body, headers=headers, timeout=5), 404)


def test_patch_session_needs_accepting_jobs(headers):
    session = requests.post(
        f"{BASE}/sessions", json={"mode": "dedicated", "backend": "ibm_torino"}, headers=headers, timeout=5
    ).json()
    assert_envelope(
        requests.patch(f"{BASE}/sessions/{session['id']}", json={}, headers=headers, timeout=5), 400, 1208
    )
    response = requests.patch(
        f"{BASE}/sessions/{session['id']}", json={"accepting_jobs": False}, headers=headers, timeout=5
    )
    assert response.status_code == 204
    after = requests.get(f"{BASE}/sessions/{session['id']}", headers=headers, timeout=5).json()
    assert after["state"] == "closed" and after["state_reason"] == "session_closed_early"


def test_a_closed_session_rejects_jobs_server_side(headers):
    session = requests.post(
        f"{BASE}/sessions", json={"mode": "dedicated", "backend": "ibm_torino"}, headers=headers, timeout=5
    ).json()
    requests.delete(f"{BASE}/sessions/{session['id']}/close", headers=headers, timeout=5)
    body = {
        "program_id": "sampler",
        "backend": "ibm_torino",
        "params": {"pubs": []},
        "session_id": session["id"],
    }
    error = assert_envelope(requests.post(f"{BASE}/jobs", json=body, headers=headers, timeout=5), 400, 1217)
    assert error["message"] == "Session has been closed."


def test_wrong_method_is_405(headers):
    assert_envelope(requests.delete(f"{BASE}/backends", headers=headers, timeout=5), 405)


def test_iam_rejects_an_empty_api_key_in_iam_format(fake_runtime):
    response = requests.post(
        "https://iam.cloud.ibm.com/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": ""},
        timeout=5,
    )
    assert response.status_code == 400 and response.json()["errorCode"] == "BXNIM0415E"


def test_iam_tokens_follow_the_fake_clock(fake_runtime, qpu_clock):
    import jwt

    def mint() -> dict:
        token = requests.post(
            "https://iam.cloud.ibm.com/identity/token",
            data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": "k"},
            timeout=5,
        ).json()["access_token"]
        return jwt.decode(token, options={"verify_signature": False})

    first = mint()
    assert first["iat"] == int(qpu_clock.now().timestamp()) and first["exp"] == first["iat"] + 3600
    qpu_clock.advance(hours=2)
    assert mint()["iat"] == first["iat"] + 7200


def test_httpx_clients_are_answered_by_the_same_fake(headers, fake_runtime):
    with httpx.Client() as client:
        created = client.post(
            f"{BASE}/sessions", json={"mode": "dedicated", "backend": "ibm_fez"}, headers=headers
        )
        assert created.status_code == 200
        session_id = created.json()["id"]
        fetched = client.get(f"{BASE}/sessions/{session_id}", headers=headers).json()
    assert fetched["backend_name"] == "ibm_fez" and fetched["state"] == "open"
    # the same model answers requests: the session made through httpx is visible there too
    assert (
        requests.get(f"{BASE}/sessions/{session_id}", headers=headers, timeout=5).json()["id"] == session_id
    )


def test_a_fake_bug_is_a_500_in_the_envelope_and_the_next_request_works(headers, fake_runtime, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(fake_runtime.model, "usage", broken)
    assert_envelope(requests.get(f"{BASE}/instances/usage", headers=headers, timeout=5), 500, 1000)
    monkeypatch.undo()
    assert requests.get(f"{BASE}/instances/usage", headers=headers, timeout=5).status_code == 200
