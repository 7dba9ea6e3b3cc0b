"""`fakeqpu run`: processes share one fake and one clock; the bootstrap never breaks a Python process."""

from __future__ import annotations

import sys

from fakeqpu.cli import main

SUBMIT = """
from qiskit import QuantumCircuit
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2

backend = QiskitRuntimeService().backend("ibm_fez")
circuit = QuantumCircuit(1)
circuit.x(0)
circuit.measure_all()
print(SamplerV2(mode=backend).run([circuit], shots=10).job_id())
"""

RETRIEVE = """
import sys, time
from qiskit_ibm_runtime import QiskitRuntimeService

job = QiskitRuntimeService().job(sys.argv[1])
counts = job.result()[0].data.meas.get_counts()
print(job.status(), counts)
"""


def test_a_job_submitted_by_one_process_is_retrieved_by_another(capfd):
    # the second process starts after the first has exited: the run's one fake keeps the job
    shell = 'id=$("$0" -c "$1") && echo "$id" && "$0" -c "$2" "$id"'
    argv = ["sh", "-c", shell, sys.executable, SUBMIT, RETRIEVE]
    status = main(["run", "--seed", "3", "--job-duration", "30", "--", *argv])
    out, err = capfd.readouterr()
    assert status == 0, err
    submitted, retrieved = out.splitlines()
    assert len(submitted) == 20 and retrieved == "DONE {'1': 10}"
    assert "fakeqpu run: 1 job, 0 sessions, 30.0 s QPU time" in err


def test_two_processes_on_one_clock(capfd):
    # a process goes on the fake's clock at its first IBM request; its time.sleep moves the one clock
    sleeper = (
        "import requests, time; requests.get('https://quantum.cloud.ibm.com/api/v1/versions'); "
        "time.sleep({}); print(time.time())"
    )
    shell = '"$0" -c "$1" && "$0" -c "$2"'
    argv = [sys.executable, sleeper.format(3600), sleeper.format(60)]
    assert main(["run", "--start", "2030-01-01T00:00:00", "--", "sh", "-c", shell, *argv]) == 0
    out, err = capfd.readouterr()
    first, second = map(float, out.split())
    assert first == 1893456000 + 3600  # 2030-01-01T01:00:00Z
    assert second == first + 60  # the second process started where the first left the clock
    assert "virtual time +1:01:00" in err
