"""The lifecycle machine through the real qiskit-ibm-runtime client, over intercepted HTTP.

The client objects (service, backend, ISA circuits) are built once for the test; every example gets a
fresh `fakeqpu.mock_runtime(...)`, its own clock and model.
"""

from __future__ import annotations

import time

from hypothesis.stateful import run_state_machine_as_test
from qiskit.quantum_info import SparsePauliOp

import fakeqpu
from fakeqpu.testing.strategies import isa_template

from .drivers import BACKEND, START, ClientDriver, ClientKit, Config
from .machine import LifecycleMachine
from .profiles import budget, machine_settings


def make_kit() -> ClientKit:
    with fakeqpu.mock_runtime(backends=[BACKEND], start=START) as runtime:
        service = runtime.service()
        backend = service.backend(BACKEND)
        bell = isa_template(backend, "bell")  # the backend's target loads from the fake
        circuit = isa_template(backend, "bell", measured=False)
    return ClientKit(service, backend, bell, (circuit, SparsePauliOp("ZZ").apply_layout(circuit.layout)))


def test_client_lifecycle_agrees_with_the_model():
    kit = make_kit()
    examples = []

    class ClientLifecycle(LifecycleMachine):
        @staticmethod
        def make_driver(config: Config) -> ClientDriver:  # type: ignore[override]
            return ClientDriver(config, kit)

        def teardown(self) -> None:
            examples.append(len(self.job_handles))
            super().teardown()

    b = budget()
    started = time.perf_counter()
    run_state_machine_as_test(ClientLifecycle, settings=machine_settings(b.client_examples, b.client_steps))
    elapsed = time.perf_counter() - started
    print(f"client machine: {len(examples)} examples, {sum(examples)} jobs, in {elapsed:.1f} s")
    assert len(examples) >= b.client_examples
