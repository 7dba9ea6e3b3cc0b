"""`http_fault`, `expire_tokens` and the request log through the real client (it speaks `requests`;
the `httpx` path is exercised directly, since the client does not use httpx)."""

from __future__ import annotations

import re
from importlib.metadata import version

import httpx
import pytest
import requests
from packaging.version import Version
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError, IBMRuntimeError

RUNTIME = "https://quantum.cloud.ibm.com/api/v1"
# The client retries a 503 from 0.41 (503 joined its STATUS_FORCELIST); 0.40 retries 500, 502, 504 and
# 520-524 only, so its application code sees every 503 (docs/fidelity.md, "Client versions").
RETRIES_503 = Version(version("qiskit-ibm-runtime")) >= Version("0.41")


def _job_gets(fake_runtime):
    return [(r.status, r.fault) for r in fake_runtime.requests() if re.search(r"/jobs/[^/]+$", r.path)]


def test_a_503_is_retried_by_the_client_and_the_third_try_answers(
    fake_runtime, fake_service, fake_backend, bell
):
    job = Sampler(mode=fake_backend).run([bell])
    fake_runtime.http_fault(status=503, method="GET", path="/jobs/{job_id}", times=2)
    if not RETRIES_503:  # 0.40: each 503 reaches the application, which tries again
        for _ in range(2):
            with pytest.raises(IBMRuntimeError, match="503 Server Error"):
                fake_service.job(job.job_id())
    assert fake_service.job(job.job_id()).job_id() == job.job_id()
    assert _job_gets(fake_runtime) == [(503, True), (503, True), (200, False)]


def test_a_503_that_lasts_exhausts_the_clients_retries(fake_runtime, fake_service, fake_backend, bell):
    job = Sampler(mode=fake_backend).run([bell])
    fake_runtime.http_fault(status=503, path="/jobs/{job_id}", times=10)
    with pytest.raises(IBMRuntimeError, match="too many 503 error responses" if RETRIES_503 else "503"):
        fake_service.job(job.job_id())
    # one try and five retries (the client's urllib3 Retry); 0.40 does not retry a 503
    assert len(_job_gets(fake_runtime)) == (6 if RETRIES_503 else 1)
    fake_runtime.clear_faults()
    assert fake_service.job(job.job_id()).job_id() == job.job_id()


def test_a_faulted_post_changes_nothing(fake_runtime, fake_backend, bell):
    fake_runtime.http_fault(status=500, method="POST", path="/jobs", times=6)
    with pytest.raises(IBMRuntimeError):
        Sampler(mode=fake_backend).run([bell])
    assert fake_runtime.jobs() == []  # six tries, and no job was created by any of them
    posts = [r.status for r in fake_runtime.requests() if r.method == "POST" and r.path.endswith("/jobs")]
    assert posts == [500] * 6


def test_429_carries_retry_after_in_ibms_envelope(fake_runtime, fake_service):
    fake_runtime.http_fault(status=429, retry_after=30, path="/backends")
    answer = requests.get(
        f"{RUNTIME}/backends",
        headers={"Authorization": "Bearer x", "Service-CRN": fake_runtime.crn},
        timeout=5,
    )
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "30"
    body = answer.json()
    assert set(body) == {"errors", "trace"}
    assert set(body["errors"][0]) == {"code", "message", "solution", "more_info"}
    assert body["errors"][0]["message"] == "Too Many Requests"


def test_a_429_with_retry_after_is_retried_by_the_client(fake_runtime, fake_service, fake_backend):
    fake_runtime.http_fault(status=429, retry_after=1, path="/backends/{name}/status")
    assert fake_backend.status().operational  # urllib3 honours Retry-After on 429 and tries again
    statuses = [r.status for r in fake_runtime.requests() if r.path.endswith("/status")]
    assert statuses == [429, 200]


