"""`GET /instances/usage` answers whole seconds, as IBM's does: `service.usage()` then holds integers."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2 as Sampler


@pytest.mark.min_client("0.41", reason="0.40's service.usage() is for the retired ibm_quantum channel only")
@pytest.mark.fakeqpu(plan="premium", job_duration=2.75)
def test_usage_fields_are_integers_after_a_fractional_job(fake_service, fake_backend, bell):
    before = fake_service.usage()
    assert type(before["usage_remaining_seconds"]) is int and before["usage_remaining_seconds"] == 36000
    Sampler(mode=fake_backend).run([bell]).result()
    usage = fake_service.usage()
    # 2.75 s, floored
    assert type(usage["usage_consumed_seconds"]) is int and usage["usage_consumed_seconds"] == 2
    assert type(usage["usage_remaining_seconds"]) is int and usage["usage_remaining_seconds"] == 35998


@pytest.mark.min_client("0.41", reason="0.40's service.usage() is for the retired ibm_quantum channel only")
@pytest.mark.fakeqpu(plan="open", job_duration=599.5)
def test_the_floor_keeps_the_limit_flag_consistent(fake_service, fake_backend, bell):
    Sampler(mode=fake_backend).run([bell]).result()
    usage = fake_service.usage()
    # 599.5 s used of 600: not reached, and the whole seconds say so too
    assert usage["usage_consumed_seconds"] == 599 and usage["usage_limit_reached"] is False
    assert usage["usage_remaining_seconds"] == 1
