"""Sampler V2: every classical register of every pub, as a BitArray over the pub's shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.primitives import BitArray

from fakeqpu.execution.simulation import noise
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.simulate import Experiment, bindings, check_exact, sample
from fakeqpu.memo import ByIdentity


@dataclass(frozen=True)
class SamplerPubData:
    shape: tuple[int, ...]
    shots: int
    registers: dict[str, BitArray]
    circuit_metadata: dict[str, Any]


# A pub's experiment (cut circuit, bindings, simulator) by the pub object: prepared jobs of the same
# params share their pubs (see `execution.prepare`), so a repeated job cuts nothing again.
_EXPERIMENTS: ByIdentity[Experiment] = ByIdentity(64)


def run_sampler(pubs: Sequence[Any], backend_name: str, seed: int) -> list[SamplerPubData]:
    experiments = _labelled(pubs, backend_name)
    outcomes = sample(experiments, seed)
    return [
        _pub_data(pub, experiment, bits)
        for pub, experiment, bits in zip(pubs, experiments, outcomes, strict=True)
    ]


def check_exact_sampler(pubs: Sequence[Any], backend_name: str) -> None:
    """Fail (`plan.not_exact`) when the current exact-only policy cannot sample every pub exactly."""
    check_exact(_labelled(pubs, backend_name))


def _labelled(pubs: Sequence[Any], backend_name: str) -> list[Experiment]:
    return [
        replace(_cached_experiment(pub, backend_name), label=f"pub {index}") for index, pub in enumerate(pubs)
    ]


def _cached_experiment(pub: Any, backend_name: str) -> Experiment:
    return _EXPERIMENTS.get_or_build(pub, lambda: _experiment(pub, backend_name), backend_name)


def _experiment(pub: Any, backend_name: str) -> Experiment:
    circuit, qubits = cut(pub.circuit)
    operations = physical_operations(circuit, qubits)
    return Experiment(
        circuit=circuit,
        bindings=bindings(pub, circuit.parameters),
        simulator=noise.simulator(backend_name, qubits, operations),
        noise_key=(qubits, operations),
        shots=pub.shots,
    )


def _pub_data(pub: Any, experiment: Experiment, bits: NDArray[np.bool_]) -> SamplerPubData:
    circuit = experiment.circuit
    shape = tuple(pub.shape)
    registers = {}
    for creg in circuit.cregs:
        columns = [circuit.find_bit(clbit).index for clbit in creg]
        register_bits = bits[:, :, columns].reshape(*shape, pub.shots, len(columns))
        registers[creg.name] = BitArray.from_bool_array(register_bits, order="little")
    return SamplerPubData(shape, pub.shots, registers, dict(circuit.metadata or {}))
