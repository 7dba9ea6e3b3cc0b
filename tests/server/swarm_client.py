"""Many client processes at once: `python swarm_client.py PROCESSES JOBS`, unmodified client code.

Imports qiskit once, then forks the workers (each a separate process with its own
`QiskitRuntimeService`, connections and token). Even workers submit in job mode, odd ones in a Batch;
worker w asks for 10 + w shots, so an answer that reached the wrong process would show. Prints one
JSON object: every worker's job ids and the shots each result came back with.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import sys
import warnings

warnings.filterwarnings("ignore")

from qiskit import QuantumCircuit  # noqa: E402
from qiskit_ibm_runtime import Batch, QiskitRuntimeService  # noqa: E402
from qiskit_ibm_runtime import SamplerV2 as Sampler  # noqa: E402


def isa_bell() -> QuantumCircuit:
    """A Bell circuit already in ibm_torino's basis on qubits 0 and 1 (no transpiler before fork)."""
    qc = QuantumCircuit(2)
    for qubit in (0, 1):
        qc.rz(math.pi / 2, qubit)
        qc.sx(qubit)
        qc.rz(math.pi / 2, qubit)
    qc.cz(0, 1)
    qc.rz(math.pi / 2, 1)
    qc.sx(1)
    qc.rz(math.pi / 2, 1)
    qc.measure_all()
    return qc


def worker(args: tuple[int, int]) -> dict[str, object]:
    index, jobs = args
    warnings.filterwarnings("ignore")
    backend = QiskitRuntimeService().backend("ibm_torino")
    shots = 10 + index
    if index % 2:
        with Batch(backend=backend) as batch:
            submitted = [Sampler(mode=batch).run([isa_bell()], shots=shots) for _ in range(jobs)]
    else:
        submitted = [Sampler(mode=backend).run([isa_bell()], shots=shots) for _ in range(jobs)]
    results = [job.result(timeout=120)[0].data.meas.num_shots for job in submitted]
    return {"worker": index, "ids": [job.job_id() for job in submitted], "shots": results}


def main() -> None:
    processes, jobs = int(sys.argv[1]), int(sys.argv[2])
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        print(json.dumps(pool.map(worker, [(i, jobs) for i in range(processes)])), flush=True)


if __name__ == "__main__":
    main()
