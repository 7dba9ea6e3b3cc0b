"""quantum_app: a small application that runs a Bell circuit on IBM Quantum, configured from outside.

The application's own code, written without fakeqpu in mind: it builds its service from a mapping
(a config file, the environment), and it calls another web API with plain requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2

WEATHER_URL = "https://api.weather.example/v1/today"


def service_from_config(config: Mapping[str, str]) -> QiskitRuntimeService:
    """`{"token": ..., "instance": ...}`, or `{"account": name, "filename": ...}` for a saved account."""
    if "account" in config:
        return QiskitRuntimeService(name=config["account"], filename=config.get("filename"))
    return QiskitRuntimeService(
        channel="ibm_quantum_platform", token=config["token"], instance=config.get("instance")
    )


def bell_counts(service: QiskitRuntimeService, shots: int = 100) -> dict[str, int]:
    backend = service.least_busy(operational=True, simulator=False)
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)
    result = SamplerV2(mode=backend).run([isa], shots=shots).result()
    counts: dict[str, int] = result[0].data.meas.get_counts()
    return counts


def weather() -> Any:
    """Another web API the application talks to (its tests mock it)."""
    response = requests.get(WEATHER_URL, timeout=5)
    response.raise_for_status()
    return response.json()
