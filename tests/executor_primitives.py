"""The client-side (executor-based) primitives under the name each client release gives them.

0.50 and later export `qiskit_ibm_runtime.executor_sampler.Sampler` and
`qiskit_ibm_runtime.executor_estimator.Estimator`; 0.47 ships the Sampler as
`executor_sampler.SamplerV2`, 0.48 also the Estimator as `executor_estimator.estimator.EstimatorV2`.
All send `executor` jobs.
"""

from __future__ import annotations

from typing import Any

import pytest

SAMPLER_SINCE = pytest.mark.min_client("0.47", reason="no executor-based Sampler before 0.47")
ESTIMATOR_SINCE = pytest.mark.min_client("0.48", reason="no executor-based Estimator before 0.48")


def sampler_class() -> Any:
    from qiskit_ibm_runtime import executor_sampler

    return getattr(executor_sampler, "Sampler", None) or executor_sampler.SamplerV2


def estimator_class() -> Any:
    from qiskit_ibm_runtime import executor_estimator

    found = getattr(executor_estimator, "Estimator", None)
    if found is None:
        from qiskit_ibm_runtime.executor_estimator.estimator import EstimatorV2 as found
    return found
