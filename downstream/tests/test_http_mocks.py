"""The application's own HTTP mocks stay in place beside the fake, and IBM traffic still reaches the fake."""

from __future__ import annotations

import httpx
import pytest
import requests
import requests_mock
import responses
import respx
from quantum_app import WEATHER_URL, bell_counts, service_from_config, weather

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc:def::"


def _app_runs() -> None:
    assert sum(bell_counts(service_from_config({"token": "k", "instance": CRN}), shots=10).values()) == 10


@responses.activate
def test_under_responses_activate(fake_runtime):
    responses.get(WEATHER_URL, json={"sky": "clear"})
    _app_runs()
    assert weather() == {"sky": "clear"}


def test_responses_started_after_the_fake_with_passthrough(fake_runtime):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("https://")
        mock.get(WEATHER_URL, json={"sky": "rain"})
        _app_runs()
        assert weather() == {"sky": "rain"}


def test_responses_started_before_the_fake():
    import fakeqpu

    with responses.RequestsMock() as mock:
        mock.get(WEATHER_URL, json={"sky": "fog"})
        with fakeqpu.mock_runtime():
            _app_runs()
            assert weather() == {"sky": "fog"}


def test_requests_mock(fake_runtime):
    with requests_mock.Mocker() as mock:
        mock.get(WEATHER_URL, json={"sky": "snow"})
        _app_runs()
        assert weather() == {"sky": "snow"}


def test_respx(fake_runtime):
    with respx.mock(assert_all_called=True) as router:
        router.get(WEATHER_URL).mock(return_value=httpx.Response(200, json={"sky": "wind"}))
        assert httpx.get(WEATHER_URL).json() == {"sky": "wind"}
        before = fake_runtime.requests_served
        assert httpx.get("https://quantum.cloud.ibm.com/api/v1/backends").status_code == 401  # no token
        assert fake_runtime.requests_served == before + 1  # the fake answered, not respx
        _app_runs()


def test_pytest_httpserver(fake_runtime, httpserver):
    httpserver.expect_request("/v1/today").respond_with_json({"sky": "local"})
    assert requests.get(httpserver.url_for("/v1/today"), timeout=5).json() == {"sky": "local"}
    _app_runs()


def test_vcrpy_cassette(fake_runtime, httpserver, tmp_path):
    vcr = pytest.importorskip("vcr")
    httpserver.expect_request("/v1/today").respond_with_json({"sky": "taped"})
    url = httpserver.url_for("/v1/today")
    with vcr.use_cassette(str(tmp_path / "cassette.yaml"), record_mode="once"):
        assert requests.get(url, timeout=5).json() == {"sky": "taped"}
        _app_runs()
    cassette = (tmp_path / "cassette.yaml").read_text()
    assert "/v1/today" in cassette and "ibm.com" not in cassette
