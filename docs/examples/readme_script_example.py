"""The README's second example: a script (`python readme_script_example.py`), and a test of it."""

from __future__ import annotations

from qiskit_ibm_runtime import QiskitRuntimeService

import fakeqpu


def main():
    with fakeqpu.mock_runtime(plan="premium", seed=7) as runtime:
        service = QiskitRuntimeService()  # no credentials: the environment points at the fake
        backend = service.least_busy(operational=True, simulator=False)
        runtime.clock.advance(minutes=30)
        print(runtime.timeline())
    return backend


if __name__ == "__main__":
    main()


def test_the_script_finds_the_least_busy_backend():
    assert main().name == "ibm_torino"
