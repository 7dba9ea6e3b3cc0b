"""Shared circuits (transpiled once per session) and job params built the way the client builds them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder
from qiskit_ibm_runtime.options import EstimatorOptions, SamplerOptions

from fakeqpu import execution
from fakeqpu.backend_data import get_backend_data

BACKEND = "ibm_torino"
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
STOP = datetime(2026, 3, 1, 12, 0, 3, tzinfo=UTC)
# The lowest cz + readout error pair of the ibm_torino snapshot.
GOOD_PAIR = [92, 99]

Params = dict[str, Any]


def _client_params(pubs: Sequence[Any], options: Any) -> Params:
    """`params` of `POST /jobs` as SamplerV2/EstimatorV2 send it, decoded as the server decodes it."""
    inputs: Params = {"pubs": list(pubs)}
    inputs.update(type(options)._get_program_inputs(asdict(options)))
    return dict(json.loads(json.dumps(inputs, cls=RuntimeEncoder), cls=RuntimeDecoder))


@pytest.fixture(scope="session")
def window() -> tuple[datetime, datetime]:
    """The start and stop every `run_job` passes to `execution.run`."""
    return START, STOP


@pytest.fixture(scope="session")
def backend() -> Any:
    return get_backend_data(BACKEND).fake_backend()


@pytest.fixture(scope="session")
def transpile(backend: Any) -> Callable[..., QuantumCircuit]:
    managers: dict[tuple[int, ...] | None, Any] = {}

    def run(circuit: QuantumCircuit, layout: Sequence[int] | None = None) -> QuantumCircuit:
        key = None if layout is None else tuple(layout)
        if key not in managers:
            managers[key] = generate_preset_pass_manager(
                backend=backend, optimization_level=1, initial_layout=layout, seed_transpiler=1
            )
        out: QuantumCircuit = managers[key].run(circuit)
        return out

    return run


def _bell(measure: bool = True) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    if measure:
        circuit.measure_all()
    return circuit


@pytest.fixture(scope="session")
def bell_isa(transpile: Callable[..., QuantumCircuit]) -> QuantumCircuit:
    """A Bell pair as generate_preset_pass_manager(backend=FakeTorino(), optimization_level=1) lays it out."""
    return transpile(_bell())


@pytest.fixture(scope="session")
def good_bell_isa(transpile: Callable[..., QuantumCircuit]) -> QuantumCircuit:
    return transpile(_bell(), GOOD_PAIR)


@pytest.fixture(scope="session")
def good_bell_unmeasured(transpile: Callable[..., QuantumCircuit]) -> QuantumCircuit:
    return transpile(_bell(measure=False), GOOD_PAIR)


@pytest.fixture(scope="session")
def sweep_isa(transpile: Callable[..., QuantumCircuit]) -> QuantumCircuit:
    """rx(a) on one qubit, ry(b) on another, both measured: outcomes follow the parameter values."""
    a, b = Parameter("a"), Parameter("b")
    circuit = QuantumCircuit(2)
    circuit.rx(a, 0)
    circuit.ry(b, 1)
    circuit.measure_all()
    return transpile(circuit, GOOD_PAIR)


@pytest.fixture
def sampler_params() -> Callable[..., Params]:
    def build(*pubs: Any, shots: int | None = None, **options: Any) -> Params:
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        return _client_params(coerced, SamplerOptions(**options))

    return build


@pytest.fixture
def estimator_params() -> Callable[..., Params]:
    def build(*pubs: Any, precision: float | None = None, **options: Any) -> Params:
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        return _client_params(coerced, EstimatorOptions(**options))

    return build


@pytest.fixture
def raw_params() -> Callable[..., Params]:
    """`params` with hand-made pubs, for what the client would refuse to send."""

    def build(*pubs: Any, **options: Any) -> Params:
        inputs = {"pubs": list(pubs), "options": options, "version": 2, "support_qiskit": True}
        return dict(json.loads(json.dumps(inputs, cls=RuntimeEncoder), cls=RuntimeDecoder))

    return build


@pytest.fixture
def run_job() -> Callable[..., tuple[str, Any]]:
    """prepare + run one job; the results text and what the client decodes it into."""

    def run(program_id: str, params: Params, seed: int = 7) -> tuple[str, Any]:
        prepared = execution.prepare(program_id, params, BACKEND)
        text = execution.run(prepared, seed=seed, start=START, stop=STOP)
        return text, json.loads(text, cls=RuntimeDecoder)

    return run
