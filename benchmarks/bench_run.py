"""What `fakeqpu run` costs.

1. Starting a Python process: `python -c pass` under a running `fakeqpu run` against alone (the
   bootstrap's import hook), the same for `python -c "import requests"` (the forwarding interceptor
   is installed), and the whole `fakeqpu run -- python -c pass` command (which also imports the fake
   and starts its server) against `python -c pass`.
2. A notebook of 10 Sampler jobs: the same code in process under `mock_runtime()` (the baseline),
   the notebook executed by nbclient under `fakeqpu run` (a kernel, its imports, HTTP to the server),
   and by nbclient with `%load_ext fakeqpu` (a kernel, no server) to tell the kernel's cost apart.

Run: `.venv/bin/python benchmarks/bench_run.py`. Ratios are against the baseline of the same run.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import timed

ROOT = Path(__file__).resolve().parent.parent
STARTS = 7
NOTEBOOK_RUNS = 2

SETUP = """from qiskit import QuantumCircuit
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2

backend = QiskitRuntimeService().backend("ibm_fez")
circuit = QuantumCircuit(1)
circuit.x(0)
circuit.measure_all()"""
JOBS = """jobs = [SamplerV2(mode=backend).run([circuit], shots=100) for _ in range(10)]
counts = [job.result()[0].data.meas.get_counts() for job in jobs]
assert len(counts) == 10"""


def _quiet(command: list[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def process_start() -> None:
    import fakeqpu
    from fakeqpu.run import child_env

    python = [sys.executable, "-c", "pass"]
    with fakeqpu.serve(auto_tick=0) as server:
        env = child_env(server)
        plain = {k: v for k, v in env.items() if k not in ("FAKEQPU_RUN",)}
        plain["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
        base, _ = timed(lambda: _quiet(python, plain), STARTS)
        booted, _ = timed(lambda: _quiet(python, env), STARTS)
        requests_code = [sys.executable, "-c", "import requests"]
        base_requests, _ = timed(lambda: _quiet(requests_code, plain), STARTS)
        booted_requests, _ = timed(lambda: _quiet(requests_code, env), STARTS)
    whole, _ = timed(lambda: _quiet([sys.executable, "-m", "fakeqpu.cli", "run", "--", *python]), 3)
    print("1. starting a Python process (median)")
    print(f"   python -c pass                         {base * 1000:8.1f} ms  (baseline)")
    print(f"   ... inside fakeqpu run                 {booted * 1000:8.1f} ms  ({booted / base:.2f}x)")
    print(f"   python -c 'import requests'            {base_requests * 1000:8.1f} ms")
    print(
        f"   ... inside fakeqpu run                 {booted_requests * 1000:8.1f} ms  "
        f"({booted_requests / base_requests:.2f}x)"
    )
    print(f"   fakeqpu run -- python -c pass (whole)  {whole * 1000:8.1f} ms  ({whole / base:.1f}x)")


def notebook_jobs() -> None:
    import nbformat
    from nbclient import NotebookClient

    import fakeqpu
    from fakeqpu.run import run_command

    def in_process() -> None:
        with fakeqpu.mock_runtime(seed=1):
            scope: dict[str, object] = {}
            exec(SETUP, scope)
            exec(JOBS, scope)

    in_process()  # imports and caches, as a kernel's first cells would not have them: fair to the baseline
    base, _ = timed(in_process, NOTEBOOK_RUNS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ten_jobs.ipynb"
        cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(JOBS)]
        nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
        script = [sys.executable, str(ROOT / "docs" / "examples" / "run_notebooks.py"), str(path)]

        def under_run() -> None:
            with fakeqpu.serve(auto_tick=0, seed=1) as server, contextlib.redirect_stderr(io.StringIO()):
                assert run_command(server, script) == 0

        def load_ext() -> None:
            notebook = nbformat.v4.new_notebook(
                cells=[nbformat.v4.new_code_cell("%load_ext fakeqpu"), *cells]
            )
            NotebookClient(notebook, timeout=600, kernel_name="python3").execute()

        run, _ = timed(under_run, NOTEBOOK_RUNS)
        ext, _ = timed(load_ext, NOTEBOOK_RUNS)
    print("2. a notebook of 10 Sampler jobs (median)")
    print(f"   the same code in process (mock_runtime)  {base:7.2f} s  (baseline)")
    print(f"   nbclient under fakeqpu run               {run:7.2f} s  ({run / base:.1f}x)")
    print(f"   nbclient with %load_ext fakeqpu          {ext:7.2f} s  ({ext / base:.1f}x)")


if __name__ == "__main__":
    start = time.perf_counter()
    process_start()
    notebook_jobs()
    print(f"({time.perf_counter() - start:.0f} s)")
