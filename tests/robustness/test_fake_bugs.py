"""A bug in fakeqpu answers a 500 in IBM's envelope and leaves the fake serving the next request."""

from __future__ import annotations

import json
import math

import pytest

import fakeqpu
from fakeqpu.api.http import Request
from tests.iam import iam_headers
from tests.robustness.conftest import BACKEND, BASE, bell_isa


def test_a_failing_handler_is_a_500_envelope_and_the_next_request_works(monkeypatch):
    with fakeqpu.mock_runtime(seed=3) as runtime:
        headers = iam_headers(runtime)

        def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(runtime.model, "jobs", broken)  # the listing's service call fails
        response = runtime.app.handle(Request.build("GET", f"{BASE}/jobs", headers, b""))
        assert response.status == 500
        (error,) = json.loads(response.body)["errors"]
        assert error["code"] == 1000 and "bug in fakeqpu" in error["solution"]
        monkeypatch.undo()
        assert runtime.app.handle(Request.build("GET", f"{BASE}/jobs", headers, b"")).status == 200


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_job_duration_stores_nothing_and_never_wedges_the_fake(bad):
    from qiskit_ibm_runtime import SamplerV2

    broken = [True]

    def duration(job):  # broken until the test repairs it
        return bad if broken[0] else 0.0

    with fakeqpu.mock_runtime(seed=3, job_duration=duration) as runtime:
        from qiskit_ibm_runtime.exceptions import IBMRuntimeError

        headers = iam_headers(runtime)
        backend = runtime.service().backend(BACKEND)
        with pytest.raises(IBMRuntimeError, match="500"):
            SamplerV2(mode=backend).run([bell_isa()], shots=20)
        listed = json.loads(runtime.app.handle(Request.build("GET", f"{BASE}/jobs", headers, b"")).body)
        assert listed["count"] == 0
        broken[0] = False
        counts = SamplerV2(mode=backend).run([bell_isa()], shots=20).result()[0].data.meas.get_counts()
        assert sum(counts.values()) == 20
