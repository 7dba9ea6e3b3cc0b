"""Jobs IBM would fail: every failure is an ExecutionError with IBM's reason code."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit

from fakeqpu import execution
from fakeqpu.execution import ExecutionError


def _fails(program_id: str, params: Any, backend: str = "ibm_torino") -> ExecutionError:
    with pytest.raises(ExecutionError) as caught:
        execution.prepare(program_id, params, backend)
    return caught.value


def test_non_isa_circuit_is_1517(raw_params):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()

    error = _fails("sampler", raw_params([circuit, np.array([]), 100]))

    assert error.code == 1517
    assert error.message.startswith(
        "The instruction h on qubits (0,) is not supported by the target system. Transpile your circuits"
    )
    assert error.solution


def test_observable_of_the_wrong_width_is_1501(raw_params, good_bell_unmeasured):
    error = _fails("estimator", raw_params([good_bell_unmeasured, {"ZZ": 1.0}, np.array([]), None]))

    assert error.code == 1501
    assert "(133)" in error.message and "(2)" in error.message


def test_dynamic_circuit_in_the_estimator_is_1522(raw_params, transpile):
    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    with circuit.if_test((circuit.clbits[0], 1)):
        circuit.x(0)
    isa = transpile(circuit, [92])
    label = "I" * 40 + "Z" + "I" * 92

    assert _fails("estimator", raw_params([isa, {label: 1.0}, np.array([]), None])).code == 1522


def test_more_than_ten_million_executions_is_1520(raw_params, bell_isa):
    assert _fails("sampler", raw_params([bell_isa, np.zeros((11, 0)), 1_000_000])).code == 1520


def test_circuit_wider_than_the_backend_is_1520(raw_params):
    circuit = QuantumCircuit(134)
    circuit.measure_all()

    assert _fails("sampler", raw_params([circuit, np.array([]), 10])).code == 1520


@pytest.mark.parametrize(
    "pub",
    [[{"not": "a circuit"}, np.array([]), 10], [], [None], "garbage", 42],  # text is OpenQASM 3: 1603
)
def test_malformed_pubs_are_1521(raw_params, pub):
    assert _fails("sampler", raw_params(pub)).code == 1521


def test_pub_with_too_many_items_is_1521(raw_params, bell_isa):
    assert _fails("sampler", raw_params([bell_isa, np.array([]), 10, "extra"])).code == 1521


def test_wrong_number_of_parameter_values_is_1521(raw_params, sweep_isa):
    assert _fails("sampler", raw_params([sweep_isa, np.zeros((2, 3)), 10])).code == 1521


def test_non_positive_shots_are_1521(raw_params, bell_isa):
    assert _fails("sampler", raw_params([bell_isa, np.array([]), 0])).code == 1521


def test_non_pauli_observable_is_1521(raw_params, good_bell_unmeasured):
    label = "+" + "I" * 132

    assert (
        _fails("estimator", raw_params([good_bell_unmeasured, {label: 1.0}, np.array([]), None])).code == 1521
    )


@pytest.mark.parametrize(
    "params",
    [None, "params", {}, {"pubs": []}, {"pubs": "x"}, {"pubs": [[None]], "options": "x"}],
)
def test_unparseable_params_are_1002(params):
    assert _fails("sampler", params).code == 1002


def test_bad_options_are_1002(raw_params, bell_isa):
    assert _fails("sampler", raw_params([bell_isa, np.array([]), 10], default_shots=-1)).code == 1002


def test_unknown_program_is_1002(raw_params, bell_isa):
    assert _fails("circuit-runner", raw_params([bell_isa, np.array([]), 10])).code == 1002


def test_unknown_backend_is_1007(raw_params, bell_isa):
    assert _fails("sampler", raw_params([bell_isa, np.array([]), 10]), backend="ibm_nowhere").code == 1007


def test_zero_precision_is_1521(raw_params, good_bell_unmeasured):
    label = "I" * 34 + "Z" + "I" * 98

    assert (
        _fails("estimator", raw_params([good_bell_unmeasured, {label: 1.0}, np.array([]), 0.0])).code == 1521
    )


def test_kerneled_measurements_are_refused_not_faked(raw_params, bell_isa):
    params = raw_params([bell_isa, np.array([]), 10], execution={"meas_type": "kerneled"})

    assert _fails("sampler", params).code == 1521
