"""The `/jobs/{id}/results` body: RuntimeEncoder JSON of a PrimitiveResult, in the service's shape.

The client's own encoding of a PrimitiveResult lacks what the service adds and
`ibm_quantum_schemas` requires (`field_types`, the sampler's execution spans), so the tree is
built here and only its leaves (ndarrays, datetimes) go through RuntimeEncoder.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit_ibm_runtime import RuntimeEncoder

from fakeqpu.execution.options import JobOptions
from fakeqpu.execution.simulation import plan
from fakeqpu.execution.simulation.estimator import EstimatorPubData
from fakeqpu.execution.simulation.sampler import SamplerPubData


def sampler_result_text(pubs: Sequence[SamplerPubData], start: datetime, stop: datetime) -> str:
    pub_results = [
        _typed(
            "SamplerPubResult",
            {
                "data": _data_bin(
                    pub.shape,
                    {
                        name: (
                            "BitArray",
                            _typed("BitArray", {"array": bits.array, "num_bits": bits.num_bits}),
                        )
                        for name, bits in pub.registers.items()
                    },
                ),
                "metadata": {"circuit_metadata": pub.circuit_metadata},
            },
        )
        for pub in pubs
    ]
    data_slices = {
        str(index): [[*pub.shape, pub.shots], 0, _size(pub.shape), 0, pub.shots]
        for index, pub in enumerate(pubs)
    }
    span = _typed("DoubleSliceSpan", {"start": start, "stop": stop, "data_slices": data_slices})
    metadata = {
        "execution": {"execution_spans": _typed("ExecutionSpans", {"spans": [span]})},
        "version": 2,
        plan.METADATA_KEY: plan.metadata_entry(),
    }
    return _dumps(_typed("PrimitiveResult", {"pub_results": pub_results, "metadata": metadata}))


def estimator_result_text(pubs: Sequence[EstimatorPubData], options: JobOptions) -> str:
    pub_results = []
    for pub in pubs:
        metadata: dict[str, Any] = {
            "target_precision": pub.precision,
            "shots": pub.shots,
            "circuit_metadata": pub.circuit_metadata,
            "resilience": {"zne": {"extrapolator": options.zne_extrapolators[0]}}
            if options.zne_mitigation
            else {},
        }
        if pub.num_randomizations is not None:
            metadata["num_randomizations"] = pub.num_randomizations
        fields = {"evs": ("ndarray", pub.evs), "stds": ("ndarray", pub.stds)}
        if options.zne_mitigation:
            fields.update(_zne_fields(pub, options))
        else:
            fields["ensemble_standard_error"] = ("ndarray", pub.stds)
        pub_results.append(_typed("PubResult", {"data": _data_bin(pub.shape, fields), "metadata": metadata}))
    resilience: dict[str, Any] = {
        "measure_mitigation": options.measure_mitigation,
        "zne_mitigation": options.zne_mitigation,
        "pec_mitigation": options.pec_mitigation,
    }
    if options.zne_mitigation:
        resilience["zne"] = {
            "noise_factors": list(options.zne_noise_factors),
            "extrapolator": list(options.zne_extrapolators),
            "extrapolated_noise_factors": list(options.zne_extrapolated_noise_factors),
        }
    result_metadata = {
        "dynamical_decoupling": dict(options.dynamical_decoupling),
        "twirling": dict(options.twirling),
        "resilience": resilience,
        "version": 2,
        plan.METADATA_KEY: plan.metadata_entry(),
    }
    return _dumps(_typed("PrimitiveResult", {"pub_results": pub_results, "metadata": result_metadata}))


def _zne_fields(pub: EstimatorPubData, options: JobOptions) -> dict[str, tuple[str, Any]]:
    """The ZNE data fields in IBM's shapes. Noise is not amplified (see docs/fidelity.md): every noise
    factor reads the unamplified estimate, so every extrapolator returns it unchanged."""
    factors = len(options.zne_noise_factors)
    points = (len(options.zne_extrapolators), len(options.zne_extrapolated_noise_factors))

    def per_factor(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.repeat(values[..., np.newaxis], factors, axis=-1)

    def extrapolated(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.broadcast_to(values[..., np.newaxis, np.newaxis], (*values.shape, *points)).copy()

    return {
        "evs_noise_factors": ("ndarray", per_factor(pub.evs)),
        "stds_noise_factors": ("ndarray", per_factor(pub.stds)),
        "ensemble_stds_noise_factors": ("ndarray", per_factor(pub.stds)),
        "evs_extrapolated": ("ndarray", extrapolated(pub.evs)),
        "stds_extrapolated": ("ndarray", extrapolated(pub.stds)),
    }


def _data_bin(shape: tuple[int, ...], fields: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    return _typed(
        "DataBin",
        {
            "field_names": list(fields),
            "field_types": [type_name for type_name, _ in fields.values()],
            "shape": list(shape),
            "fields": {name: value for name, (_, value) in fields.items()},
        },
    )


def _typed(type_name: str, value: Any) -> dict[str, Any]:
    return {"__type__": type_name, "__value__": value}


def _size(shape: tuple[int, ...]) -> int:
    size = 1
    for dimension in shape:
        size *= dimension
    return size


def _dumps(tree: dict[str, Any]) -> str:
    return json.dumps(tree, cls=RuntimeEncoder)
