"""A crash loses nothing acknowledged: `kill -9` of `fakeqpu serve --state-dir`, and a torn last write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import fakeqpu
from fakeqpu.mock import CRN
from fakeqpu.state.journal import FILE

from .state_helpers import START, Rest


def _serve_process(args: list[str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    script = Path(sys.executable).with_name("fakeqpu")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fakeqpu.cli"]
    process = subprocess.Popen(
        [*command, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    assert process.stdout is not None
    printed: dict[str, str] = {}
    for line in process.stdout:
        if line.startswith("# serving"):
            return process, printed
        if not line.startswith("#"):
            name, _, value = line.rstrip("\n").partition("=")
            printed[name] = value
    process.wait(timeout=60)
    pytest.fail(f"fakeqpu serve did not start: {process.stderr.read() if process.stderr else ''}")


def test_kill_9_while_jobs_are_queued_and_running_loses_no_acknowledged_job(tmp_path):
    options = ["--seed", "3", "--auto-tick", "0", "--job-duration", "100", "--start", START.isoformat()]
    process, env = _serve_process(["--state-dir", str(tmp_path), *options])
    try:
        rest = Rest(env["FAKEQPU_URL"], CRN, env["FAKEQPU_CONTROL_TOKEN"])
        jobs = [rest.submit() for _ in range(3)]  # each answered: acknowledged
        rest.control("POST", "/clock/advance", json={"seconds": 50})
        statuses = [rest.status(job) for job in jobs]
        assert statuses == ["Running", "Queued", "Queued"]
        before = rest.state()
    finally:
        process.kill()  # SIGKILL: no shutdown, no last write
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    _torn(tmp_path / FILE)  # and as if it had been killed in the middle of one more write
    # Restarted in this process (a subprocess would read the same files; starting one costs seconds).
    with fakeqpu.serve(state_dir=str(tmp_path)) as server:  # the recorded options apply
        rest = rest.moved(server.url, server.control_token)
        assert rest.state() == before  # every job, its state, the timeline and the clock
        assert [rest.status(job) for job in jobs] == statuses
        rest.control("POST", "/clock/advance", json={"seconds": 300})
        assert [rest.status(job) for job in jobs] == ["Completed"] * 3
        assert rest.call("GET", f"/jobs/{jobs[0]}/results").status_code == 200


def _torn(journal: Path) -> None:
    """What a kill mid-write leaves: the first part of a record, no newline."""
    last = journal.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    with journal.open("ab") as out:
        out.write(last[: len(last) // 2])


def _zero_filled(journal: Path) -> None:
    """What a crash of the machine may leave: the file extended, its new block never written."""
    with journal.open("ab") as out:
        out.write(b"\0" * 512)


@pytest.mark.parametrize("damage", [_torn, _zero_filled])
def test_a_torn_last_record_is_dropped_and_the_state_loads(tmp_path, damage):
    with fakeqpu.serve(state_dir=str(tmp_path), seed=6, start=START) as server:
        rest = Rest(server.url, server.crn, server.control_token)
        jobs = [rest.submit(), rest.submit()]
        before = rest.state()
    good = (tmp_path / FILE).read_bytes()
    damage(tmp_path / FILE)
    with fakeqpu.serve(state_dir=str(tmp_path)) as server:
        rest = rest.moved(server.url, server.control_token)
        assert rest.state() == before  # the torn record was never answered: nothing is missing
        assert (tmp_path / FILE).read_bytes() == good  # cut away before anything is appended
        jobs.append(rest.submit())
    with fakeqpu.serve(state_dir=str(tmp_path)) as server:
        rest = rest.moved(server.url, server.control_token)
        assert sorted(rest.job_ids()) == sorted(jobs)


def test_same_seed_same_calls_same_journal(tmp_path):
    """Determinism: two accounts made alike record alike (the ports and tokens of the requests aside)."""
    journals, states = [], []
    for name in ("one", "two"):
        with fakeqpu.serve(state_dir=str(tmp_path / name), seed=8, start=START) as server:
            rest = Rest(server.url, server.crn, server.control_token)
            session = rest.call("POST", "/sessions", json={"mode": "batch", "backend": "ibm_torino"}).json()[
                "id"
            ]
            rest.wait(rest.submit(session))
            rest.control("POST", "/clock/advance", json={"seconds": 5})
            states.append(rest.state())
        records = [
            json.loads(line.split(" ", 1)[1]) for line in (tmp_path / name / FILE).read_text().splitlines()
        ]
        for record in records[1:]:
            record.get("req", {}).pop("headers", None)
        journals.append(records[1:])
    assert states[0] == states[1]
    assert journals[0] == journals[1] and len(journals[0]) > 3
