"""Issue 14, the fidelity sweep: result types and metadata, private jobs, deleting a queued job,
backend fields and calibration ids, usage per plan, hosts. Through the real client."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import requests
from ibm_quantum_schemas.estimator.version_0_1.primitive_result import (
    PrimitiveResultWrapperModel as EstimatorResultModel,
)
from qiskit_ibm_runtime import EstimatorV2 as Estimator

warnings.filterwarnings("ignore", category=DeprecationWarning)  # the legacy EstimatorV2 warns in 0.50+


def _estimate(backend, bell_zz, options, precision=0.1):
    circuit, observable = bell_zz
    job = Estimator(mode=backend, options=options).run(
        [(circuit, observable), (circuit, [[observable], [observable]])], precision=precision
    )
    return job, job.result()


# -- item 2: estimator result types and metadata ---------------------------------------------------


def test_single_observable_stds_is_a_0d_ndarray_like_evs(fake_backend, bell_zz):
    _, result = _estimate(fake_backend, bell_zz, {})
    scalar, array = result
    for name in ("evs", "stds", "ensemble_standard_error"):
        assert isinstance(scalar.data[name], np.ndarray), name
        assert scalar.data[name].shape == ()
        assert isinstance(array.data[name], np.ndarray) and array.data[name].shape == (2, 1)
    assert scalar.data.stds.dtype == np.float64


def test_twirled_shots_are_randomizations_times_shots_per_randomization(fake_backend, bell_zz):
    # precision 0.1 → 100 shots; auto: max(64, ceil(100/32)) = 64 per randomization, ceil(100/64) = 2
    _, result = _estimate(fake_backend, bell_zz, {})
    assert (result[0].metadata["num_randomizations"], result[0].metadata["shots"]) == (2, 128)
    _, result = _estimate(fake_backend, bell_zz, {"twirling": {"enable_gates": True, "num_randomizations": 3}})
    assert (result[0].metadata["num_randomizations"], result[0].metadata["shots"]) == (3, 3 * math.ceil(100 / 3))
    _, result = _estimate(
        fake_backend, bell_zz, {"twirling": {"num_randomizations": 5, "shots_per_randomization": 7}}
    )
    assert (result[0].metadata["num_randomizations"], result[0].metadata["shots"]) == (5, 35)


def test_without_twirling_shots_are_the_requested_shots(fake_backend, bell_zz):
    _, result = _estimate(fake_backend, bell_zz, {"twirling": {"enable_measure": False}})
    assert result[0].metadata["shots"] == 100
    assert "num_randomizations" not in result[0].metadata


def test_zne_requested_is_reported_with_its_fields_and_shapes(fake_backend, bell_zz, fake_runtime):
    job, result = _estimate(fake_backend, bell_zz, {"resilience_level": 2})
    resilience = result.metadata["resilience"]
    assert resilience["zne_mitigation"] is True and resilience["pec_mitigation"] is False
    assert resilience["zne"] == {
        "noise_factors": [1.0, 3.0, 5.0],
        "extrapolator": ["exponential", "linear"],
        "extrapolated_noise_factors": [0.0, 1.0, 3.0, 5.0],
    }
    scalar, array = result
    assert scalar.metadata["resilience"] == {"zne": {"extrapolator": "exponential"}}
    assert "ensemble_standard_error" not in scalar.data  # "None if ZNE is enabled"
    assert scalar.data.evs_noise_factors.shape == (3,)
    assert array.data.evs_noise_factors.shape == array.data.ensemble_stds_noise_factors.shape == (2, 1, 3)
    assert array.data.evs_extrapolated.shape == array.data.stds_extrapolated.shape == (2, 1, 2, 4)
    np.testing.assert_allclose(array.data.evs_extrapolated[..., 0, 0], array.data.evs)
    body = fake_runtime.model.job_result_text(job.job_id())
    EstimatorResultModel.model_validate_json(body)  # the schema the service's results follow


def test_zne_options_travel_into_the_metadata(fake_backend, bell_zz):
    options = {"resilience": {"zne_mitigation": True, "zne": {"noise_factors": [1, 2], "extrapolator": "linear"}}}
    _, result = _estimate(fake_backend, bell_zz, options)
    assert result.metadata["resilience"]["zne"] == {
        "noise_factors": [1.0, 2.0],
        "extrapolator": ["linear"],
        "extrapolated_noise_factors": [0.0, 1.0, 2.0],
    }
    assert result[1].data.evs_extrapolated.shape == (2, 1, 1, 3)


def test_level_1_result_validates_against_the_schema(fake_backend, bell_zz, fake_runtime):
    job, _ = _estimate(fake_backend, bell_zz, {})
    model = EstimatorResultModel.model_validate_json(fake_runtime.model.job_result_text(job.job_id()))
    resilience = model.value_.metadata.resilience
    assert resilience is not None
    assert (resilience.measure_mitigation, resilience.zne_mitigation, resilience.pec_mitigation) == (
        True,
        False,
        False,
    )
    assert model.value_.pub_results[0].value_.metadata.shots == 128
