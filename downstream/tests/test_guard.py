"""No way out to IBM from a test session: every spelling, every HTTP library, raw sockets."""

from __future__ import annotations

import http.client
import socket
import urllib.request

import httpx
import pytest
import requests
import urllib3

BLOCKED = "fakeqpu blocked"
SPELLINGS = [
    "https://quantum.cloud.ibm.com./api/v1/versions",
    "https://QUANTUM.Cloud.IBM.com/api/v1/versions",
    "https://user:pw@quantum.cloud.ibm.com/api/v1/versions",
    "https://quantum.cloud.ibm.com:443/api/v1/versions",
    "https://iam.bluemix.net/identity/token",
]


@pytest.mark.parametrize("url", SPELLINGS)
def test_requests_and_httpx_are_refused_in_every_spelling(url):
    with pytest.raises(requests.ConnectionError, match=BLOCKED):
        requests.get(url, timeout=1)
    with pytest.raises(httpx.ConnectError, match=BLOCKED):
        httpx.get(url)


def test_a_trailing_dot_host_is_answered_by_a_running_fake(fake_runtime):
    before = fake_runtime.requests_served
    answer = requests.get("https://quantum.cloud.ibm.com./api/v1/backends", timeout=1)
    assert fake_runtime.requests_served == before + 1
    assert answer.status_code == 401 and "errors" in answer.json()  # the fake's answer: no token sent


@pytest.mark.parametrize("host", ["quantum.cloud.ibm.com", "quantum.cloud.ibm.com.", "iam.bluemix.net"])
def test_other_ways_out_are_refused(host):
    with pytest.raises(urllib3.exceptions.NameResolutionError, match=BLOCKED):
        urllib3.PoolManager(retries=False).request("GET", f"https://{host}/")
    with pytest.raises(OSError, match=BLOCKED):
        urllib.request.urlopen(f"https://{host}/", timeout=1)
    with pytest.raises(OSError, match=BLOCKED):
        http.client.HTTPSConnection(host, timeout=1).request("GET", "/")
    with socket.socket() as raw, pytest.raises(OSError, match=BLOCKED):
        raw.connect((host, 443))


def test_aiohttp_is_refused():
    aiohttp = pytest.importorskip("aiohttp")
    import asyncio

    async def fetch() -> None:
        async with aiohttp.ClientSession() as session:
            await session.get("https://quantum.cloud.ibm.com/api/v1/versions")

    with pytest.raises(aiohttp.ClientError, match=BLOCKED):
        asyncio.run(fetch())


def test_loopback_stays_reachable(httpserver):
    httpserver.expect_request("/ok").respond_with_data("ok")
    assert urllib.request.urlopen(httpserver.url_for("/ok"), timeout=5).read() == b"ok"
