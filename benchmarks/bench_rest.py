"""What the REST guides' job forms cost next to the client's: OpenQASM 3 loading, the plain JSON
results, and the circuit timing text, each as a ratio to the same job in the client's own form.

One process, one backend (`ibm_torino`), a 2-qubit Sampler job of 4,096 shots. Times are medians of
warm runs (the first call of each form loads the importer and the backend and is left out).
Run: ``python benchmarks/bench_rest.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qiskit import qasm3
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

from fakeqpu import execution
from fakeqpu.execution.qasm import _LOADED

BACKEND = "ibm_torino"
START, STOP = datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, 0, 0, 5, tzinfo=UTC)
QASM = """OPENQASM 3.0;
include "stdgates.inc";
bit[2] meas;
rz(pi/2) $0;
sx $0;
rz(pi/2) $0;
rz(pi/2) $1;
sx $1;
rz(pi/2) $1;
cz $0, $1;
rz(pi/2) $1;
sx $1;
rz(pi/2) $1;
meas[0] = measure $0;
meas[1] = measure $1;
"""


def median_ms(work: Callable[[], object], repeats: int = 15) -> float:
    work()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def job(params: dict) -> Callable[[], str]:
    def run() -> str:
        prepared = execution.prepare("sampler", params, BACKEND)
        return execution.run(prepared, seed=3, start=START, stop=STOP)

    return run


def client_params(**extra: object) -> dict:
    circuit = qasm3.loads(QASM)
    payload = {"pubs": [SamplerPub.coerce((circuit, None, 4096))], "version": 2, "support_qiskit": True}
    return {**json.loads(json.dumps(payload, cls=RuntimeEncoder), cls=RuntimeDecoder), **extra}


def main() -> None:
    timing = {"options": {"experimental": {"execution": {"scheduler_timing": True}}}}
    rows = {
        "client form (QPY circuit, encoded result)": lambda: job(client_params()),
        "REST form, OpenQASM 3 cached (plain JSON)": lambda: job({"pubs": [[QASM]], "version": 2}),
        "REST form, OpenQASM 3 loaded each time": lambda: _uncached(job({"pubs": [[QASM]], "version": 2})),
        "client form + scheduler_timing": lambda: job(client_params(**timing)),
    }
    baseline = None
    for name, make in rows.items():
        ms = median_ms(make())  # a fresh params object per row: nothing prepared is shared between rows
        baseline = baseline or ms
        print(f"  {name:44s} {ms:8.1f} ms  {ms / baseline:5.2f}x")


def _uncached(run: Callable[[], str]) -> Callable[[], str]:
    def again() -> str:
        _LOADED.clear()
        execution._PREPARED._cache.clear()  # prepare again: the text is loaded again
        return run()

    return again


if __name__ == "__main__":
    main()
