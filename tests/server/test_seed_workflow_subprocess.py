"""An unmodified client in another process runs the seed workflow against the served fake.

`seed_client.py` runs once per module (a qiskit start-up costs seconds); this test process drives the
fake through the control API when the program asks, and each test reads one step of its report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from fakeqpu.backend_data import default_fleet

from .conftest import control

CLIENT = Path(__file__).with_name("seed_client.py")
DEADLINE = 240  # real seconds before a hung client is killed (it then fails every test here)


@pytest.fixture(scope="module")
def report(fakeqpu_server) -> dict[str, dict[str, Any]]:
    fakeqpu_server.reset(seed=13)
    process = subprocess.Popen(
        [sys.executable, str(CLIENT)],
        env={**os.environ, **fakeqpu_server.env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(DEADLINE, process.kill)
    watchdog.start()
    steps: dict[str, dict[str, Any]] = {}
    actions: list[tuple[str, int]] = []
    try:
        assert process.stdout is not None and process.stdin is not None
        for line in process.stdout:
            message = json.loads(line)
            if "wait" not in message:
                steps[message.pop("step")] = message
                continue
            if message["wait"] == "ten_minute_jobs":  # a fresh fake whose jobs last 10 minutes
                answer = control(fakeqpu_server, "POST", "/reset", json={"seed": 13, "job_duration": 600})
            else:  # "max_ttl": the clock moves past the session's 25 minutes
                answer = control(fakeqpu_server, "POST", "/clock/advance", json={"minutes": 25, "seconds": 1})
            actions.append((message["wait"], answer.status_code))
            process.stdin.write("go\n")
            process.stdin.flush()
        process.wait()
    finally:
        watchdog.cancel()
        process.kill()
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert actions == [("ten_minute_jobs", 204), ("ten_minute_jobs", 204), ("max_ttl", 200)]
    assert "done" in steps
    return steps


def test_the_service_and_least_busy(report):
    assert report["service"]["backend"] == "ibm_torino"  # every queue empty: the first of the fleet
    assert report["service"]["backends"] == list(default_fleet())


def test_legacy_sampler_and_estimator_in_a_session_then_close(report):
    step = report["session_class"]
    assert sum(step["counts"].values()) == 1000
    assert step["counts"]["00"] + step["counts"]["11"] > 600  # a Bell state, with ibm_torino's noise
    assert 0.8 < step["evs"] < 1.2  # <ZZ>, readout-mitigated: may exceed 1 (docs/fidelity.md)
    assert step["during"] == "In progress, accepting new jobs"
    assert step["closed"] == "Closed" and step["usage"] > 0


def test_context_manager_closes_and_queued_jobs_still_finish(report):
    step = report["context_manager"]
    assert step["after_block"] == "In progress, not accepting new jobs"
    assert step["shots"] == 4096 and 0.8 < step["evs"] < 1.2
    assert step["once_done"] == "Closed"


def test_batch(report):
    step = report["batch"]
    assert step["mode"] == "batch" and step["shots"] == [100, 101, 102] and step["statuses"] == ["DONE"] * 3


def test_session_details(report):
    details = report["details"]["details"]
    assert details["mode"] == "dedicated" and details["backend_name"] == "ibm_torino"
    assert (details["interactive_timeout"], details["max_time"]) == (60, 28800)  # the Premium defaults


def test_session_cancel_and_job_cancel(report):
    step = report["session_cancel"]
    assert step["before"] == ["RUNNING", "QUEUED"]
    assert step["session"] == "Closed" and step["jobs"] == ["RUNNING", "CANCELLED"]  # the running job goes on
    assert report["job_cancel"] == {"waiting": "QUEUED", "status": "CANCELLED"}


def test_max_ttl_expiry_driven_through_the_control_api(report):
    step = report["max_ttl"]
    assert step["session"] == "Closed" and step["details"]["max_time"] == 1500
    assert step["jobs"] == ["DONE", "DONE", "RUNNING", "ERROR"]  # running job finishes, queued one fails
    assert "Error code 1217; Session has been closed." in step["failed"]


@pytest.mark.min_client("0.50", reason="the executor primitives by their names from 0.50")
def test_executor_primitives_from_another_process(report):
    """The executor-based Sampler and Estimator, unmodified, in a Session of the other process."""
    assert report["executor_sampler"] == {"shots": 100, "program": "executor"}
    assert 0.5 < report["executor_estimator"]["evs"] < 1.15  # a noisy Bell <ZZ>, unmitigated
