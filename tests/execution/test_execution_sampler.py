"""Sampler V2 jobs: counts, shapes, shots, registers, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.primitives import BitArray, PrimitiveResult, SamplerPubResult

from fakeqpu import execution


def test_bell_counts_sum_to_shots_in_the_meas_register(run_job, sampler_params, bell_isa):
    _, result = run_job("sampler", sampler_params((bell_isa, None, 1000)))

    assert isinstance(result, PrimitiveResult)
    assert isinstance(result[0], SamplerPubResult)
    bits = result[0].data.meas
    assert isinstance(bits, BitArray)
    assert (bits.shape, bits.num_shots, bits.num_bits) == ((), 1000, 2)
    counts = bits.get_counts()
    assert sum(counts.values()) == 1000
    assert set(counts) <= {"00", "01", "10", "11"}
    assert list(result[0].data) == ["meas"]


def test_bell_on_a_good_pair_is_mostly_correlated(run_job, sampler_params, good_bell_isa):
    _, result = run_job("sampler", sampler_params((good_bell_isa, None, 4000)))

    counts = result[0].data.meas.get_counts()
    correlated = (counts.get("00", 0) + counts.get("11", 0)) / 4000
    assert 0.9 <= correlated <= 0.99
    assert abs(counts.get("00", 0) - counts.get("11", 0)) < 400


def test_parameter_sweep_gives_one_bit_array_entry_per_parameter_set(run_job, sampler_params, sweep_isa):
    values = np.array([[0.0, 0.0], [math.pi, 0.0], [0.0, math.pi]])  # columns follow circuit.parameters: a, b

    _, result = run_job("sampler", sampler_params((sweep_isa, values, 500)))

    bits = result[0].data.meas
    assert bits.shape == (3,)
    assert bits.num_shots == 500
    most_common = [max(bits[i].get_counts().items(), key=lambda item: item[1])[0] for i in range(3)]
    assert most_common == ["00", "01", "10"]


def test_sweep_of_higher_rank_keeps_its_shape(run_job, sampler_params, sweep_isa):
    values = np.zeros((2, 3, 2))

    _, result = run_job("sampler", sampler_params((sweep_isa, values, 10)))

    assert result[0].data.meas.shape == (2, 3)
    assert result.metadata["execution"]["execution_spans"][0].size == 60


def test_several_pubs_with_their_own_shots(run_job, sampler_params, bell_isa, good_bell_isa, sweep_isa):
    params = sampler_params(
        (bell_isa, None, 100), (good_bell_isa, None, 300), (sweep_isa, np.zeros((4, 2)), 50)
    )

    _, result = run_job("sampler", params)

    assert len(result) == 3
    shapes = [(pub.data.meas.shape, pub.data.meas.num_shots) for pub in result]
    assert shapes == [((), 100), ((), 300), ((4,), 50)]


def test_null_shots_fall_back_to_default_shots(run_job, sampler_params, bell_isa):
    params = sampler_params(bell_isa, default_shots=123)
    assert params["pubs"][0][2] is None  # what the client really sends

    _, result = run_job("sampler", params)

    assert result[0].data.meas.num_shots == 123


def test_without_options_default_shots_is_4096(run_job, sampler_params, bell_isa):
    _, result = run_job("sampler", sampler_params(bell_isa))

    assert result[0].data.meas.num_shots == 4096


def test_registers_keep_their_names_and_bit_order(run_job, sampler_params, transpile):
    qubits = QuantumRegister(3, "q")
    alpha, beta = ClassicalRegister(2, "alpha"), ClassicalRegister(1, "beta")
    circuit = QuantumCircuit(qubits, alpha, beta)
    circuit.x(1)
    circuit.measure(qubits[0], alpha[0])
    circuit.measure(qubits[1], alpha[1])
    circuit.measure(qubits[2], beta[0])
    isa = transpile(circuit, [92, 99, 100])

    _, result = run_job("sampler", sampler_params((isa, None, 500)))

    data = result[0].data
    assert list(data) == ["alpha", "beta"]
    assert max(data.alpha.get_counts().items(), key=lambda item: item[1])[0] == "10"
    assert max(data.beta.get_counts().items(), key=lambda item: item[1])[0] == "0"


def test_dynamic_circuit_runs(run_job, sampler_params, transpile):
    circuit = QuantumCircuit(2, 2)
    circuit.x(0)
    circuit.measure(0, 0)
    with circuit.if_test((circuit.clbits[0], 1)):
        circuit.x(1)
    circuit.measure(1, 1)
    isa = transpile(circuit, [92, 99])

    _, result = run_job("sampler", sampler_params((isa, None, 400)))

    counts = result[0].data.c.get_counts()
    assert max(counts.items(), key=lambda item: item[1])[0] == "11"


def test_same_seed_same_text_different_seed_different_counts(run_job, sampler_params, bell_isa):
    params = sampler_params((bell_isa, None, 1000))

    first, result = run_job("sampler", params, seed=1)
    again, _ = run_job("sampler", params, seed=1)
    _, other = run_job("sampler", params, seed=2)

    assert first == again
    assert result[0].data.meas.get_counts() != other[0].data.meas.get_counts()


def test_seed_simulator_option_wins_over_the_seed_argument(run_job, sampler_params, bell_isa):
    params = sampler_params((bell_isa, None, 1000), simulator={"seed_simulator": 11})

    first, _ = run_job("sampler", params, seed=1)
    second, _ = run_job("sampler", params, seed=2)

    assert first == second


def test_prepare_counts_executions_and_estimates_seconds(sampler_params, sweep_isa, backend):
    params = sampler_params((sweep_isa, np.zeros((3, 2)), 1000), execution={"rep_delay": 0.0001})

    prepared = execution.prepare("sampler", params, "ibm_torino")

    assert (prepared.program_id, prepared.backend_name) == ("sampler", "ibm_torino")
    assert prepared.num_executions == 3000
    duration = sweep_isa.estimate_duration(backend.target, unit="s")
    assert duration > 0
    assert prepared.estimated_seconds == 2 + (0.0001 + duration) * 3000


def test_default_rep_delay_comes_from_the_configuration(sampler_params, bell_isa, backend):
    prepared = execution.prepare("sampler", sampler_params((bell_isa, None, 1000)), "ibm_torino")

    duration = bell_isa.estimate_duration(backend.target, unit="s")
    assert math.isclose(prepared.estimated_seconds, 2 + (250e-6 + duration) * 1000)


@pytest.mark.parametrize("num_clbits", [1, 2, 4, 5, 9, 17])
def test_aer_memory_words_become_bits_with_clbit_zero_first(num_clbits):
    from fakeqpu.execution.simulation.simulate import _bits

    rng = np.random.default_rng(num_clbits)
    values = rng.integers(0, 2**num_clbits, size=300)
    memory = [hex(int(value)) for value in values]  # Aer's words: no leading zeros
    bits = _bits(memory, 300, num_clbits)
    expected = (values[:, np.newaxis] >> np.arange(num_clbits)) & 1
    assert bits.shape == (300, num_clbits) and bits.dtype == bool
    assert np.array_equal(bits, expected.astype(bool))
