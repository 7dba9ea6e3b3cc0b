"""What `import fakeqpu` adds to `import qiskit_ibm_runtime` (target: <= 0.3 s), and the plugin's load.

Each import runs in a fresh interpreter, five times; the medians of the children's CPU time are
compared (CPU time, because on a shared machine wall time follows the other processes' load).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys

RUNS = 5


def cpu_seconds(code: str) -> float:
    times = []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def main() -> None:
    client = cpu_seconds("import qiskit_ibm_runtime")
    both = cpu_seconds("import qiskit_ibm_runtime, fakeqpu")
    plugin = cpu_seconds("import fakeqpu.pytest_plugin")
    fake = cpu_seconds("import qiskit_ibm_runtime, fakeqpu; fakeqpu.mock_runtime")
    print(f"import qiskit_ibm_runtime                 {client:6.2f} s CPU")
    print(f"import qiskit_ibm_runtime, fakeqpu        {both:6.2f} s CPU   (+{both - client:.2f} s; <= 0.3)")
    print(f"  ... and touch fakeqpu.mock_runtime      {fake:6.2f} s CPU   (+{fake - client:.2f} s)")
    print(f"import fakeqpu.pytest_plugin (pytest11)   {plugin:6.2f} s CPU")


if __name__ == "__main__":
    main()
