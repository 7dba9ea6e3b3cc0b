"""`fakeqpu run`: a script written for IBM Quantum runs unmodified against one fake, on virtual time."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fakeqpu.cli import main

HERE = Path(__file__).parent


def test_an_ibm_script_runs_unmodified(tmp_path, capfd):
    # What a shell runs as `fakeqpu run --seed 7 --job-duration 60 --timeline t.txt -- python ibm_workflow.py`
    options = ["--seed", "7", "--job-duration", "60", "--timeline", str(tmp_path / "t.txt")]
    status = main(["run", *options, "--", sys.executable, str(HERE / "ibm_workflow.py")])
    out, err = capfd.readouterr()
    assert status == 0, err
    assert re.search(r"session \S+ on ibm_\w+: counts \{.*\}, <ZZ> = ", out)
    polls = int(re.search(r"job \w+: Completed after (\d+) polls", out).group(1))
    assert polls >= 5  # a 60 s job polled every 10 s: each time.sleep(10) waited on the fake's clock
    summary = re.search(r"fakeqpu run: 3 jobs, 1 session, 180.0 s QPU time; virtual time \+(\S+)", err)
    hours, minutes, seconds = map(int, summary.group(1).split(":"))
    elapsed = hours * 3600 + minutes * 60 + seconds
    assert elapsed >= max(180, 10 * polls)  # three 60 s jobs and the sleeps, in seconds of wall time
    assert (tmp_path / "t.txt").read_text().count("Completed") == 3


def test_the_exit_status_is_the_commands(capfd):
    assert main(["run", "--", "sh", "-c", "exit 3"]) == 3
    assert main(["run", "--", "sh", "-c", "kill -TERM $$"]) == 128 + 15  # a signal, as a shell reports it
    assert main(["run", "--", "no-such-command-fakeqpu"]) == 127
    assert "command not found" in capfd.readouterr().err


def test_a_program_that_is_not_python_finds_the_fake_in_its_environment(capfd):
    # a shell, curl, or any program: the URLs of `fakeqpu serve`, pointing at the run's server
    shell = 'test "$QISKIT_IBM_URL" = "$FAKEQPU_URL/experimental/api/v1" && echo "$IAM_URL"'
    assert main(["run", "--", "sh", "-c", shell]) == 0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/iam\n", capfd.readouterr().out)
