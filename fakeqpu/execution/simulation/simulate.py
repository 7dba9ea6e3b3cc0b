"""Aer runs over compact circuits: runs that share a noise model and a shot count are batched."""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import QuantumCircuit

from fakeqpu.execution.errors import INCOMPATIBLE, ExecutionError

_STATEVECTOR_MAX_QUBITS = 20
_CLIFFORD_GATES = frozenset(
    {"id", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "cy", "cz", "swap", "ecr", "iswap"}
)
_NOT_GATES = frozenset({"measure", "reset", "barrier", "delay"})
_ROTATIONS = frozenset({"rz", "rx", "ry", "p", "rzz"})


@dataclass(frozen=True)
class Experiment:
    circuit: QuantumCircuit
    bindings: NDArray[np.float64]
    """(N, len(circuit.parameters)), columns in `circuit.parameters` order; (1, 0) when unparameterised."""
    simulator: Any  # AerSimulator
    noise_key: Hashable
    shots: int


def bindings(pub: Any, parameters: Any) -> NDArray[np.float64]:
    """The pub's parameter sets as (N, len(parameters)), N = the product of its sweep shape."""
    num_sets = int(np.prod(pub.parameter_values.shape, dtype=int))
    return np.asarray(pub.parameter_values.as_array(parameters), dtype=float).reshape(
        num_sets, len(parameters)
    )


def sample(experiments: Sequence[Experiment], seed: int) -> list[NDArray[np.bool_]]:
    """Per experiment, the clbits of every shot: bool (N, shots, num_clbits), clbit i in column i."""
    groups: dict[tuple[Hashable, int], list[int]] = {}
    for position, experiment in enumerate(experiments):
        groups.setdefault((experiment.noise_key, experiment.shots), []).append(position)
    out: list[NDArray[np.bool_]] = [np.zeros(0, dtype=bool)] * len(experiments)
    for run_index, members in enumerate(groups.values()):
        batch = [experiments[position] for position in members]
        for position, bits in zip(members, _run(batch, _run_seed(seed, run_index)), strict=True):
            out[position] = bits
    return out


def _run_seed(seed: int, run_index: int) -> int:
    return int(np.random.SeedSequence([seed % 2**64, run_index]).generate_state(1)[0])


def _run(batch: Sequence[Experiment], seed: int) -> list[NDArray[np.bool_]]:
    circuits: list[QuantumCircuit] = []
    binds: list[dict[Any, list[float]]] = []
    for experiment in batch:
        parameters = experiment.circuit.parameters
        if len(parameters):
            circuits.append(experiment.circuit)
            binds.append(
                {parameter: experiment.bindings[:, i].tolist() for i, parameter in enumerate(parameters)}
            )
        else:
            # A sweep of an unparameterised circuit (shape without parameters) still has N results.
            circuits.extend([experiment.circuit] * len(experiment.bindings))
            binds.extend({} for _ in range(len(experiment.bindings)))
    shots = batch[0].shots
    simulator = batch[0].simulator
    if shots <= _seed_stride() or sum(len(experiment.bindings) for experiment in batch) == 1:
        results = _aer_results(simulator, circuits, binds, shots, seed)
    else:
        # Aer seeds experiment k with seed + stride·k and, shot by shot, shot s with that + s: past
        # `stride` shots the experiments of one run would replay each other's random draws. Each then
        # runs on its own, with an independent seed.
        results = []
        for circuit, bind in zip(circuits, binds, strict=True):
            values = list(zip(*bind.values(), strict=True)) if bind else [()]
            for point in values:
                single = {parameter: [value] for parameter, value in zip(bind, point, strict=True)}
                results += _aer_results(simulator, [circuit], [single], shots, _run_seed(seed, len(results)))
    outputs = iter(results)
    return [
        np.stack(
            [
                _bits(getattr(next(outputs).data, "memory", None), shots, experiment.circuit.num_clbits)
                for _ in range(len(experiment.bindings))
            ]
        )
        for experiment in batch
    ]


