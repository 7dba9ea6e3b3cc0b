"""The legacy NoiseLearner's layers and metadata as IBM reports them: a layer is its gates and the
qubits its twirling strategy twirls; `input_options` echoes every learner option, defaults included."""

from __future__ import annotations

import warnings

import pytest
from qiskit import QuantumCircuit

DEFAULTS = {
    "max_execution_time": None,
    "max_layers_to_learn": 4,
    "shots_per_randomization": 128,
    "num_randomizations": 32,
    "layer_pair_depths": [0, 1, 2, 4, 16, 32],
    "twirling_strategy": "active-accum",
}


def learner(mode, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qiskit_ibm_runtime.noise_learner import NoiseLearner
        from qiskit_ibm_runtime.options import NoiseLearnerOptions

        learner_options = NoiseLearnerOptions()
        for name, value in options.items():
            setattr(learner_options, name, value)
        return NoiseLearner(mode=mode, options=learner_options)


def chain(backend) -> tuple[int, int, int]:
    coupling = backend.target.build_coupling_map()
    for a, b in sorted(coupling.get_edges()):
        for c in sorted(coupling.neighbors(b)):
            if c not in (a, b):
                return a, b, c
    raise AssertionError("no chain of three coupled qubits")


@pytest.fixture
def circuits(fake_backend) -> tuple[list[QuantumCircuit], tuple[int, int, int]]:
    """A one-gate circuit on (a, b), and a-b, b-c, a-b on three qubits, in the backend's native gate."""
    a, b, c = chain(fake_backend)
    gate = next(n for n in ("cz", "ecr", "cx") if n in fake_backend.target.operation_names)

    def native(*pairs):
        circuit = QuantumCircuit(fake_backend.num_qubits)
        for pair in pairs:
            if fake_backend.target.instruction_supported(gate, pair):
                getattr(circuit, gate)(*pair)
            else:
                getattr(circuit, gate)(*reversed(pair))
        return circuit

    return [native((a, b)), native((a, b), (b, c), (a, b))], (a, b, c)


@pytest.mark.fakeqpu(job_duration=1)
def test_default_options_learn_each_gate_layer_on_its_accumulated_qubits(fake_backend, circuits):
    sources, (a, b, c) = circuits
    result = learner(fake_backend).run(sources).result()
    # (a, b) alone; then in the 3-qubit circuit (a, b) is first twirled on {a, b} only when nothing
    # else is active yet; (b, c) and the second (a, b) are twirled on all three: 3 layers, not 2
    qubits = sorted(tuple(layer.qubits) for layer in result)
    three = tuple(sorted((a, b, c)))
    assert qubits == sorted([tuple(sorted((a, b))), three, three])
    assert result[0].qubits == sorted((a, b))  # the most frequent layer first (it occurs twice)
    for layer in result:
        assert layer.circuit.num_qubits == len(layer.qubits) == layer.error.num_qubits
    assert result.metadata["backend"] == fake_backend.name
    assert result.metadata["input_options"] == DEFAULTS


@pytest.mark.fakeqpu(job_duration=1)
def test_the_other_strategies_twirl_other_qubits(fake_backend, circuits):
    sources, (a, b, c) = circuits
    active = learner(fake_backend, twirling_strategy="active").run(sources).result()
    assert sorted(tuple(layer.qubits) for layer in active) == sorted(
        [tuple(sorted((a, b))), tuple(sorted((b, c)))]
    )
    whole = learner(fake_backend, twirling_strategy="active-circuit").run(sources).result()
    assert len(whole) == 3  # (a, b) on {a, b} in the first circuit, on {a, b, c} in the second; (b, c)
    assert result_options(whole)["twirling_strategy"] == "active-circuit"


def result_options(result):
    return result.metadata["input_options"]


@pytest.mark.fakeqpu(job_duration=1)
def test_non_default_options_are_echoed_with_the_defaults(fake_backend, circuits):
    sources, _ = circuits
    result = learner(fake_backend, max_layers_to_learn=1, layer_pair_depths=[0, 1]).run(sources).result()
    assert len(result) == 1
    assert result_options(result) == {**DEFAULTS, "max_layers_to_learn": 1, "layer_pair_depths": [0, 1]}


@pytest.mark.fakeqpu(job_duration=1)
def test_no_layers_to_learn(fake_backend, circuits):
    sources, _ = circuits
    result = learner(fake_backend, max_layers_to_learn=0).run(sources).result()
    assert result.data == [] and len(result) == 0
    assert result_options(result) == {**DEFAULTS, "max_layers_to_learn": 0}


@pytest.mark.fakeqpu(job_duration=1)
def test_no_limit_learns_every_layer(fake_backend, circuits):
    sources, _ = circuits
    result = learner(fake_backend, max_layers_to_learn=None, num_randomizations=2).run(sources).result()
    assert len(result) == 3
    assert result_options(result)["max_layers_to_learn"] is None
