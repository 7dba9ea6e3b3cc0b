"""IBM traffic reaches the running fake whatever else intercepts HTTP; the other mocks keep their hosts."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import requests
import requests_mock
import responses
import respx

import fakeqpu
from fakeqpu.api.http import Response
from fakeqpu.transports.inprocess import Interceptor

IBM = "https://quantum.cloud.ibm.com/api/v1/backends"
OTHER = "https://api.example.org/thing"


def test_responses_before_and_after_the_fake_with_and_without_passthrough():
    with responses.RequestsMock() as outer:
        outer.get(OTHER, json={"from": "outer"})
        with fakeqpu.mock_runtime() as fake:
            with responses.RequestsMock(assert_all_requests_are_fired=False) as inner:
                inner.add_passthru("https://")
                assert requests.get(IBM, timeout=5).status_code == 401  # the fake: no token sent
                assert fake.requests_served == 1
            assert requests.get(OTHER, timeout=5).json() == {"from": "outer"}
            assert requests.get(IBM, timeout=5).status_code == 401
            assert fake.requests_served == 2


def test_requests_mock_started_after_the_fake(fake_runtime):
    with requests_mock.Mocker() as mock:
        mock.get(OTHER, json={"from": "requests-mock"})
        assert requests.get(OTHER, timeout=5).json() == {"from": "requests-mock"}
        assert requests.Session().get(IBM, timeout=5).status_code == 401
    assert fake_runtime.requests_served == 1


def test_respx_both_ways(fake_runtime):
    with respx.mock() as router:
        router.get(OTHER).mock(return_value=httpx.Response(200, json={"from": "respx"}))
        assert httpx.get(OTHER).json() == {"from": "respx"}
        assert httpx.get(IBM).status_code == 401

        async def both() -> tuple[int, object]:
            async with httpx.AsyncClient() as client:
                return (await client.get(IBM)).status_code, (await client.get(OTHER)).json()

        assert asyncio.run(both()) == (401, {"from": "respx"})
    assert fake_runtime.requests_served == 2


def test_vcrpy_records_only_its_own_hosts(fake_runtime, httpserver, tmp_path):
    import vcr

    httpserver.expect_request("/thing").respond_with_json({"from": "server"})
    with vcr.use_cassette(str(tmp_path / "tape.yaml")):
        assert requests.get(httpserver.url_for("/thing"), timeout=5).json() == {"from": "server"}
        assert requests.get(IBM, timeout=5).status_code == 401
        assert httpx.get(IBM).status_code == 401
    tape = (tmp_path / "tape.yaml").read_text()
    assert "/thing" in tape and "ibm.com" not in tape


def test_nested_fakes_innermost_answers():
    with fakeqpu.mock_runtime() as outer, fakeqpu.mock_runtime() as inner:
        requests.get(IBM, timeout=5)
        assert (outer.requests_served, inner.requests_served) == (0, 1)
    with fakeqpu.mock_runtime() as outer:
        requests.get(IBM, timeout=5)
        assert outer.requests_served == 1


@pytest.mark.parametrize(
    ("error", "requests_type", "httpx_type"),
    [
        (ConnectionError("dropped"), requests.ConnectionError, httpx.ConnectError),
        (TimeoutError("slow"), requests.ReadTimeout, httpx.ReadTimeout),
    ],
)
def test_a_response_can_carry_an_exception_for_both_libraries(error, requests_type, httpx_type):
    interceptor = Interceptor(lambda request: Response.raising(error))
    interceptor.start()
    try:
        with pytest.raises(requests_type, match=str(error)):
            requests.get(IBM, timeout=5)
        with pytest.raises(httpx_type, match=str(error)):
            httpx.get(IBM)
    finally:
        interceptor.stop()
