"""The Qiskit Runtime REST API as IBM's REST guides use it, against the fake: no client at all, just
`requests` to IBM's URLs (answered in-process inside `fakeqpu.mock_runtime()`).

Circuits travel as OpenQASM 3 text, observables as `{pauli: coefficient}` maps, and a job posted
without `support_qiskit` returns the plain JSON the guides read: an Estimator's `evs` as numbers, a
Sampler register's `samples` as hex strings.
"""

from __future__ import annotations

import time

import requests

import fakeqpu

API = "https://quantum.cloud.ibm.com/api/v1"
BELL = """OPENQASM 3.0;
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
"""  # h $0; cx $0, $1 in ibm_torino's gates: h = rz(pi/2) sx rz(pi/2), cx = h cz h on the target


def bearer_token(api_key: str) -> str:
    """IAM's token for an API key: the first step of every REST guide."""
    response = requests.post(
        "https://iam.cloud.ibm.com/identity/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data=f"grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={api_key}",
        timeout=10,
    )
    return str(response.json()["access_token"])


def wait_for(job_id: str, headers: dict[str, str]) -> dict:
    """Poll the job until it is final; `time.sleep` is virtual inside the fake, so this is instant."""
    while True:
        state = requests.get(f"{API}/jobs/{job_id}", headers=headers, timeout=10).json()["state"]
        if state["status"] in ("Completed", "Failed", "Cancelled"):
            return state
        time.sleep(10)


def test_sampler_and_estimator_jobs_over_rest_in_a_batch():
    with fakeqpu.mock_runtime(seed=11) as runtime:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {bearer_token(runtime.token)}",
            "Service-CRN": runtime.crn,
        }
        batch = requests.post(
            f"{API}/sessions", headers=headers, json={"backend": "ibm_torino", "mode": "batch"}, timeout=10
        ).json()["id"]

        measured = BELL + "meas[0] = measure $0;\nmeas[1] = measure $1;\n"
        sampler = {
            "program_id": "sampler",
            "backend": "ibm_torino",
            "session_id": batch,
            "params": {"pubs": [[measured, None, 1000]], "version": 2},
        }
        estimator = {
            "program_id": "estimator",
            "backend": "ibm_torino",
            "session_id": batch,
            "params": {"pubs": [[BELL, [{"ZZ": 1}, {"XX": 1}, {"ZI": 1}], None]], "version": 2},
        }
        sampler_id = requests.post(f"{API}/jobs", headers=headers, json=sampler, timeout=10).json()["id"]
        estimator_id = requests.post(f"{API}/jobs", headers=headers, json=estimator, timeout=10).json()["id"]

        assert wait_for(sampler_id, headers)["status"] == "Completed"
        results = requests.get(f"{API}/jobs/{sampler_id}/results", headers=headers, timeout=10).json()
        samples = results["results"][0]["data"]["meas"]["samples"]  # one hex string per shot
        assert len(samples) == 1000
        correlated = sum(sample in ("0x0", "0x3") for sample in samples)
        assert correlated > 700  # a Bell pair: both bits agree (about 500 if they were independent)

        assert wait_for(estimator_id, headers)["status"] == "Completed"
        results = requests.get(f"{API}/jobs/{estimator_id}/results", headers=headers, timeout=10).json()
        zz, xx, zi = results["results"][0]["data"]["evs"]  # one value per observable
        assert zz > 0.6 and xx > 0.6 and abs(zi) < 0.2  # ideal: 1, 1, 0

        closed = requests.delete(f"{API}/sessions/{batch}/close", headers=headers, timeout=10)
        assert closed.status_code == 204
