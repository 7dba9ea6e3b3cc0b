"""How fakeqpu simulated a job, and a job that must be exact (docs/fidelity.md, the ladder)."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError

pytestmark = pytest.mark.fakeqpu_only(reason="an example of the fake: nothing to learn from IBM")


def test_the_result_says_which_method_ran(fake_runtime, fake_backend, bell):
    result = Sampler(mode=fake_backend).run([bell], shots=100).result()
    (entry,) = result.metadata["fakeqpu"]["simulation"]
    assert entry["where"] == "pub 0" and entry["exact"] is True
    (record,) = fake_runtime.jobs()
    assert record.simulation is not None and record.simulation[0]["seconds"] >= 0  # measured wall time


@pytest.mark.fakeqpu(simulation="exact", simulation_budget=1e-6)
def test_an_exact_only_suite_fails_what_it_cannot_simulate_exactly(fake_backend, bell):
    job = Sampler(mode=fake_backend).run([bell], shots=100)
    with pytest.raises(RuntimeJobFailureError, match="exactly within its budget"):
        job.result()
