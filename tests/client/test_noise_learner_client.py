"""Both noise learners through the real client (program `noise-learner`): NoiseLearnerV3 and the
legacy NoiseLearner, in job mode, a Session and a Batch; rates from the backend's calibration."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit_ibm_runtime import Batch, Session

from fakeqpu.execution.simulation import lindblad, noise

V3 = pytest.mark.min_client("0.47", reason="NoiseLearnerV3 came in 0.47 with the Executor")


def _boxes(backend):
    from samplomatic import InjectNoise, Twirl

    a, b = _coupled_pair(backend)
    two_qubit = next(n for n in ("cz", "ecr", "cx") if n in backend.target.operation_names)
    circuit = QuantumCircuit(backend.num_qubits)
    with circuit.box([Twirl(), InjectNoise(ref="layer")]):
        getattr(circuit, two_qubit)(a, b)
    with circuit.box([Twirl(), InjectNoise(ref="readout")]):
        circuit.measure_all()
    return circuit.data, (a, b), two_qubit


def _coupled_pair(backend):
    edge = sorted(backend.target.build_coupling_map().get_edges())[0]
    return min(edge), max(edge)


def _legacy_learner(mode, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qiskit_ibm_runtime.noise_learner import NoiseLearner

        return NoiseLearner(mode=mode, options=options or None)


@V3
@pytest.mark.parametrize("mode", ["job", "session", "batch"])
def test_noise_learner_v3_rates_come_from_the_calibration(fake_backend, fake_service, mode):
    from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3

    instructions, (a, b), two_qubit = _boxes(fake_backend)
    layer_box = instructions[:1]
    context = {"session": Session, "batch": Batch}.get(mode)
    options = {"num_randomizations": 4, "shots_per_randomization": 32}  # few polls of a short job
    if context is None:
        job = NoiseLearnerV3(fake_backend, options=options).run(layer_box)
        results = job.result()
    else:
        with context(backend=fake_backend) as execution_mode:
            job = NoiseLearnerV3(execution_mode, options=options).run(layer_box)
            results = job.result()
        assert job.session_id == execution_mode.session_id
    assert job.status() == "DONE" and job.primitive_id == "noise-learner"
    assert len(results) == 1 and results[0].metadata["learning_protocol"] == "lindblad"
    pauli_map = results.to_dict(layer_box)["layer"]
    assert pauli_map.num_qubits == 2
    target = noise.backend_target(fake_backend.name)
    expected = lindblad.layer_model(target, (a, b), [(two_qubit, (a, b))])
    assert len(pauli_map) == 15 == len(expected.generators)  # X, Y, Z on each, 9 two-body terms
    assert np.allclose(sorted(pauli_map.rates), sorted(expected.rates))
    # the calibrated gate error comes back: 1 - process fidelity of the learned channel
    error = target[two_qubit][(a, b)].error
    process_fidelity = np.mean([np.exp(-2 * sum(_anticommuting(pauli_map, q))) for q in range(16)])
    assert abs((1 - process_fidelity) * 4 / 5 - error) < 0.2 * error + 1e-4
    again = fake_service.job(job.job_id()).result()
    assert np.allclose(again[0]._rates, results[0]._rates)
    assert job.usage() >= 1
    # 2 s + 6 depths x 9 bases x 4 randomizations x 32 shots, each rep_delay + circuit
    assert job.metrics()["estimated_running_time_seconds"] > 2 + 6 * 9 * 4 * 32 * 1e-4


def _anticommuting(pauli_map, index):
    """Rates of the generators that anticommute with the index-th two-qubit Pauli."""
    from qiskit.quantum_info import Pauli

    labels = [a + b for a in "IXYZ" for b in "IXYZ"]
    probe = Pauli(labels[index])
    return [
        rate
        for pauli, rate in zip(pauli_map.generators().to_sparse_list(), pauli_map.rates, strict=True)
        if not _pauli(pauli, 2).commutes(probe)
    ]


def _pauli(sparse, num_qubits):
    from qiskit.quantum_info import Pauli

    label, indices = sparse[0], sparse[1]
    chars = ["I"] * num_qubits
    for char, index in zip(label, indices, strict=True):
        chars[num_qubits - 1 - index] = char
    return Pauli("".join(chars))


@V3
def test_noise_learner_v3_learns_readout_with_trex(fake_backend):
    from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3

    instructions, _, _ = _boxes(fake_backend)
    readout_box = instructions[1:]
    learner = NoiseLearnerV3(fake_backend)
    learner.options.num_randomizations = 4
    result = learner.run(readout_box).result()[0]
    assert result.metadata["learning_protocol"] == "trex"
    assert result.metadata["post_selection"]["fraction_kept"] == 1.0
    assert not np.any(result._rates_std)  # exact rates: no learning experiment is simulated
    rates = result._rates
    assert rates.shape == (fake_backend.num_qubits,)
    target = noise.backend_target(fake_backend.name)
    flips = (1 - np.exp(-2 * rates)) / 2
    assert np.allclose(
        flips, [min(target["measure"][(q,)].error, 0.499) for q in range(fake_backend.num_qubits)]
    )


@pytest.mark.parametrize("mode", ["job", "session", "batch"])
def test_legacy_noise_learner_reports_layer_errors(fake_backend, fake_service, bell, mode):
    context = {"session": Session, "batch": Batch}.get(mode)
    options = {"max_layers_to_learn": 2, "num_randomizations": 4, "twirling_strategy": "active"}
    if context is None:
        job = _legacy_learner(fake_backend, **options).run([bell, bell])
        result = job.result()
    else:
        with context(backend=fake_backend) as execution_mode:
            job = _legacy_learner(execution_mode, **options).run([bell])
            result = job.result()
        assert job.session_id == execution_mode.session_id
    assert len(result) == 1  # a Bell circuit has one layer of two-qubit gates
    layer = result[0]
    assert type(layer).__name__ == "LayerError"
    assert layer.circuit.num_qubits == len(layer.qubits) == 2
    assert layer.error.num_qubits == 2 and len(layer.error.generators) == 15
    assert np.all(layer.error.rates >= 0) and np.any(layer.error.rates > 0)
    target = noise.backend_target(fake_backend.name)
    ((name, qargs),) = [
        (i.operation.name, tuple(bell.find_bit(q).index for q in i.qubits))
        for i in bell.data
        if len(i.qubits) == 2 and i.operation.name != "barrier"
    ]
    expected = lindblad.layer_model(target, qargs, [(name, qargs)])
    assert tuple(layer.qubits) == expected.qubits
    assert np.allclose(layer.error.rates, expected.rates)
    assert fake_service.job(job.job_id()).result()[0].qubits == layer.qubits
    assert job.usage() >= 1


def test_legacy_noise_learner_accumulates_qubits_and_caps_layers(fake_backend):
    from qiskit.transpiler import generate_preset_pass_manager

    ghz = QuantumCircuit(4)
    ghz.h(0)
    for i in range(3):
        ghz.cx(i, i + 1)
    ghz.measure_all()
    isa = generate_preset_pass_manager(backend=fake_backend, optimization_level=1, seed_transpiler=1).run(ghz)
    result = _legacy_learner(fake_backend, num_randomizations=2, max_layers_to_learn=2).run([isa]).result()
    assert len(result) == 2
    assert all(layer.error.num_qubits == len(layer.qubits) for layer in result)
    assert result.metadata["input_options"]["max_layers_to_learn"] == 2


def test_noise_learner_bad_params_are_refused_and_the_next_job_runs(fake_backend, fake_service, bell):
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError

    with pytest.raises(IBMRuntimeError, match="1208"):
        fake_service._run(
            program_id="noise-learner", inputs={"circuits": "nope"}, options={"backend": fake_backend.name}
        )
    with pytest.raises(IBMRuntimeError, match="1208"):
        fake_service._run(
            program_id="noise-learner",
            inputs={"schema_version": "v9.9"},
            options={"backend": fake_backend.name},
        )
    job = fake_service._run(
        program_id="noise-learner",
        inputs={"circuits": [bell], "options": {"twirling_strategy": "sideways"}},
        options={"backend": fake_backend.name},
    )
    assert job.status() == "ERROR" and "1002" in str(job.error_message())
    assert len(_legacy_learner(fake_backend, num_randomizations=1).run([bell]).result()) == 1


def test_lindblad_rates_reproduce_the_twirled_fidelities():
    from qiskit.quantum_info import pauli_basis

    from fakeqpu.execution.simulation.twirl import pauli_fidelities

    target = noise.backend_target("ibm_torino")
    qargs = sorted(target["cz"])[0]
    model = lindblad.layer_model(target, qargs, [("cz", qargs)])
    fidelities = pauli_fidelities(target, qargs, target["cz"][qargs].duration, target["cz"][qargs].error)
    for label, fidelity in zip(pauli_basis(2).to_labels()[1:], fidelities[1:], strict=True):
        probe = {(k, label[1 - k]) for k in range(2) if label[1 - k] != "I"}
        total = sum(
            rate
            for generator, rate in zip(model.generators, model.rates, strict=True)
            if len({k for k, _ in generator} & {k for k, _ in probe})
            and sum(1 for k, p in generator if (k, p) not in probe and any(k == j for j, _ in probe)) % 2 == 1
        )
        assert math.isclose(math.exp(-2 * total), fidelity, rel_tol=1e-9), label
