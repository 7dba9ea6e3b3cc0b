"""A running fake with known objects in it, shared by the robustness tests of one module."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

import fakeqpu
from fakeqpu.backend_data import get_backend_data
from tests.iam import iam_headers

BACKEND = "ibm_torino"
BASE = "https://quantum.cloud.ibm.com/api/v1"


@functools.cache
def bell_isa(backend_name: str = BACKEND) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    backend = get_backend_data(backend_name).fake_backend()
    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(circuit)


@dataclass
class World:
    runtime: fakeqpu.FakeRuntime
    service: Any  # a real QiskitRuntimeService
    backend: Any  # its IBMBackend
    headers: dict[str, str]
    params_wire: dict[str, Any]  # a real Bell job's params, as the client posts them


@pytest.fixture(scope="module")
def world():
    with fakeqpu.mock_runtime(seed=11, job_duration=0) as runtime:
        service = runtime.service()
        backend = service.backend(BACKEND)
        headers = iam_headers(runtime)
        from qiskit_ibm_runtime import SamplerV2

        job = SamplerV2(mode=backend).run([bell_isa()], shots=10)
        job.result()
        params = requests.get(f"{BASE}/jobs/{job.job_id()}", headers=headers, timeout=5).json()["params"]
        yield World(runtime, service, backend, headers, params)
