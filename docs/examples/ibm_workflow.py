"""A script written for IBM Quantum, nothing of fakeqpu in it: `fakeqpu run -- python ibm_workflow.py`.

It takes its account from the environment, picks the least busy QPU, runs a Sampler and an Estimator
job in a session, then submits one more job and polls it over IBM's REST API every 10 seconds.
"""

import os
import time

import requests
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import EstimatorV2, QiskitRuntimeService, SamplerV2, Session

API = "https://quantum.cloud.ibm.com/api/v1"

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)
isa = generate_preset_pass_manager(backend=backend, optimization_level=1)

bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
observable = SparsePauliOp("ZZ")
unmeasured = isa.run(bell)
bell.measure_all()

with Session(backend=backend) as session:
    counts = SamplerV2(mode=session).run([isa.run(bell)], shots=200).result()[0].data.meas.get_counts()
    pub = (unmeasured, observable.apply_layout(unmeasured.layout))
    evs = EstimatorV2(mode=session).run([pub]).result()[0].data.evs
print(f"session {session.session_id} on {backend.name}: counts {counts}, <ZZ> = {float(evs):.2f}")

# IBM's REST API, as its guides use it: an IAM token, then a poll loop that sleeps 10 s between polls.
job = SamplerV2(mode=backend).run([isa.run(bell)], shots=100)
token = requests.post(
    "https://iam.cloud.ibm.com/identity/token",
    data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": os.environ["QISKIT_IBM_TOKEN"]},
    timeout=30,
).json()["access_token"]
headers = {"Authorization": f"Bearer {token}", "Service-CRN": os.environ["QISKIT_IBM_INSTANCE"]}
polls = 0
while True:
    status = requests.get(f"{API}/jobs/{job.job_id()}", headers=headers, timeout=30).json()["status"]
    if status in ("Completed", "Failed", "Cancelled"):
        break
    polls += 1
    time.sleep(10)
print(f"job {job.job_id()}: {status} after {polls} polls")
