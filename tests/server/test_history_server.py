"""An account's past over the control API (`POST /_fakeqpu/add_history`) and as a served option."""

from __future__ import annotations

import pytest
import requests

from .conftest import control, error_code, runtime_headers


def listed(server) -> list[dict]:
    answer = requests.get(f"{server.url}/api/v1/jobs?limit=200", headers=runtime_headers(server), timeout=30)
    return answer.json()["jobs"]


def test_add_history_over_http_lists_past_jobs_with_results(fakeqpu_server):
    made = control(
        fakeqpu_server,
        "POST",
        "/add_history",
        json={"jobs": 3, "batches": 1, "jobs_per_session": 2, "days": 5},
    ).json()
    assert len(made["jobs"]) == 5 and len(made["sessions"]) == 1
    jobs = listed(fakeqpu_server)
    assert sorted(job["id"] for job in jobs) == sorted(made["jobs"])
    assert {job["status"] for job in jobs} == {"Completed"}
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    results = requests.get(f"{url}/api/v1/jobs/{made['jobs'][0]}/results", headers=headers, timeout=30)
    assert results.status_code == 200 and results.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "body",
    [
        {"jobs": -1},
        {"jobs": 1.5},
        {"jobs": "3"},
        b'{"jobs": 1, "days": 1e999}',
        b'{"jobs": 1, "days": NaN}',
        b"{",
        {"jobs": 1, "days": 0},
        {"jobs": 1, "failed": 2},
        {"jobs": 1, "backends": ["ibm_nowhere"]},
        {"jobs": 1, "programs": ["qaoa"]},
        {"jobs": 1, "tags": [""]},
        {"weeks": 1},
    ],
)
def test_a_bad_history_is_refused_and_nothing_is_added(fakeqpu_server, body):
    sent = {"data": body} if isinstance(body, bytes) else {"json": body}
    answer = control(fakeqpu_server, "POST", "/add_history", **sent)
    assert answer.status_code in (400, 404) and error_code(answer) in (1208, 1007)
    assert listed(fakeqpu_server) == []


def test_a_reset_with_a_history_option(fakeqpu_server):
    assert control(fakeqpu_server, "POST", "/reset", json={"seed": 2, "history": 4}).status_code == 204
    assert len(listed(fakeqpu_server)) == 4
    bad = control(fakeqpu_server, "POST", "/reset", json={"history": {"jobs": -2}})
    assert bad.status_code == 400 and error_code(bad) == 1208


def test_the_serve_flag_is_checked_before_serving(capsys):
    from fakeqpu.cli import main

    assert main(["serve", "--history", '{"jobs": -3}']) == 2
    assert "history jobs must be a count >= 0" in capsys.readouterr().err
