"""The lifecycle machine against the service layer alone (no HTTP, no client): thousands of steps."""

from __future__ import annotations

import time
from typing import Any

from hypothesis.stateful import run_state_machine_as_test
from qiskit.quantum_info import SparsePauliOp

from fakeqpu.testing.strategies import isa_template

from .drivers import BACKEND, SHOTS, Config, ServiceDriver
from .machine import LifecycleMachine
from .profiles import budget, machine_settings


def service_pubs(program: str) -> dict[str, Any]:
    """The job parameters as the API hands them to the service (decoded PUBs)."""
    if program == "sampler":
        return {"pubs": [(isa_template(BACKEND, "bell"), None, SHOTS)], "version": 2}
    circuit = isa_template(BACKEND, "bell", measured=False)
    return {"pubs": [(circuit, SparsePauliOp("ZZ").apply_layout(circuit.layout), None, 0.5)], "version": 2}


class ServiceLifecycle(LifecycleMachine):
    @staticmethod
    def make_driver(config: Config) -> ServiceDriver:  # type: ignore[override]
        return ServiceDriver(config, service_pubs)


def test_service_lifecycle_agrees_with_the_model():
    steps = []

    class Counted(ServiceLifecycle):
        def teardown(self) -> None:
            steps.append(len(self.seen_jobs))
            super().teardown()

    b = budget()
    started = time.perf_counter()
    run_state_machine_as_test(Counted, settings=machine_settings(b.service_examples, b.service_steps))
    print(f"service machine: {len(steps)} examples in {time.perf_counter() - started:.1f} s")
    assert len(steps) >= b.service_examples
