"""The executor-era primitives through the real client: client-side Sampler and Estimator, Executor,
Calibrator; in job mode, a Session and a Batch; results plausible against the legacy primitives."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from packaging.version import Version
from qiskit_ibm_runtime import Batch, Session

from tests.executor_primitives import ESTIMATOR_SINCE, SAMPLER_SINCE, estimator_class, sampler_class

EXECUTOR = pytest.mark.min_client("0.47", reason="Executor and QuantumProgram came in 0.47")


def _legacy_sampler(mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qiskit_ibm_runtime import SamplerV2

        return SamplerV2(mode=mode)


def _legacy_estimator(mode, level):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qiskit_ibm_runtime import EstimatorV2

        estimator = EstimatorV2(mode=mode)
    estimator.options.resilience_level = level
    return estimator


def _probabilities(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {key: counts.get(key, 0) / total for key in ("00", "01", "10", "11")}


def _assert_same_distribution(first: dict[str, int], second: dict[str, int]) -> None:
    """Each outcome's frequency agrees within 5 standard errors of the difference."""
    n1, n2 = sum(first.values()), sum(second.values())
    p1, p2 = _probabilities(first), _probabilities(second)
    for key in p1:
        pooled = (p1[key] * n1 + p2[key] * n2) / (n1 + n2)
        error = math.sqrt(max(pooled * (1 - pooled), 1e-4) * (1 / n1 + 1 / n2))
        assert abs(p1[key] - p2[key]) < 5 * error, (key, first, second)


@SAMPLER_SINCE
@pytest.mark.parametrize("twirl", [False, True], ids=["untwirled", "twirled"])
def test_executor_sampler_counts_agree_with_the_legacy_sampler(fake_backend, bell, twirl):
    Sampler = sampler_class()

    sampler = Sampler(mode=fake_backend)
    sampler.options.twirling.enable_gates = twirl
    sampler.options.twirling.enable_measure = twirl
    job = sampler.run([bell], shots=1000)
    counts = job.result()[0].data.meas.get_counts()
    # twirled, the client rounds up to whole randomizations (16 x 64)
    assert sum(counts.values()) == (1024 if twirl else 1000)
    assert job.primitive_id == "executor"
    legacy = _legacy_sampler(fake_backend).run([bell], shots=1000).result()[0].data.meas.get_counts()
    _assert_same_distribution(counts, legacy)
    assert counts.get("00", 0) + counts.get("11", 0) > 800


@SAMPLER_SINCE
def test_executor_sampler_sweeps_several_pubs_and_default_shots(fake_backend, bell, sweep):
    Sampler = sampler_class()

    sampler = Sampler(mode=fake_backend, options={"default_shots": 64})
    values = np.linspace(0, np.pi, 3).reshape(3, 1)
    result = sampler.run([bell, (sweep, values)]).result()
    assert result[0].data.meas.num_shots == 64
    assert result[1].data.meas.shape == (3,)
    first, last = result[1].data.meas[0].get_counts(), result[1].data.meas[2].get_counts()
    assert max(first, key=first.get) == "00" and max(last, key=last.get) == "11"


# 0.48's executor Estimator fails to encode its own level-2 (ZNE) passthrough data: a ValueError about
# int64 from the client's v1.1 converter, before any request is sent
ZNE = pytest.mark.min_client("0.50", reason="0.48's executor Estimator cannot encode resilience_level=2")


@ESTIMATOR_SINCE
@pytest.mark.parametrize("level", [0, 1, pytest.param(2, marks=ZNE)])
def test_executor_estimator_agrees_with_the_legacy_estimator(fake_backend, bell_zz, level):
    Estimator = estimator_class()

    circuit, zz = bell_zz
    estimator = Estimator(mode=fake_backend)
    estimator.options.resilience_level = level
    result = estimator.run([(circuit, [zz, zz * 0.5])], precision=0.05).result()
    evs, stds = np.asarray(result[0].data.evs), np.asarray(result[0].data.stds)
    assert evs.shape == (2,)
    assert evs[1] == pytest.approx(evs[0] / 2)
    if level == 2:
        assert "evs_extrapolated" in result[0].data
    legacy = _legacy_estimator(fake_backend, min(level, 1)).run([(circuit, zz)], precision=0.05).result()[0]
    difference = abs(float(evs[0]) - float(legacy.data.evs))
    assert difference < 4 * math.hypot(float(stds[0]), float(legacy.data.stds)) + 0.03
    assert 0.5 < evs[0] < 1.1


def _newest_executor_schema():
    from qiskit_ibm_runtime.quantum_program.params_converters import QUANTUM_PROGRAM_PARAMS_CONVERTERS

    return max(QUANTUM_PROGRAM_PARAMS_CONVERTERS, key=lambda name: Version(name.removeprefix("v")))


def _executor_program(circuit, values, shots=50):
    from qiskit_ibm_runtime.quantum_program import QuantumProgram

    program = QuantumProgram(shots=shots, passthrough_data={"tag": "mine", "values": [1, 2]})
    program.append_circuit_item(circuit, circuit_arguments=values)
    return program


@EXECUTOR
@pytest.mark.parametrize("mode", ["session", "batch"])
def test_raw_executor_in_a_session_and_a_batch(fake_backend, fake_service, sweep, mode):
    from qiskit_ibm_runtime import Executor

    values = np.array([[0.0], [np.pi]])
    context = Session(backend=fake_backend) if mode == "session" else Batch(backend=fake_backend)
    with context as execution_mode:
        job = Executor(mode=execution_mode).run(_executor_program(sweep, values))
        result = job.result()
    assert job.session_id == execution_mode.session_id
    meas = result[0]["meas"]
    assert meas.shape == (2, 50, 2) and meas.dtype == bool
    assert (~meas[0]).all(axis=1).mean() > 0.6  # ry(0): |00>
    assert meas[1].all(axis=1).mean() > 0.6  # ry(pi): |11>
    assert result.passthrough_data["tag"] == "mine"
    spans = result.metadata.chunk_timing
    assert len(spans) == 1 and spans[0].start <= spans[0].stop
    again = fake_service.job(job.job_id()).result()
    assert np.array_equal(again[0]["meas"], meas)
    assert job.inputs["schema_version"] == _newest_executor_schema()  # v2.0 from 0.50, v1.1 in 0.48
    listed = fake_service.jobs(program_id="executor", limit=5)
    assert job.job_id() in [j.job_id() for j in listed]
    assert job.usage() >= 1


@EXECUTOR
def test_executor_job_duration_grows_with_shots_times_item_size(fake_backend, fake_service, sweep):
    from qiskit_ibm_runtime import Executor

    small = Executor(mode=fake_backend).run(_executor_program(sweep, np.zeros((1, 1)), shots=10))
    large = Executor(mode=fake_backend).run(_executor_program(sweep, np.zeros((40, 1)), shots=1000))
    small.result(), large.result()
    assert (
        large.metrics()["estimated_running_time_seconds"] > small.metrics()["estimated_running_time_seconds"]
    )
    assert large.usage() > small.usage()


@pytest.mark.min_client("0.51", reason="the Calibrator is in the client since 0.51 at the latest")
def test_calibrator_result_spans_the_run(fake_backend):
    from qiskit_ibm_runtime.calibrator import Calibrator

    job = Calibrator(mode=fake_backend).run()
    result = job.result()
    assert result.start <= result.stop
    assert job.status() == "DONE"
