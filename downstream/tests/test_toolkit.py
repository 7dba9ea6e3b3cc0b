"""A downstream project uses the test author's toolkit of the installed fakeqpu wheel (issue 12)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from importlib.metadata import version

import pytest
import requests
from packaging.version import Version
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2 as Sampler
from qiskit_ibm_runtime import Session
from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError, IBMRuntimeError, RuntimeJobFailureError

import fakeqpu

# 503 joined the client's retry list in 0.41: 0.40 hands each 503 to the caller
RETRIES_503 = Version(version("qiskit-ibm-runtime")) >= Version("0.41")


@pytest.fixture
def bell_circuit(fake_backend):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return generate_preset_pass_manager(backend=fake_backend, optimization_level=1).run(circuit)


@pytest.mark.fakeqpu(job_duration=10)
def test_fail_jobs_at_start_run_and_submit(fake_runtime, fake_backend, bell_circuit, qpu_clock):
    fake_runtime.fail_jobs(1517, "injected", match=lambda job: job.shots == (11,), times=1, at="start")
    fake_runtime.fail_jobs(1305, at="run")
    with pytest.raises(RuntimeJobFailureError, match="1517"):
        Sampler(mode=fake_backend).run([bell_circuit], shots=11).result()
    half = Sampler(mode=fake_backend).run([bell_circuit], shots=12)
    qpu_clock.advance(seconds=5)
    assert half.status() == "ERROR"
    fake_runtime.fail_jobs(1004, "refused", at="submit")
    with pytest.raises(IBMRuntimeError, match="1004"):
        Sampler(mode=fake_backend).run([bell_circuit])
    assert [(j.status, j.reason_code, j.qpu_seconds) for j in fake_runtime.jobs()] == [
        ("Failed", 1517, 0.0),
        ("Failed", 1305, 5.0),
    ]


@pytest.mark.fakeqpu(job_duration=10)
def test_set_backend_status_over_time(fake_runtime, fake_backend, bell_circuit, qpu_clock):
    first, second = (Sampler(mode=fake_backend).run([bell_circuit]) for _ in range(2))
    fake_runtime.set_backend_status(fake_backend.name, "paused", "maintenance", at=1, until=600)
    qpu_clock.advance(seconds=300)
    assert (first.status(), second.status()) == ("DONE", "QUEUED")
    qpu_clock.advance(seconds=310)
    assert second.status() == "DONE"
    assert (fake_runtime.jobs()[1].started - fake_runtime.jobs()[0].created).total_seconds() == 600


def test_http_fault_faults_and_clear_faults(fake_runtime, fake_service, fake_backend, bell_circuit):
    job = Sampler(mode=fake_backend).run([bell_circuit])
    fake_runtime.http_fault(status=503, method="GET", path="/jobs/{job_id}", times=2)
    if not RETRIES_503:
        for _ in range(2):
            with pytest.raises(IBMRuntimeError, match="503"):
                fake_service.job(job.job_id())
    assert fake_service.job(job.job_id()).job_id() == job.job_id()  # the client retried (0.41 on)
    fake_runtime.http_fault(error=requests.ConnectionError, path=re.compile(r"/jobs/"))
    fake_runtime.http_fault(status=429, retry_after=5, body={"message": "slow down"})
    assert [f["kind"] for f in fake_runtime.faults()] == ["http", "http"]
    with pytest.raises(IBMRuntimeError):
        fake_service.job(job.job_id())
    fake_runtime.clear_faults()
    assert fake_runtime.faults() == []
    statuses = [r.status for r in fake_runtime.requests() if r.path.endswith(job.job_id())]
    assert statuses[:4] == [503, 503, 200, None]


def test_expire_tokens(fake_runtime, fake_service, fake_backend, bell_circuit):
    job = Sampler(mode=fake_backend).run([bell_circuit])
    fake_runtime.expire_tokens()
    with pytest.raises(IBMNotAuthorizedError):
        fake_service.job(job.job_id())
    assert fake_runtime.service().job(job.job_id()).job_id() == job.job_id()  # a new token works


@pytest.mark.fakeqpu(job_duration=5, strict=True, max_jobs=1, max_qpu_seconds=10, auto_tick=0.1)
def test_sessions_records_leftovers_and_timeline_picture(fake_runtime, fake_backend, bell_circuit, tmp_path):
    with Session(backend=fake_backend) as session:
        Sampler(mode=session).run([bell_circuit]).result()
    record = fake_runtime.sessions()[0]
    assert (record.id, record.mode, record.state, len(record.jobs)) == (
        session.session_id,
        "dedicated",
        "closed",
        1,
    )
    assert record.max_ttl == 28800 and record.interactive_ttl == 60 and record.usage_seconds is not None
    # auto_tick is the runtime API's latency; IAM and the catalogs take none (docs/fidelity.md; some
    # clients fetch a new IAM token as the session starts)
    runtime_api = [r.seconds for r in fake_runtime.requests() if r.url.startswith("https://quantum.cloud")]
    others = {r.seconds for r in fake_runtime.requests() if not r.url.startswith("https://quantum.cloud")}
    assert runtime_api and set(runtime_api) == {0.1} and others <= {0.0}
    fake_runtime.assert_no_leftovers()
    timeline = fake_runtime.timeline()
    assert timeline.to_svg().startswith("<svg")
    assert timeline.save(tmp_path / "t.svg").read_text() == timeline.to_svg()
    assert "<svg" in timeline.save(tmp_path / "t.html").read_text()


def test_mock_runtime_has_the_toolkit():
    with fakeqpu.mock_runtime(seed=1) as runtime:
        runtime.fail_jobs(1517)
        assert len(runtime.faults()) == 1 and runtime.jobs() == [] and runtime.sessions() == []


def test_strict_flag_timeline_dir_and_summary(tmp_path):
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent("""
        from qiskit_ibm_runtime import Session

        def test_leaves_a_session_open(fake_backend):
            Session(backend=fake_backend)

        def test_fails(fake_runtime, fake_backend):
            Session(backend=fake_backend).close()
            assert False
    """)
    )
    folder = tmp_path / "timelines"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--fakeqpu-strict",
            f"--fakeqpu-timeline-dir={folder}",
            str(tmp_path / "test_inner.py"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert "1 failed" in done.stdout and "1 error" in done.stdout, done.stdout
    assert "strict: left over at the end of the test: session" in done.stdout
    assert "fakeqpu timeline" in done.stdout
    assert "fakeqpu: 0 jobs, 2 sessions, 0.0 s simulated QPU time in 2 tests" in done.stdout
    assert any(p.suffix == ".svg" for p in folder.iterdir())
