"""Cutting to the used qubits, the compact noise model, and its cache."""

from __future__ import annotations

from qiskit_aer import AerSimulator

from fakeqpu import execution
from fakeqpu.execution import noise
from fakeqpu.execution.cutting import cut, physical_operations


def test_cut_keeps_only_the_used_qubits(good_bell_isa):
    circuit, qubits = cut(good_bell_isa)

    assert good_bell_isa.num_qubits == 133
    assert qubits == (92, 99)
    assert circuit.num_qubits == 2
    assert circuit.cregs == good_bell_isa.cregs
    assert "barrier" not in circuit.count_ops()
    assert circuit.count_ops()["measure"] == 2


def test_cut_keeps_extra_qubits_and_names_physical_operations(good_bell_isa):
    circuit, qubits = cut(good_bell_isa, keep={5})

    assert qubits == (5, 92, 99)
    operations = physical_operations(circuit, qubits)
    assert ("measure", (92,)) in operations
    assert {qargs for name, qargs in operations if name == "cz"} <= {(92, 99), (99, 92)}
    assert all(5 not in qargs for _, qargs in operations)


def test_compact_noise_gives_the_full_device_distribution(run_job, sampler_params, bell_isa, backend):
    shots = 4000
    full = (
        AerSimulator.from_backend(backend).run(bell_isa, shots=shots, seed_simulator=5).result().get_counts()
    )

    _, result = run_job("sampler", sampler_params((bell_isa, None, shots)))

    compact = result[0].data.meas.get_counts()
    distance = sum(abs(full.get(key, 0) - compact.get(key, 0)) for key in {*full, *compact}) / (2 * shots)
    assert distance < 0.04


def test_second_run_reuses_the_noise_model(run_job, sampler_params, good_bell_isa):
    params = sampler_params((good_bell_isa, None, 100))
    run_job("sampler", params)
    before = noise.cache_stats()

    run_job("sampler", params)

    after = noise.cache_stats()
    assert after.builds == before.builds
    assert after.hits == before.hits + 1


def test_warm_loads_the_backend():
    execution.warm("ibm_torino")

    assert noise.backend_target("ibm_torino").num_qubits == 133
