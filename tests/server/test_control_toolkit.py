"""The toolkit over the control API: faults, records, the request log and the picture, by HTTP."""

from __future__ import annotations

import requests

from .conftest import control, error_code, runtime_headers


def test_http_faults_over_http_answer_the_next_request_then_clear(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    fault = control(
        fakeqpu_server, "POST", "/http_fault", json={"status": 503, "method": "GET", "path": "/versions"}
    )
    assert fault.status_code == 200 and fault.json()["status"] == 503
    assert [f["status"] for f in control(fakeqpu_server, "GET", "/faults").json()] == [503]
    first = requests.get(f"{url}/api/v1/versions", headers=headers)
    assert first.status_code == 503 and error_code(first)
    assert requests.get(f"{url}/api/v1/versions", headers=headers).status_code == 200
    log = control(fakeqpu_server, "GET", "/requests").json()
    assert [(r["method"], r["status"], r["fault"]) for r in log if r["path"].endswith("/versions")] == [
        ("GET", 503, True),
        ("GET", 200, False),
    ]
    assert control(fakeqpu_server, "GET", "/faults").json() == []


def test_job_faults_over_http_and_what_http_cannot_carry(fakeqpu_server):
    body = {"code": 1517, "message": "Injected.", "times": 2, "at": "start"}
    assert control(fakeqpu_server, "POST", "/fail_jobs", json=body).status_code == 200
    assert [(f["code"], f["times"]) for f in fakeqpu_server.faults()] == [(1517, 2)]
    refused = control(fakeqpu_server, "POST", "/fail_jobs", json={"code": 1517, "match": "lambda job: True"})
    assert refused.status_code == 400 and error_code(refused) == 1208
    raising = control(fakeqpu_server, "POST", "/http_fault", json={"error": "ConnectionError"})
    assert raising.status_code == 400  # an exception cannot travel over HTTP
    assert len(fakeqpu_server.faults()) == 1  # the refused ones changed nothing
    assert control(fakeqpu_server, "POST", "/clear_faults").status_code == 204
    assert fakeqpu_server.faults() == []


def test_records_and_the_picture_over_http(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    created = requests.post(
        f"{url}/api/v1/sessions", json={"mode": "batch", "backend": "ibm_torino"}, headers=headers
    )
    sessions = control(fakeqpu_server, "GET", "/sessions").json()
    assert [(s["id"], s["mode"], s["state"]) for s in sessions] == [(created.json()["id"], "batch", "open")]
    assert control(fakeqpu_server, "GET", "/jobs").json() == []
    picture = control(fakeqpu_server, "GET", "/timeline.svg")
    assert picture.headers["Content-Type"].startswith("image/svg+xml")
    assert picture.text == fakeqpu_server.timeline().to_svg() and picture.text.lstrip().startswith("<svg")


def test_expired_tokens_over_http_are_refused_and_a_new_one_works(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    assert control(fakeqpu_server, "POST", "/expire_tokens").status_code == 204
    stale = requests.get(f"{url}/api/v1/backends", headers=headers)
    assert stale.status_code == 401 and error_code(stale)
    assert requests.get(f"{url}/api/v1/backends", headers=runtime_headers(fakeqpu_server)).status_code == 200


def test_an_injected_connection_error_drops_the_connection_in_server_mode(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    fakeqpu_server.http_fault(error=ConnectionError, path="/versions")
    try:
        requests.get(f"{url}/api/v1/versions", headers=headers, timeout=30)
    except requests.ConnectionError:
        dropped = True
    else:
        dropped = False
    assert dropped
    assert requests.get(f"{url}/api/v1/versions", headers=headers, timeout=30).status_code == 200
