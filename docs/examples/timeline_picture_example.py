"""The timeline as a picture: `timeline().to_svg()` and `.save(path)`; draws docs/images/timeline.svg.

The picture in the docs is this test's output: the test fails when the drawing changes, and
`FAKEQPU_REDRAW_DOCS=1` writes the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Batch, Session
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

PICTURE = Path(__file__).resolve().parent.parent / "images" / "timeline.svg"


@pytest.mark.fakeqpu(seed=7, start="2026-03-02T09:00:00", job_duration=120, max_ttl=1800)
def test_draw_the_timeline(fake_runtime, fake_service, fake_backend, qpu_clock, bell, tmp_path):
    session = Session(backend=fake_backend)
    Sampler(mode=session).run([bell])
    fake_runtime.fail_jobs(1305, at="run")  # the second job fails half-way through
    Sampler(mode=session).run([bell])
    qpu_clock.advance(minutes=10)
    Sampler(mode=fake_backend).run([bell])  # job mode: starts at once
    Sampler(mode=fake_backend).run([bell])  # waits for the first, then for the end of the pause
    fake_runtime.set_backend_status(fake_backend.name, "paused", "maintenance", until=300)
    with pytest.raises(IBMRuntimeError, match="1004"):  # refused while paused
        Sampler(mode=session).run([bell])
    qpu_clock.advance(minutes=6)
    Sampler(mode=session).run([bell])
    Sampler(mode=session).run([bell])
    qpu_clock.advance(minutes=30)  # past the max TTL (30 min): the session closes
    fez = fake_service.backend("ibm_fez")
    with Batch(backend=fez) as batch:
        Sampler(mode=batch).run([bell_for(fez)])
        Sampler(mode=batch).run([bell_for(fez)])
    qpu_clock.advance(minutes=5)

    timeline = fake_runtime.timeline()
    svg = timeline.to_svg()
    assert svg.startswith("<svg") and "ibm_torino" in svg and "ibm_fez" in svg
    html = timeline.save(tmp_path / "timeline.html")
    assert "<svg" in html.read_text() and "max_ttl_reached" in html.read_text()
    if os.environ.get("FAKEQPU_REDRAW_DOCS"):
        timeline.save(PICTURE)
    assert PICTURE.read_text() == svg, "the drawing changed: rerun with FAKEQPU_REDRAW_DOCS=1"


def bell_for(backend):
    logical = QuantumCircuit(2)
    logical.h(0)
    logical.cx(0, 1)
    logical.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1).run(logical)
