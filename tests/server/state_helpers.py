"""A small REST client for the state-dir tests: the runtime API as IBM's REST guides call it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import requests

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FINAL = ("Completed", "Failed", "Cancelled")


def isa_circuit() -> Any:
    """Two qubits, native gates of the Heron devices only (no transpiling needed)."""
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2)
    circuit.x(0)
    circuit.sx(1)
    circuit.cz(0, 1)
    circuit.measure_all()
    return circuit


@cache
def job_body(backend: str = "ibm_torino", shots: int = 50) -> dict[str, Any]:
    """A Sampler job of one ISA circuit, as the client encodes it."""
    from qiskit_ibm_runtime import RuntimeEncoder

    params = {"pubs": [[isa_circuit(), None, shots]], "options": {}, "version": 2}
    return {
        "program_id": "sampler",
        "backend": backend,
        "params": json.loads(json.dumps(params, cls=RuntimeEncoder)),
    }


class Rest:
    """The runtime API of a server at `url` (its IAM token survives restarts: it is a signed JWT)."""

    def __init__(self, url: str, crn: str, control_token: str) -> None:
        self.url, self.control_token = url, control_token
        form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": "k"}
        token = requests.post(f"{url}/iam/identity/token", data=form, timeout=30).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "Service-CRN": crn}

    def moved(self, url: str, control_token: str) -> Rest:
        """The same client, pointed at a restarted server."""
        again = object.__new__(Rest)
        again.url, again.control_token, again.headers = url, control_token, self.headers
        return again

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.url}/api/v1{path}", headers=self.headers, timeout=30, **kwargs
        )

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.control_token}"}
        return requests.request(method, f"{self.url}/_fakeqpu{path}", headers=headers, timeout=30, **kwargs)

    def submit(self, session_id: str | None = None, shots: int = 50) -> str:
        body = dict(job_body(shots=shots))
        if session_id is not None:
            body["session_id"] = session_id
        answer = self.call("POST", "/jobs", json=body)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["id"])

    def status(self, job_id: str) -> str:
        return str(self.call("GET", f"/jobs/{job_id}").json()["state"]["status"])

    def wait(self, job_id: str) -> str:
        for _ in range(100):  # each request moves the virtual clock auto_tick seconds
            status = self.status(job_id)
            if status in FINAL:
                return status
        raise AssertionError(f"job {job_id} never ended")

    def job_ids(self) -> list[str]:
        return [job["id"] for job in self.call("GET", "/jobs").json()["jobs"]]

    def state(self) -> tuple[Any, ...]:
        """Everything the account shows: jobs, sessions, the timeline and the clock (control API).

        A job's `simulation` reports are left out: they say how this process computed the result (with
        its wall seconds), and a restarted fake fills them again when the result is next read."""
        jobs = [{**job, "simulation": None} for job in self.control("GET", "/jobs").json()]
        return (
            json.dumps(jobs, sort_keys=True),
            *(self.control("GET", path).text for path in ("/sessions", "/timeline.txt", "/now")),
        )
