"""Server mode (docs/server.md): a subprocess, a notebook's first cell, curl, and the Python server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from qiskit_ibm_runtime import QiskitRuntimeService, Session

import fakeqpu

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")

HERE = Path(__file__).parent

WORKER = """
from qiskit_ibm_runtime import QiskitRuntimeService, Session

service = QiskitRuntimeService()  # no credentials in the code: the environment points at the fake
backend = service.least_busy(operational=True, simulator=False)
print(Session(backend=backend).session_id)
"""


@pytest.mark.min_client("0.50", reason="the client reads IAM_URL from the environment since 0.50")
def test_a_worker_process_talks_to_the_fake(fakeqpu_server):
    worker = subprocess.run(
        [sys.executable, "-c", WORKER],
        env={**os.environ, **fakeqpu_server.env},
        capture_output=True,
        text=True,
        check=True,
    )
    session_id = worker.stdout.strip()
    fakeqpu_server.clock.advance(minutes=30)  # the session the worker left open, never given a job
    assert [(t.subject, t.state, t.reason) for t in fakeqpu_server.timeline()] == [
        (session_id, "open", None),
        (session_id, "closed", "idle_timeout"),
    ]


def notebook_first_cell(env_file: str) -> None:
    # Point this kernel's client at `fakeqpu serve --env-file fakeqpu.env`, then use it as usual.
    for line in Path(env_file).read_text().splitlines():
        name, _, value = line.partition("=")
        os.environ[name] = value


def move_the_fakes_clock(**how_far: float) -> str:
    # Any process that has the environment can drive the fake through its control API.
    answer = requests.post(
        f"{os.environ['FAKEQPU_URL']}/_fakeqpu/clock/advance",
        json=how_far,
        headers={"Authorization": f"Bearer {os.environ['FAKEQPU_CONTROL_TOKEN']}"},
    )
    answer.raise_for_status()
    return answer.json()  # the fake's new now, ISO 8601


@pytest.mark.min_client("0.50", reason="the client reads IAM_URL from the environment since 0.50")
def test_a_notebook_kernel_uses_the_env_file(fakeqpu_server, tmp_path, monkeypatch):
    for name in fakeqpu_server.env:
        monkeypatch.delenv(name, raising=False)  # restored after the test, as a kernel would end
    fakeqpu_server.write_env(tmp_path / "fakeqpu.env")  # what `fakeqpu serve --env-file` writes

    notebook_first_cell(str(tmp_path / "fakeqpu.env"))
    service = QiskitRuntimeService()
    session = Session(backend=service.backend("ibm_torino"))
    move_the_fakes_clock(minutes=30)
    assert session.status() == "Closed"


def test_curl_needs_only_the_environment(fakeqpu_server):
    script = HERE / "server_curl.sh"
    page = (HERE.parent / "server.md").read_text()
    assert script.read_text() in re.findall(r"```bash\n(.*?)```", page, re.DOTALL)  # the page shows it all
    shell = subprocess.run(
        ["bash", str(script)],
        env={**os.environ, **fakeqpu_server.env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"name": "ibm_torino"' in shell.stdout
    assert shell.stdout.rstrip().endswith("closed  (idle_timeout)")  # the timeline's last line


def test_serve_from_python():
    with fakeqpu.serve(plan="open", seed=7, auto_tick=0) as server:
        assert server.url.startswith("http://127.0.0.1:")  # loopback only, a free port
        assert server.env["QISKIT_IBM_URL"] == f"{server.url}/experimental/api/v1"
        server.clock.advance(hours=1)  # the same controls as FakeRuntime's, in this process
        server.set_backend_status("ibm_fez", "paused", "maintenance")
        server.reset(seed=8)  # a fresh fake at the same URL: new clock, no sessions or jobs
        assert server.options.seed == 8 and server.options.plan == "open"
