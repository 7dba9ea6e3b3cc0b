"""The headers a raw HTTP test sends: an IAM bearer token for the fake's API key, and its instance."""

from __future__ import annotations

import requests

import fakeqpu


def iam_headers(runtime: fakeqpu.FakeRuntime) -> dict[str, str]:
    token = requests.post(
        "https://iam.cloud.ibm.com/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": runtime.token},
        timeout=5,
    ).json()["access_token"]
    return {"authorization": f"Bearer {token}", "service-crn": runtime.crn}