def test_a_custom_body_replaces_the_envelope(fake_runtime):
    fake_runtime.http_fault(status=502, body={"message": "bad gateway"}, path=re.compile(r"/versions$"))
    answer = requests.get(f"{RUNTIME}/versions", timeout=5)
    assert (answer.status_code, answer.json()) == (502, {"message": "bad gateway"})


@pytest.mark.parametrize("error", [requests.ConnectionError, requests.ReadTimeout("read timed out")])
def test_a_raised_error_reaches_the_client_then_it_recovers(
    fake_runtime, fake_service, fake_backend, bell, error
):
    job = Sampler(mode=fake_backend).run([bell])
    fake_runtime.http_fault(error=error, method="GET", path="/jobs/{job_id}")
    with pytest.raises(IBMRuntimeError):
        fake_service.job(job.job_id())
    assert fake_service.job(job.job_id()).job_id() == job.job_id()
    # 0.40 asks for more than the job after it (its backend): the job GETs alone
    gets = [r for r in fake_runtime.requests() if re.search(r"/jobs/[^/]+$", r.path)]
    assert [(r.status, r.error) for r in gets[-2:]] == [
        (None, type(error).__name__ if not isinstance(error, type) else error.__name__),
        (200, None),
    ]


def test_the_httpx_path_answers_and_raises_the_same_faults(fake_runtime):
    token = httpx.post(
        "https://iam.cloud.ibm.com/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": fake_runtime.token},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Service-CRN": fake_runtime.crn}
    fake_runtime.http_fault(status=503, path="/versions")
    fake_runtime.http_fault(error=httpx.ConnectTimeout("timed out"), path="/versions")
    assert httpx.get(f"{RUNTIME}/versions", headers=headers).status_code == 503
    with pytest.raises(httpx.ConnectTimeout):
        httpx.get(f"{RUNTIME}/versions", headers=headers)
    assert httpx.get(f"{RUNTIME}/versions", headers=headers).status_code == 200


def test_http_fault_arguments_are_checked(fake_runtime):
    bad = [
        {},
        {"status": 503, "error": requests.ConnectionError},
        {"status": 200},
        {"status": 503, "times": 0},
        {"status": 503, "retry_after": float("inf")},
        {"status": 503, "path": "jobs"},
        {"error": "boom"},
        {"status": 503, "body": {"x": object()}},
    ]
    for arguments in bad:
        with pytest.raises((ValueError, TypeError)):
            fake_runtime.http_fault(**arguments)
    assert fake_runtime.faults() == []


def test_expired_tokens_are_refused_until_the_client_gets_a_new_one(
    fake_runtime, fake_service, fake_backend, bell
):
    job = Sampler(mode=fake_backend).run([bell])
    fake_runtime.expire_tokens()
    with pytest.raises(IBMNotAuthorizedError):
        fake_service.job(job.job_id())
    fresh = fake_runtime.service()  # a new service asks IAM for a new token
    assert fresh.job(job.job_id()).job_id() == job.job_id()
    assert [r.status for r in fake_runtime.requests() if r.path == "/identity/token"][-1] == 200


def test_the_request_log_is_like_responses_calls(fake_runtime, fake_backend, bell):
    before = len(fake_runtime.requests())
    Sampler(mode=fake_backend).run([bell])
    logged = fake_runtime.requests()[before:]
    assert [(r.method, r.path, r.status) for r in logged if r.method == "POST"] == [
        ("POST", "/api/v1/jobs", 200)
    ]
    assert all(r.seconds == 0 for r in logged)  # time moves only when the test moves it


@pytest.mark.fakeqpu(auto_tick=0.5, job_duration=2)
def test_auto_tick_gives_every_request_latency(fake_runtime, fake_backend, bell):
    start = fake_runtime.now()
    job = Sampler(mode=fake_backend).run([bell])
    while job.status() != "DONE":
        pass  # each poll costs half a virtual second: the job ends without moving the clock by hand
    logged = fake_runtime.requests()
    assert {r.seconds for r in logged} == {0.5}
    assert (fake_runtime.now() - start).total_seconds() == pytest.approx(0.5 * len(logged))
