"""The results body: valid against ibm_quantum_schemas, decoded by the client into real objects."""

from __future__ import annotations

import json

import numpy as np
from ibm_quantum_schemas.estimator.version_0_1.primitive_result import (
    PrimitiveResultWrapperModel as EstimatorResultModel,
)
from ibm_quantum_schemas.sampler.version_0_1.primitive_result import (
    PrimitiveResultWrapperModel as SamplerResultModel,
)
from qiskit.primitives import BitArray, DataBin, PrimitiveResult, PubResult, SamplerPubResult
from qiskit.quantum_info import SparsePauliOp
from qiskit_ibm_runtime.execution_span import DoubleSliceSpan, ExecutionSpans


def test_sampler_result_validates_against_the_schema(run_job, sampler_params, bell_isa, sweep_isa):
    text, _ = run_job("sampler", sampler_params((bell_isa, None, 100), (sweep_isa, np.zeros((3, 2)), 20)))

    model = SamplerResultModel.model_validate_json(text)

    first, second = model.value_.pub_results
    assert first.value_.data.value_.field_types == ["BitArray"]
    assert second.value_.data.value_.shape == (3,)
    span = model.value_.metadata.execution.execution_spans.value_.spans[0].value_
    assert span.data_slices == {0: [[100], 0, 1, 0, 100], 1: [[3, 20], 0, 3, 0, 20]}


def test_estimator_result_validates_against_the_schema(run_job, estimator_params, good_bell_unmeasured):
    observables = [SparsePauliOp(label).apply_layout(good_bell_unmeasured.layout) for label in ("ZZ", "XX")]

    text, _ = run_job("estimator", estimator_params((good_bell_unmeasured, observables)))

    model = EstimatorResultModel.model_validate_json(text)
    data = model.value_.pub_results[0].value_.data.value_
    assert data.field_names == ["evs", "stds", "ensemble_standard_error"]
    assert data.field_types == ["ndarray"] * 3
    assert data.fields.evs is not None and data.fields.evs.type_ == "ndarray"
    assert model.value_.metadata.version == 2


def test_sampler_result_decodes_into_client_objects(run_job, sampler_params, bell_isa, window):
    text, result = run_job("sampler", sampler_params((bell_isa, None, 100)))

    assert json.loads(text)["__type__"] == "PrimitiveResult"
    assert isinstance(result, PrimitiveResult)
    pub = result[0]
    assert isinstance(pub, SamplerPubResult)
    assert isinstance(pub.data, DataBin)
    assert isinstance(pub.data.meas, BitArray)
    assert pub.metadata == {"circuit_metadata": {}}
    spans = result.metadata["execution"]["execution_spans"]
    assert isinstance(spans, ExecutionSpans)
    (span,) = spans
    assert isinstance(span, DoubleSliceSpan)
    assert (span.start, span.stop) == window
    assert span.size == 100
    assert result.metadata["version"] == 2


def test_estimator_result_decodes_into_client_objects(run_job, estimator_params, good_bell_unmeasured):
    observable = SparsePauliOp("ZZ").apply_layout(good_bell_unmeasured.layout)

    _, result = run_job("estimator", estimator_params((good_bell_unmeasured, [[observable], [observable]])))

    pub = result[0]
    assert isinstance(pub, PubResult)
    assert isinstance(pub.data.evs, np.ndarray)
    assert pub.data.evs.shape == pub.data.stds.shape == pub.data.ensemble_standard_error.shape == (2, 1)
    assert pub.metadata["circuit_metadata"] == {}
    assert result.metadata["twirling"]["enable_measure"] is True
    assert result.metadata["dynamical_decoupling"]["enable"] is False


def test_circuit_metadata_travels_back(run_job, sampler_params, bell_isa):
    circuit = bell_isa.copy()
    circuit.metadata = {"experiment": "bell", "index": 3}

    _, result = run_job("sampler", sampler_params((circuit, None, 10)))

    assert result[0].metadata["circuit_metadata"] == {"experiment": "bell", "index": 3}
