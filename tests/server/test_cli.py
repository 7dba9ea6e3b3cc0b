"""`fakeqpu serve` as a process: the container recipe's command line, the dotenv it prints and
writes, clean shutdown on SIGTERM and SIGINT; and the CI example's environment."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
import yaml

from fakeqpu import RuntimeOptions
from fakeqpu.cli import RUNTIME_FLAGS, main
from fakeqpu.serving import client_env

from .conftest import error_code

ROOT = Path(__file__).resolve().parents[2]


def _command(args: list[str]) -> list[str]:
    """`fakeqpu ARGS` through the installed console script (or the module when there is none)."""
    script = Path(sys.executable).with_name("fakeqpu")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "fakeqpu.cli", *args]


def _start(args: list[str], **env: str) -> tuple[subprocess.Popen[str], dict[str, str], list[str]]:
    process = subprocess.Popen(
        _command(args),
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:  # the process prints its environment, then "# serving: ..."
        lines.append(line)
        if line.startswith("# serving"):
            break
    else:
        process.wait(timeout=60)
        pytest.fail(f"fakeqpu serve did not start: {process.stderr.read() if process.stderr else ''}")
    printed = dict(line.rstrip("\n").split("=", 1) for line in lines if not line.startswith("#"))
    return process, printed, lines


def _stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out


def _dockerfile_command() -> list[str]:
    cmd = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    return json.loads(cmd[4:])


def test_the_container_recipe_starts_the_server_and_sigterm_stops_it():
    recipe = _dockerfile_command()
    assert recipe[:2] == ["fakeqpu", "serve"]
    args = recipe[1:]
    # The recipe binds 0.0.0.0:8080 for the container's published port; here: loopback, a free port.
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = "0"
    process, env, _ = _start(args, FAKEQPU_CONTROL_TOKEN="ci-control-token")
    try:
        assert env["FAKEQPU_CONTROL_TOKEN"] == "ci-control-token"  # from the service container's env
        assert env == client_env(env["FAKEQPU_URL"], "ci-control-token")
        iam = requests.post(f"{env['IAM_URL']}/identity/token", data={"grant_type": "x"}, timeout=30)
        assert iam.status_code == 400  # IAM's own error for a missing key: the IAM service answers
        now = requests.get(
            f"{env['FAKEQPU_URL']}/_fakeqpu/clock/now",
            headers={"Authorization": "Bearer ci-control-token"},
            timeout=30,
        )
        assert now.status_code == 200
    finally:
        out = _stop(process, signal.SIGTERM)  # what `docker stop` sends
    assert out.strip().endswith("# fakeqpu serve: stopped")


class _Stdout(io.StringIO):
    """Stands for stdout in `main()`: tells when the server says it is serving."""

    def __init__(self) -> None:
        super().__init__()
        self.serving = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "# serving" in self.getvalue():
            self.serving.set()
        return written


def test_serve_writes_the_env_file_applies_the_options_and_stops_on_sigint(tmp_path):
    """In this process (no start-up cost): `main()` serves in the main thread, which gets the signal."""
    env_file = tmp_path / "fakeqpu.env"
    args = ["serve", "--plan", "open", "--backends", "ibm_fez", "--seed", "3", "--env-file", str(env_file)]
    stdout, checked = _Stdout(), []

    def client() -> None:
        try:
            assert stdout.serving.wait(timeout=60)
            lines = stdout.getvalue().splitlines(keepends=True)
            env = dict(line.rstrip("\n").split("=", 1) for line in lines if not line.startswith("#"))
            assert lines[0].startswith(
                f"# fakeqpu serve: {env['FAKEQPU_URL']} (plan open; backends ibm_fez; seed 3"
            )
            assert env_file.read_text() == "".join(line for line in lines if not line.startswith("#"))
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+", env["FAKEQPU_URL"])  # loopback by default
            form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": env["QISKIT_IBM_TOKEN"]}
            token = requests.post(f"{env['IAM_URL']}/identity/token", data=form, timeout=30).json()
            headers = {
                "Authorization": f"Bearer {token['access_token']}",
                "Service-CRN": env["QISKIT_IBM_INSTANCE"],
            }
            usage = requests.get(f"{env['QISKIT_IBM_URL']}/instances/usage", headers=headers, timeout=30)
            assert usage.json()["usage_limit_seconds"] == 600  # the Open Plan
            devices = requests.get(f"{env['QISKIT_IBM_URL']}/backends", headers=headers, timeout=30)
            assert [d["name"] for d in devices.json()["devices"]] == ["ibm_fez"]
            refused = requests.get(f"{env['FAKEQPU_URL']}/_fakeqpu/timeline", timeout=30)
            assert refused.status_code == 401 and error_code(refused) == 1201  # a random token was printed
            checked.append(True)
        finally:
            if stdout.serving.is_set():
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C

    before = signal.getsignal(signal.SIGINT)
    helper = threading.Thread(target=client)
    helper.start()
    with contextlib.redirect_stdout(stdout):
        assert main(args) == 0
    helper.join()
    assert checked == [True]
    assert stdout.getvalue().endswith("# fakeqpu serve: stopped\n")
    assert signal.getsignal(signal.SIGINT) is before  # the handler main() replaced is back


def test_every_runtime_option_has_a_flag():
    served = tuple(name for name in RuntimeOptions.names() if name not in RuntimeOptions.TEST_BUDGETS)
    assert tuple(RUNTIME_FLAGS) == served


def test_bad_options_fail_before_serving(capsys):
    assert main(["serve", "--port", "70000"]) == 2
    assert "port must be an integer from 0 to 65535" in capsys.readouterr().err
    assert main(["serve", "--backends", "ibm_nowhere"]) == 2
    assert "unknown backend 'ibm_nowhere'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--seed", "many"])
    assert exited.value.code == 2


def test_the_github_actions_example_gives_the_client_the_servers_environment():
    page = (ROOT / "docs" / "server.md").read_text()
    (block,) = re.findall(r"```yaml\n(.*?)```", page, re.DOTALL)
    job = yaml.safe_load(block)["jobs"]["test"]
    service = job["services"]["fakeqpu"]
    assert service["ports"] == ["8080:8080"]  # the Dockerfile's port, published on the runner
    assert "--port" in _dockerfile_command() and "8080" in _dockerfile_command()
    token = service["env"]["FAKEQPU_CONTROL_TOKEN"]
    assert job["env"] == client_env("http://localhost:8080", token)
