"""The notebooks of docs/notebooks/ run unmodified: under `fakeqpu run` (nbclient, nbconvert, nbmake)
and with `%load_ext fakeqpu` in a kernel. Each kernel costs seconds: few notebooks per test."""

from __future__ import annotations

import ast
import re
import shlex
import sys
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

from fakeqpu.cli import main

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "docs" / "notebooks"
EXAMPLES = ROOT / "docs" / "examples"
JUPYTER = str(Path(sys.executable).with_name("jupyter"))


def _text(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def test_nbclient_executes_ibm_notebooks_under_fakeqpu_run(tmp_path, capfd):
    names = [str(NOTEBOOKS / "rest_poll_loop.ipynb"), str(NOTEBOOKS / "session_workflow.ipynb")]
    script = [sys.executable, str(EXAMPLES / "run_notebooks.py"), "--output-dir", str(tmp_path), *names]
    status = main(["run", "--seed", "5", "--job-duration", "45", "--", *script])
    err = capfd.readouterr().err
    assert status == 0, err
    rest = _text(nbformat.read(tmp_path / "rest_poll_loop.executed.ipynb", as_version=4))
    polls, seconds = map(int, re.search(r"Completed after (\d+) polls, (\d+) s", rest).groups())
    assert polls >= 4 and seconds == 10 * polls  # every time.sleep(10) on the fake's clock
    counts = ast.literal_eval(re.findall(r"\{'[01]'.*\}", rest)[-1])  # the last cell's counts
    assert sum(counts.values()) == 100 and counts["1"] > 50
    session = _text(nbformat.read(tmp_path / "session_workflow.executed.ipynb", as_version=4))
    assert re.search(r"session \S+: Closed", session) and "<ZZ> = " in session
    # the two kernels shared one fake: its jobs and the virtual time they took
    assert re.search(r"fakeqpu run: 3 jobs, 1 session, 135.0 s QPU time; virtual time \+0:0[2-9]", err), err


def test_nbconvert_executes_the_ttl_notebook_under_fakeqpu_run(tmp_path, capfd):
    # %load_ext fakeqpu in a kernel of the run: the kernel's own fake nests inside the run's
    command = [JUPYTER, "nbconvert", "--to", "notebook", "--execute", "--output-dir", str(tmp_path)]
    assert main(["run", "--", *command, str(NOTEBOOKS / "session_ttl.ipynb")]) == 0, capfd.readouterr().err
    executed = nbformat.read(tmp_path / "session_ttl.ipynb", as_version=4)
    assert re.search(r"fakeqpu: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; 1 job, 1 session", _text(executed))
    assert "fakeqpu run: 0 jobs, 0 sessions" in capfd.readouterr().err  # the kernel's fake had them


def test_load_ext_runs_an_ibm_notebook_in_a_kernel_and_draws_the_timeline():
    # one kernel, no `fakeqpu run`: the nb-tester patch of the docs (`%load_ext fakeqpu`), then the
    # session workflow, as nb-tester runs a patch before a notebook
    patch = (EXAMPLES / "nb_tester_patch.py").read_text().format(seed=3)
    workflow = nbformat.read(NOTEBOOKS / "session_workflow.ipynb", as_version=4)
    # ipykernel sleeps 0.5 ms after each cell: for real, or the cells themselves would move the clock
    idle = ["import fakeqpu\nt0 = fakeqpu.current().now()", "x = 1", "assert fakeqpu.current().now() == t0"]
    cells = [nbformat.v4.new_code_cell(code) for code in (patch, *idle)] + workflow.cells
    cells += map(nbformat.v4.new_code_cell, ("%fakeqpu advance 1h", "%fakeqpu timeline"))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=workflow.metadata)
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    text = _text(notebook)
    assert re.search(r"session \S+: Closed", text) and "<ZZ> = " in text
    svg = notebook.cells[-1].outputs[0]["data"]["image/svg+xml"]  # %fakeqpu timeline: inline SVG
    assert "<svg" in svg and "ibm_" in svg


def test_the_ci_example_runs_nbmake_under_fakeqpu_run(tmp_path, capfd, monkeypatch):
    # the GitHub Actions job of the docs, its own command line, on one notebook of docs/notebooks/
    workflow = yaml.safe_load((EXAMPLES / "notebooks-ci.yml").read_text())
    steps = workflow["jobs"]["notebooks"]["steps"]
    (line,) = [step["run"] for step in steps if step.get("run", "").startswith("fakeqpu run")]
    argv = shlex.split(line)
    assert argv[:2] == ["fakeqpu", "run"] and argv[-4:] == ["--", "pytest", "--nbmake", "notebooks/"]
    assert steps[-1]["with"]["path"] == argv[argv.index("--timeline") + 1]
    monkeypatch.chdir(tmp_path)
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
    command = [*argv[2:-3], *pytest, "--nbmake", str(NOTEBOOKS / "rest_poll_loop.ipynb")]
    assert main(["run", *command]) == 0
    assert "1 passed" in capfd.readouterr().out
    assert "<svg" in (tmp_path / "timeline.html").read_text()


def test_the_docs_show_the_ci_example_as_it_is():
    page = (ROOT / "docs" / "scripts-notebooks-ci.md").read_text()
    assert f"```yaml\n{(EXAMPLES / 'notebooks-ci.yml').read_text()}```" in page
