"""The notebooks of docs/notebooks/ run unmodified: under `fakeqpu run` (nbconvert, nbmake) and with
`%load_ext fakeqpu` in a kernel (nbclient). Each kernel costs seconds: few notebooks per test."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from fakeqpu.cli import main

NOTEBOOKS = Path(__file__).resolve().parents[2] / "docs" / "notebooks"
JUPYTER = str(Path(sys.executable).with_name("jupyter"))


def _text(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def test_nbconvert_executes_the_notebooks_under_fakeqpu_run(tmp_path, capfd):
    names = [str(NOTEBOOKS / "rest_poll_loop.ipynb"), str(NOTEBOOKS / "session_workflow.ipynb")]
    command = [JUPYTER, "nbconvert", "--to", "notebook", "--execute", "--output-dir", str(tmp_path), *names]
    assert main(["run", "--seed", "5", "--job-duration", "45", "--", *command]) == 0, capfd.readouterr().err
    err = capfd.readouterr().err
    rest = _text(nbformat.read(tmp_path / "rest_poll_loop.ipynb", as_version=4))
    polls, seconds = map(int, re.search(r"Completed after (\d+) polls, (\d+) s", rest).groups())
    assert polls >= 4 and seconds == 10 * polls  # every time.sleep(10) on the fake's clock
    counts = eval(re.findall(r"\{'[01]'.*\}", rest)[-1])  # the last cell's counts
    assert sum(counts.values()) == 100 and counts["1"] > 50
    session = _text(nbformat.read(tmp_path / "session_workflow.ipynb", as_version=4))
    assert re.search(r"session \S+: Closed", session) and "<ZZ> = " in session
    # the two kernels shared one fake: its jobs and the virtual time they took
    assert re.search(r"fakeqpu run: 3 jobs, 1 session, 135.0 s QPU time; virtual time \+0:0[2-9]", err), err


def test_load_ext_runs_an_ibm_notebook_in_the_kernel_and_the_ttl_notebook_drives_the_clock():
    # one kernel: the session workflow with `%load_ext fakeqpu` in front, then the TTL notebook
    workflow = nbformat.read(NOTEBOOKS / "session_workflow.ipynb", as_version=4)
    ttl = nbformat.read(NOTEBOOKS / "session_ttl.ipynb", as_version=4)
    load, unload = (
        nbformat.v4.new_code_cell("%load_ext fakeqpu"),
        nbformat.v4.new_code_cell("%unload_ext fakeqpu"),
    )
    both = nbformat.v4.new_notebook(cells=[load, *workflow.cells, unload, *ttl.cells], metadata=ttl.metadata)
    NotebookClient(both, timeout=120, kernel_name="python3").execute()
    text = _text(both)
    assert re.search(r"session \S+: Closed", text)
    pictures = [o for c in both.cells for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    assert len(pictures) == 1 and "<svg" in pictures[0]["data"]["image/svg+xml"]  # %fakeqpu timeline
    assert re.search(r"fakeqpu: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; 1 job, 1 session", text)


def test_pytest_nbmake_runs_a_notebook_under_fakeqpu_run(tmp_path, capfd):
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--nbmake",
        "--rootdir",
        str(tmp_path),
    ]
    assert main(["run", "--", *command, str(NOTEBOOKS / "rest_poll_loop.ipynb")]) == 0
    assert "1 passed" in capfd.readouterr().out