def _aer_results(
    simulator: Any, circuits: list[QuantumCircuit], binds: list[dict[Any, list[float]]], shots: int, seed: int
) -> list[Any]:
    """Aer's per-experiment results (one per circuit and parameter set), the first method that applies."""
    for method in _methods(circuits):
        try:
            result = simulator.run(
                circuits,
                parameter_binds=binds if any(binds) else None,
                shots=shots,
                seed_simulator=seed,
                memory=True,
                method=method,
            ).result()
        except Exception as exc:
            raise ExecutionError(INCOMPATIBLE, f"fakeqpu could not simulate the circuits: {exc}") from None
        if result.success:
            return list(result.results)
    raise ExecutionError(INCOMPATIBLE, f"fakeqpu could not simulate the circuits: {result.status}")


@functools.cache
def _seed_stride() -> int:
    """How far apart Aer seeds the experiments of one run (2113 in qiskit-aer 0.18), read from Aer
    itself so that another release's stride is followed."""
    from qiskit_aer import AerSimulator

    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    results = AerSimulator().run([circuit, circuit], shots=1, seed_simulator=0).result().results
    return max(1, abs(int(results[1].seed_simulator) - int(results[0].seed_simulator)))


def _methods(circuits: Sequence[QuantumCircuit]) -> tuple[str, ...]:
    """Aer methods to try in turn (Aer refuses one it cannot apply before simulating anything).

    Past ~20 qubits a statevector per shot is hopeless: Clifford circuits go to the stabilizer
    method, anything else to matrix product states, fine for the low-entanglement circuits of tests.
    """
    if max(circuit.num_qubits for circuit in circuits) <= _STATEVECTOR_MAX_QUBITS:
        return ("automatic",)
    if all(_looks_clifford(circuit) for circuit in circuits):
        return ("stabilizer", "matrix_product_state")
    return ("matrix_product_state",)


def _looks_clifford(circuit: QuantumCircuit) -> bool:
    for instruction in circuit.data:
        operation = instruction.operation
        if operation.name in _CLIFFORD_GATES or operation.name in _NOT_GATES:
            continue
        if operation.name not in _ROTATIONS or len(operation.params) != 1:
            return False
        try:
            quarter_turns = float(operation.params[0]) / (math.pi / 2)
        except TypeError:
            return False  # still a parameter: its value decides
        if abs(quarter_turns - round(quarter_turns)) > 1e-9:
            return False
    return True


_HEX_VALUE = np.zeros(128, dtype=np.uint8)
for _digit in "0123456789abcdef":
    _HEX_VALUE[ord(_digit)] = int(_digit, 16)
    _HEX_VALUE[ord(_digit.upper())] = int(_digit, 16)


def _bits(memory: Sequence[str] | None, shots: int, num_clbits: int) -> NDArray[np.bool_]:
    if not num_clbits or memory is None:
        return np.zeros((shots, num_clbits), dtype=bool)
    if num_clbits <= 4:  # every word is "0x" and one hex digit: read the digits' ASCII codes at once
        digits = np.frombuffer("".join(memory).encode("ascii"), dtype=np.uint8).reshape(len(memory), 3)[:, 2]
        values = _HEX_VALUE[digits]
        return np.unpackbits(values[:, np.newaxis], axis=1, bitorder="little")[:, :num_clbits].astype(bool)
    num_bytes = -(-num_clbits // 8)
    packed = bytes.fromhex("".join(word[2:].zfill(2 * num_bytes) for word in memory))
    # Aer writes clbit 0 as the least significant bit: flip the bytes so byte 0 holds clbits 0-7.
    array = np.frombuffer(packed, dtype=np.uint8).reshape(len(memory), num_bytes)[:, ::-1]
    return np.unpackbits(array, axis=1, bitorder="little")[:, :num_clbits].astype(bool)
