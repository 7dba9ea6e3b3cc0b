"""A downstream-style suite of 200 tests (one Bell job each, through the plugin's fixtures), serial vs xdist.

Generates the suite in a temporary directory, runs it with `pytest -p no:cacheprovider` serially and
with `-n 2` (subprocesses, best of `--repeat`), and prints wall time, CPU seconds (the children's user
+ system time) and the ratio. Target (issue 11): `-n 2` faster than serial on 2 cores.

Also reports what the pytest controller imports: with xdist it only collects and distributes, so it
should never import qiskit (each worker imports it once, for its first job).

    python benchmarks/bench_xdist.py [--tests 200] [--workers 2] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CONFTEST = textwrap.dedent(
    """
    import sys

    import pytest


    @pytest.fixture(scope="session")
    def bell_isa():
        from qiskit import QuantumCircuit
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_ibm_runtime.fake_provider import FakeTorino

        qc = QuantumCircuit(2)
        qc.h(0)
        qc.cx(0, 1)
        qc.measure_all()
        manager = generate_preset_pass_manager(backend=FakeTorino(), optimization_level=1, seed_transpiler=1)
        return manager.run(qc)


    def pytest_sessionfinish(session):
        if not hasattr(session.config, "workerinput"):  # the controller (or the serial run)
            heavy = [m for m in ("qiskit", "qiskit_aer", "qiskit_ibm_runtime") if m in sys.modules]
            with open("controller_imports.txt", "w") as out:
                out.write(",".join(heavy))
    """
)

TEST_MODULE = textwrap.dedent(
    """
    from qiskit_ibm_runtime import SamplerV2


    {tests}
    """
)

TEST = textwrap.dedent(
    """
    def test_bell_{index}(fake_backend, bell_isa):
        counts = SamplerV2(mode=fake_backend).run([bell_isa], shots=100).result()[0].data.meas.get_counts()
        assert sum(counts.values()) == 100
    """
)


# As on a developer's machine: bytecode (and pytest's rewritten test modules) cached after the first run.
# With PYTHONDONTWRITEBYTECODE set, every process re-compiles the assertion-rewritten modules of every
# installed pytest plugin (hypothesis, anyio, respx, ...): ~1.2 s per process, so per xdist worker.
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def write_suite(root: Path, tests: int, per_module: int = 20) -> None:
    (root / "conftest.py").write_text(CONFTEST)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    for module in range(0, tests, per_module):
        body = "\n".join(TEST.format(index=i) for i in range(module, min(module + per_module, tests)))
        (root / f"test_suite_{module // per_module:02d}.py").write_text(TEST_MODULE.format(tests=body))


def run(root: Path, args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the pytest process tree, and what the controller imported."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=_ENV,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    imports = (root / "controller_imports.txt").read_text()
    return wall, cpu, imports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fakeqpu-xdist-") as tmp:
        root = Path(tmp)
        write_suite(root, options.tests)
        results: dict[str, tuple[float, float, str]] = {}
        for name, args in (
            ("serial", ["-p", "no:xdist"]),
            (f"-n {options.workers}", ["-n", str(options.workers)]),
        ):
            run(root, args)  # warm-up: bytecode caches, as in a developer's second run
            runs = [run(root, args) for _ in range(options.repeat)]
            results[name] = min(runs)
    cpus, best = os.cpu_count(), options.repeat
    print(f"{options.tests} tests, one Bell job each (100 shots), {cpus} CPUs; best of {best}")
    for name, (wall, cpu, imports) in results.items():
        imported = imports or "no qiskit"
        print(f"  {name:8s} wall {wall:6.2f} s   CPU {cpu:6.2f} s   controller imported: {imported}")
    serial, parallel = results["serial"][0], results[f"-n {options.workers}"][0]
    print(f"  -n {options.workers} / serial wall time  {parallel / serial:6.2f}x   (< 1)")


if __name__ == "__main__":
    main()
