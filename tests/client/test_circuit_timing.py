"""Circuit timing (IBM's "Visualize circuit timing" guide): `options.experimental = {"execution":
{"scheduler_timing": True}}` puts `compilation.scheduler_timing.timing` in a Sampler PUB's metadata, the
text the client's `draw_circuit_schedule_timing` draws."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from tests.executor_primitives import SAMPLER_SINCE, sampler_class

TIMING = {"execution": {"scheduler_timing": True}}
DRAWING = pytest.mark.min_client("0.43", reason="draw_circuit_schedule_timing came in 0.43")


def _isa(backend, dynamic: bool = False) -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure(0, 0)
    if dynamic:
        with circuit.if_test((circuit.clbits[0], 1)):
            circuit.x(1)
    circuit.measure(1, 1)
    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(circuit)


def _rows(timing: str) -> list[list[str]]:
    return [line.split(",") for line in timing.splitlines() if line]


def _timing_of(sampler_cls, backend, circuit):
    sampler = sampler_cls(mode=backend)
    sampler.options.experimental = TIMING
    pub = sampler.run([circuit], shots=16).result()[0]
    assert sum(pub.data.c.get_counts().values()) == 16
    return pub.metadata["compilation"]["scheduler_timing"]


def test_a_sampler_pub_carries_its_schedule_in_dt_from_the_target(fake_backend):
    from qiskit_ibm_runtime import SamplerV2

    circuit = _isa(fake_backend)
    timing = _timing_of(SamplerV2, fake_backend, circuit)
    rows = _rows(timing["timing"])

    assert rows and all(len(row) == 6 for row in rows)  # Branch, Instruction, Channel, T0, Duration, Pulse
    assert {row[0] for row in rows} == {"main"}
    used = {circuit.find_bit(q).index for inst in circuit.data for q in inst.qubits}
    assert {row[2] for row in rows if row[2].startswith("Qubit ")} == {f"Qubit {q}" for q in used}
    target, dt = fake_backend.target, fake_backend.target.dt
    for _, instruction, channel, _, duration, pulse in rows:
        gate, *qubits = instruction.split("_")
        if gate in target.operation_names and gate != "barrier":
            expected = target[gate][tuple(map(int, qubits))].duration or 0.0
            assert int(duration) == round(expected / dt), instruction
            assert pulse == (
                "shift_phase" if int(duration) == 0 else ("capture" if channel.startswith("AWGR") else "play")
            )
    assert timing["circuit_duration"] == max(int(row[3]) + int(row[4]) for row in rows)


def test_without_the_option_there_is_no_compilation_metadata(fake_backend):
    from qiskit_ibm_runtime import SamplerV2

    pub = SamplerV2(mode=fake_backend).run([_isa(fake_backend)], shots=8).result()[0]
    assert "compilation" not in pub.metadata


def test_the_estimator_returns_no_timing_as_ibm_documents_it_for_sampler_jobs_only(fake_backend):
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import EstimatorV2

    circuit = _isa(fake_backend).remove_final_measurements(inplace=False)
    estimator = EstimatorV2(mode=fake_backend)
    estimator.options.experimental = TIMING
    observable = SparsePauliOp("ZZ").apply_layout(circuit.layout)
    pub = estimator.run([(circuit, observable)], precision=0.2).result()[0]
    assert "compilation" not in pub.metadata


@DRAWING
@pytest.mark.parametrize("dynamic", [False, True])
def test_the_clients_drawing_function_draws_it(fake_backend, dynamic):
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.visualization import draw_circuit_schedule_timing

    timing = _timing_of(SamplerV2, fake_backend, _isa(fake_backend, dynamic))["timing"]
    figure = draw_circuit_schedule_timing(circuit_schedule=timing, filter_barriers=True, width=800)

    assert len(figure.data) >= len([row for row in _rows(timing) if row[1] != "barrier"])
    assert ({row[0] for row in _rows(timing)} >= {"then"}) is dynamic  # the branch drawn above the main line


@SAMPLER_SINCE
def test_the_executor_sampler_carries_it_too(fake_backend):
    timing = _timing_of(sampler_class(), fake_backend, _isa(fake_backend))
    assert _rows(timing["timing"]) and timing["circuit_duration"] > 0
