"""Helpers for the server-mode tests: the control API and the runtime API over real HTTP."""

from __future__ import annotations

from typing import Any

import requests

from fakeqpu import FakeServer


def control(server: FakeServer, method: str, path: str, token: str | None = "", **kwargs: Any) -> Any:
    """One control request; `token=""` sends the server's own token, None sends none."""
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token or server.control_token}"
    return requests.request(method, f"{server.url}/_fakeqpu{path}", headers=headers, timeout=30, **kwargs)


def iam_token(server: FakeServer) -> str:
    answer = requests.post(
        f"{server.url}/iam/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": server.token},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def runtime_headers(server: FakeServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {iam_token(server)}", "Service-CRN": server.crn}


def error_code(response: requests.Response) -> int:
    """The code in IBM's envelope (fails the test when the body is not the envelope)."""
    body = response.json()
    assert set(body) == {"errors", "trace"}, body
    (error,) = body["errors"]
    assert set(error) == {"code", "message", "solution", "more_info"}, error
    return int(error["code"])
