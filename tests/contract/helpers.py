"""What the contract tests share: cheap constants, plain HTTP with the service's own account, waiting."""

from __future__ import annotations

import json
import os
from typing import Any

import requests
from qiskit_ibm_runtime.api.rest.base import RestAdapterBase

try:
    from qiskit_ibm_runtime.api.utils import default_runtime_url_resolver
except ImportError:  # qiskit-ibm-runtime < 0.42 keeps it in utils.utils
    from qiskit_ibm_runtime.utils.utils import default_runtime_url_resolver

SHOTS = 64  # the cost guard allows 100
MAX_TIME = "5m"  # sessions the contract tests open
MAX_TIME_SECONDS = 300
PENDING = "Pending"
IN_ACCEPT = "In progress, accepting new jobs"
IN_NOT_ACCEPT = "In progress, not accepting new jobs"
CLOSED = "Closed"
FINAL = ("DONE", "CANCELLED", "ERROR")
JOB_STATUS_WORDS = {"Queued", "Running", "Completed", "Failed", "Cancelled"}
DETAIL_FIELDS = {
    "id",
    "backend_name",
    "interactive_timeout",
    "max_time",
    "active_timeout",
    "state",
    "accepting_jobs",
    "last_job_started",
    "last_job_completed",
    "started_at",
    "closed_at",
    "activated_at",
    "mode",
    "usage_time",
    "timestamps",
}


class RawApi:
    """Plain HTTP to the runtime API, signed in as the service's own account: the fields the client hides
    (a session's `state_reason`, a job's `state`) and the error envelopes themselves."""

    def __init__(self, service: Any) -> None:
        account = service.active_account()
        crn = service.active_account()["instance"]
        self.base = default_runtime_url_resolver(account["url"], crn, bool(account.get("private_endpoint")))
        iam = os.environ.get("IAM_URL") or "https://iam.cloud.ibm.com"
        token = requests.post(
            f"{iam}/identity/token",
            data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": account["token"]},
            timeout=30,
        ).json()["access_token"]
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Service-CRN": crn,
            "Accept": "application/json",
            **RestAdapterBase._HEADER_API_VERSION,
        }

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=self.headers, timeout=30)

    def post(self, path: str) -> requests.Response:
        return requests.post(f"{self.base}{path}", headers=self.headers, timeout=30)

    def session(self, session_id: str) -> dict[str, Any]:
        response = self.get(f"/sessions/{session_id}")
        response.raise_for_status()
        return dict(response.json())

    def job_state(self, job_id: str) -> dict[str, Any]:
        response = self.get(f"/jobs/{job_id}?exclude_params=true")
        response.raise_for_status()
        return dict(response.json()["state"])


def envelope(response: requests.Response, status: int) -> dict[str, Any]:
    """The one error of IBM's envelope, after checking its shape."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    body = response.json()
    assert set(body) == {"errors", "trace"}, body
    (error,) = body["errors"]
    assert set(error) == {"code", "message", "solution", "more_info"}, error
    assert isinstance(error["code"], int) and error["message"], error
    return dict(error)


def error_body(error: Exception) -> dict[str, Any]:
    """The envelope the server sent, as the client quotes it in its exception's message."""
    text = str(error)
    start = text.find('{"errors"')
    assert start >= 0, f"no error envelope in {text!r}"
    body, _ = json.JSONDecoder().raw_decode(text, start)
    return dict(body)


def states(details: dict[str, Any]) -> list[str]:
    return [entry["status"] for entry in details.get("timestamps") or []]


def wait(job: Any) -> str:
    """The job's final status word (virtual time with the fake, real time against IBM)."""
    job.wait_for_final_state()
    status = job.status()
    assert status in FINAL, status
    return str(status)
