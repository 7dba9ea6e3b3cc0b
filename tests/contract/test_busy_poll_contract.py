"""A status loop that never sleeps ends with the job done, as against IBM where requests take wall time."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler

from tests.contract.helpers import SHOTS

pytestmark = pytest.mark.contract


@pytest.mark.contract(fidelity="Time: a poll loop that never sleeps sees its job end (0.1 s per busy read)")
def test_a_loop_that_never_sleeps_ends(fake_backend, bell, contract_record):
    job = Sampler(mode=fake_backend).run([bell], shots=SHOTS)
    polls, status = 1, job.status()
    while status not in ("DONE", "ERROR", "CANCELLED") and polls < 1_000_000:
        status, polls = job.status(), polls + 1
    contract_record("polls", polls)
    assert status == "DONE"
    assert job.result()[0].data.meas.num_shots == SHOTS
