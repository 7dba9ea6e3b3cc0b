"""The control API, `/_fakeqpu/...`: the Python controls over HTTP, with the same names and meaning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from fakeqpu.api.control import ROUTES

from .conftest import control, error_code, runtime_headers


def test_control_requests_without_the_printed_token_are_refused(fakeqpu_server):
    before = fakeqpu_server.clock.now()
    for token in (None, "not-the-token"):
        for method, path in (("POST", "/clock/advance"), ("GET", "/timeline"), ("GET", "/nowhere")):
            answer = control(fakeqpu_server, method, path, token=token, json={"hours": 1})
            assert answer.status_code == 401 and error_code(answer) == 1201
    assert fakeqpu_server.clock.now() == before


def test_unknown_controls_and_wrong_methods_answer_the_envelope(fakeqpu_server):
    unknown = control(fakeqpu_server, "GET", "/no_such_control")
    assert unknown.status_code == 404 and error_code(unknown) == 1208
    wrong_method = control(fakeqpu_server, "GET", "/clock/advance")
    assert wrong_method.status_code == 405 and error_code(wrong_method) == 1208
    listed = control(fakeqpu_server, "GET", "/").json()["routes"]
    assert listed == [f"{m} /_fakeqpu{p}" for m, p in ROUTES]


def test_the_clock_moves_and_reads_like_the_python_clock(fakeqpu_server):
    start = fakeqpu_server.clock.now()
    now = control(fakeqpu_server, "GET", "/clock/now").json()
    assert datetime.fromisoformat(now) == start
    advanced = control(fakeqpu_server, "POST", "/clock/advance", json={"minutes": 30, "seconds": 0.5})
    assert datetime.fromisoformat(advanced.json()) == start + timedelta(minutes=30, seconds=0.5)
    target = datetime(2040, 1, 1, tzinfo=UTC)
    travelled = control(fakeqpu_server, "POST", "/clock/travel_to", json={"when": "2040-01-01T00:00:00Z"})
    assert datetime.fromisoformat(travelled.json()) == target == fakeqpu_server.clock.now()
    assert datetime.fromisoformat(control(fakeqpu_server, "GET", "/now").json()) == target


BAD_CLOCK_MOVES = {
    "backwards": ("/clock/travel_to", b'{"when": "2000-01-01T00:00:00Z"}'),
    "negative": ("/clock/advance", b'{"seconds": -5}'),
    "not a number": ("/clock/advance", b'{"seconds": "five"}'),
    "a boolean": ("/clock/advance", b'{"seconds": true}'),
    "NaN": ("/clock/advance", b'{"seconds": NaN}'),
    "infinite": ("/clock/advance", b'{"days": 1e999}'),
    "too far for a timedelta": ("/clock/advance", b'{"days": 1e12}'),
    "past year 9999": ("/clock/advance", b'{"days": 1e7}'),
    "unknown argument": ("/clock/advance", b'{"weeks": 1}'),
    "missing argument": ("/clock/travel_to", b"{}"),
    "not a date": ("/clock/travel_to", b'{"when": "soon"}'),
    "not json": ("/clock/advance", b"{"),
    "not an object": ("/clock/advance", b"[1]"),
}


@pytest.mark.parametrize(("path", "body"), BAD_CLOCK_MOVES.values(), ids=BAD_CLOCK_MOVES.keys())
def test_bad_arguments_are_refused_and_change_nothing(fakeqpu_server, path, body):
    before = fakeqpu_server.clock.now()
    answer = control(fakeqpu_server, "POST", path, data=body)
    assert answer.status_code == 400 and error_code(answer) == 1208
    assert fakeqpu_server.clock.now() == before


def test_query_arguments_are_checked_too(fakeqpu_server):
    answer = control(fakeqpu_server, "GET", "/timeline?since=yesterday")
    assert answer.status_code == 400 and "unknown argument 'since'" in answer.json()["errors"][0]["message"]


def test_backend_status_is_what_the_runtime_api_then_shows(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    body = {"name": "ibm_fez", "status": "paused", "reason": "maintenance"}
    assert control(fakeqpu_server, "POST", "/set_backend_status", json=body).status_code == 204
    status = requests.get(f"{url}/api/v1/backends/ibm_fez/status", headers=headers).json()
    assert (status["state"], status["status"], status["message"]) == (False, "paused", "maintenance")
    refused = control(
        fakeqpu_server, "POST", "/set_backend_status", json={"name": "ibm_fez", "status": "gone"}
    )
    assert refused.status_code == 400
    unknown = control(
        fakeqpu_server, "POST", "/set_backend_status", json={"name": "ibm_nowhere", "status": "online"}
    )
    assert unknown.status_code == 404 and error_code(unknown) == 1007
    assert requests.get(f"{url}/api/v1/backends/ibm_fez/status", headers=headers).json()["status"] == "paused"


@pytest.mark.parametrize("body", [{"jobs": -1}, {"jobs": 1.5}, {"duration": -10}, {"duration": 1e308}])
def test_bad_background_load_is_refused_and_the_fake_still_works(fakeqpu_server, body):
    answer = control(fakeqpu_server, "POST", "/add_background_load", json={"backend": "ibm_torino", **body})
    assert answer.status_code == 400 and error_code(answer) == 1208
    fakeqpu_server.clock.advance(hours=1)
    devices = requests.get(f"{fakeqpu_server.url}/api/v1/backends", headers=runtime_headers(fakeqpu_server))
    assert devices.status_code == 200 and {d["queue_length"] for d in devices.json()["devices"]} == {0}


def test_background_load_fills_the_queue(fakeqpu_server):
    answer = control(
        fakeqpu_server, "POST", "/add_background_load", json={"backend": "ibm_torino", "jobs": 3}
    )
    assert answer.status_code == 204
    devices = requests.get(f"{fakeqpu_server.url}/api/v1/backends", headers=runtime_headers(fakeqpu_server))
    queue = {d["name"]: d["queue_length"] for d in devices.json()["devices"]}
    assert queue["ibm_torino"] == 2 and queue["ibm_fez"] == 0  # one runs, two wait


def test_the_timeline_as_records_and_as_text(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    requests.post(f"{url}/api/v1/sessions", json={"mode": "batch", "backend": "ibm_torino"}, headers=headers)
    records = control(fakeqpu_server, "GET", "/timeline").json()
    assert [(r["kind"], r["state"], r["reason"]) for r in records] == [("session", "open", None)]
    assert datetime.fromisoformat(records[0]["at"]) == fakeqpu_server.timeline()[0].at
    text = control(fakeqpu_server, "GET", "/timeline.txt")
    assert text.headers["Content-Type"].startswith("text/plain") and text.text == str(
        fakeqpu_server.timeline()
    )


def test_reset_starts_a_fresh_fake_with_the_same_ids_for_the_same_seed(fakeqpu_server):
    url = fakeqpu_server.url

    def new_session() -> str:
        body = {"mode": "dedicated", "backend": "ibm_torino"}
        made = requests.post(f"{url}/api/v1/sessions", json=body, headers=runtime_headers(fakeqpu_server))
        return str(made.json()["id"])

    assert control(fakeqpu_server, "POST", "/reset", json={"seed": 11, "plan": "flex"}).status_code == 204
    first = new_session()
    assert control(fakeqpu_server, "POST", "/reset", json={"seed": 11, "plan": "flex"}).status_code == 204
    assert new_session() == first  # same seed, same calls: same ids
    assert len(fakeqpu_server.timeline()) == 1 and fakeqpu_server.options.plan == "flex"
    url_before, token_before = fakeqpu_server.url, fakeqpu_server.control_token
    for bad in ({"plna": "open"}, {"seed": 1.5}, {"background_jobs": "x"}, {"start": "later"}):
        answer = control(fakeqpu_server, "POST", "/reset", json=bad)
        assert answer.status_code == 400 and error_code(answer) == 1208, bad
    assert len(fakeqpu_server.timeline()) == 1  # a refused reset changed nothing
    assert (fakeqpu_server.url, fakeqpu_server.control_token) == (url_before, token_before)


def test_running_simulations_are_listed_without_waiting_for_them(fakeqpu_server):
    from fakeqpu.execution.simulation import plan

    assert control(fakeqpu_server, "GET", "/simulations").json() == []
    entry = {"where": "pub 0", "method": "mps_trajectories", "qubits": 127, "predicted_seconds": 9.5}
    with plan.simulating(plan.SimulationPolicy(job_id="d0job")), plan.under_way(entry):
        (listed,) = control(fakeqpu_server, "GET", "/simulations").json()
    assert listed["job"] == "d0job" and listed["method"] == "mps_trajectories" and listed["qubits"] == 127
    assert listed["elapsed_seconds"] >= 0
    assert control(fakeqpu_server, "GET", "/simulations").json() == []
