"""The pieces of `fakeqpu run` one by one: the bootstrap, the server's clock sleep, absolute-form targets."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from fakeqpu.clock import Clock
from fakeqpu.run import BOOT_DIR, RUN_FLAG

from ..server.conftest import control


def _python(code: str, tmp_path, *path: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in (RUN_FLAG, "PYTHONPATH")}
    environ["PYTHONPATH"] = os.pathsep.join([str(BOOT_DIR), *path, os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**environ, **env},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )


def test_the_bootstrap_sleeps_without_the_flag_and_chains_to_the_sitecustomize_it_shadows(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "sitecustomize.py").write_text("import builtins\nbuiltins.THEIRS = True\n")
    code = "import sys, requests; print(THEIRS, 'fakeqpu.child' in sys.modules)"
    assert _python(code, tmp_path, str(theirs)).stdout == "True False\n"  # no FAKEQPU_RUN: inert
    assert _python(code, tmp_path, str(theirs), FAKEQPU_RUN="1").stdout == "True True\n"


def test_a_python_where_fakeqpu_does_not_import_warns_once_and_runs_on(tmp_path):
    broken = tmp_path / "broken" / "fakeqpu"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('not this one')\n")
    done = _python("import requests, httpx; print('ran')", tmp_path, str(broken.parent), FAKEQPU_RUN="1")
    assert done.returncode == 0 and done.stdout == "ran\n"
    assert done.stderr.count("fakeqpu run: fakeqpu is not usable") == 1


def test_the_servers_clock_sleep_overlaps_sleepers_and_starts_after_an_explicit_move(fakeqpu_server):
    start = fakeqpu_server.clock.now()

    def sleep(seconds: float, since: datetime) -> datetime:
        answer = control(
            fakeqpu_server, "POST", "/clock/sleep", json={"seconds": seconds, "since": since.isoformat()}
        )
        assert answer.status_code == 200
        return datetime.fromisoformat(answer.json().replace("Z", "+00:00"))

    assert sleep(10, start) == start + timedelta(seconds=10)
    assert sleep(10, start) == start + timedelta(seconds=10)  # two processes that saw `start` overlap
    fakeqpu_server.clock.advance(hours=1)
    assert sleep(5, start) == start + timedelta(hours=1, seconds=15)  # wakes 5 s after the jump
    refused = control(fakeqpu_server, "POST", "/clock/sleep", json={"seconds": -1})
    assert refused.status_code == 400 and fakeqpu_server.clock.now() == start + timedelta(hours=1, seconds=15)


def test_an_absolute_target_names_the_ibm_host_and_the_now_header_answers_only_when_asked(fakeqpu_server):
    parts = urlsplit(fakeqpu_server.url)
    form = "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=" + fakeqpu_server.token
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for asked in ({}, {"X-Fakeqpu-Now": "?"}):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        connection.request("POST", "https://iam.cloud.ibm.com/identity/token", form, {**headers, **asked})
        answer = connection.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["token_type"] == "Bearer"
        now = answer.getheader("X-Fakeqpu-Now")
        assert (now is not None) == bool(asked)
        connection.close()
    assert datetime.fromisoformat(now) == fakeqpu_server.clock.now()


def test_a_subprocess_wait_sleeps_for_real_under_a_virtual_clock():
    # Popen.wait(timeout) polls with time.sleep: virtual, it would spin and push the clock forward
    with Clock(datetime(2030, 1, 1, tzinfo=UTC)) as clock:
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"]).wait(timeout=30)
        assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC)


def test_httpx_then_requests_installs_one_forwarding_interceptor(tmp_path):
    # importing the interceptor (on httpx) imports requests, itself a trigger: no deadlock, one interceptor
    code = "import httpx, requests\nfrom fakeqpu.transports import inprocess\nprint(len(inprocess._STACK))"
    env = {"FAKEQPU_RUN": "1", "FAKEQPU_URL": "http://127.0.0.1:9", "FAKEQPU_CONTROL_TOKEN": "t"}
    assert _python(code, tmp_path, **env).stdout == "1\n"


def test_a_process_whose_server_is_gone_gets_connection_errors_and_real_sleeps(tmp_path):
    code = (
        "import requests, time\n"
        "try:\n    requests.get('https://quantum.cloud.ibm.com/api/v1/versions')\n"
        "except requests.ConnectionError:\n    print('refused')\n"
        "time.sleep(0.01)\nprint('slept')"
    )
    env = {"FAKEQPU_RUN": "1", "FAKEQPU_URL": "http://127.0.0.1:9", "FAKEQPU_CONTROL_TOKEN": "t"}
    done = _python(code, tmp_path, **env)
    assert done.stdout == "refused\nslept\n" and done.stderr.count("did not answer") == 1


def test_an_absolute_target_for_another_host_does_not_resolve_and_one_for_the_server_is_its_path(
    fakeqpu_server,
):
    parts = urlsplit(fakeqpu_server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", f"{fakeqpu_server.url}/api/v1/versions")  # the server's own URL
    assert connection.getresponse().status == 401  # the runtime API, asking for a token
    connection.close()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", "http://example.com/api/v1/versions")
    with pytest.raises(http.client.RemoteDisconnected):  # as a host that does not resolve
        connection.getresponse()
    connection.close()
