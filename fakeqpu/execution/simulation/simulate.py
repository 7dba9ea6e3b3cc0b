"""Aer runs over compact circuits: runs that share a noise model and a shot count are batched; each
circuit runs on the rung of the method ladder (`ladder.py`) that fits the job's budget."""

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
from fakeqpu.execution.simulation import ladder, noise, plan, progress, trajectories
from fakeqpu.memo import ByIdentity


@dataclass(frozen=True)
class Experiment:
    circuit: QuantumCircuit
    bindings: NDArray[np.float64]
    """(N, len(circuit.parameters)), columns in `circuit.parameters` order; (1, 0) when unparameterised."""
    simulator: Any  # AerSimulator
    noise_key: Hashable
    shots: int
    label: str = ""
    """Which part of the job it samples ("pub 0"), for the method report."""


def bindings(pub: Any, parameters: Any) -> NDArray[np.float64]:
    """The pub's parameter sets as (N, len(parameters)), N = the product of its sweep shape."""
    num_sets = int(np.prod(pub.parameter_values.shape, dtype=int))
    return np.asarray(pub.parameter_values.as_array(parameters), dtype=float).reshape(
        num_sets, len(parameters)
    )


def sample(experiments: Sequence[Experiment], seed: int) -> list[NDArray[np.bool_]]:
    """Per experiment, the clbits of every shot: bool (N, shots, num_clbits), clbit i in column i.

    Each experiment gets a share of the job's simulation budget (`_shares`) and the most faithful
    method that fits it (see `ladder.py`), reported to `plan`."""
    groups: dict[tuple[Hashable, int], list[int]] = {}
    for position, experiment in enumerate(experiments):
        groups.setdefault((experiment.noise_key, experiment.shots), []).append(position)
    out: list[NDArray[np.bool_]] = [np.zeros(0, dtype=bool)] * len(experiments)
    shares = _shares(experiments)
    for run_index, members in enumerate(groups.values()):
        batch = [experiments[position] for position in members]
        budgets = [shares[position] for position in members]
        for position, bits in zip(members, _run(batch, _run_seed(seed, run_index), budgets), strict=True):
            out[position] = bits
    return out


def _run_seed(seed: int, run_index: int) -> int:
    return int(np.random.SeedSequence([seed % 2**64, run_index]).generate_state(1)[0])


def check_exact(experiments: Sequence[Experiment]) -> None:
    """Raise `plan.not_exact` if, under the current policy, some experiment would be approximated."""
    _choices(experiments, _shares(experiments))


def _shares(experiments: Sequence[Experiment]) -> list[float]:
    """The job's budget shared out by water-filling: an experiment whose most faithful method costs
    less than an equal share gets just that, the others split what is left equally (so a job of
    many small PUBs and one wide one approximates only the wide one)."""
    budget = plan.policy().budget_seconds
    wanted = [
        ladder.choose(_stats(e.circuit), e.shots, len(e.bindings), math.inf, False)[0].predicted_seconds
        for e in experiments
    ]
    shares = [0.0] * len(experiments)
    remaining, left = budget, len(experiments)
    for position in sorted(range(len(experiments)), key=lambda p: wanted[p]):
        shares[position] = min(wanted[position], remaining / left)
        remaining -= shares[position]
        left -= 1
    return shares


def _choices(batch: Sequence[Experiment], budgets: Sequence[float]) -> list[ladder.Choice]:
    policy = plan.policy()
    choices = []
    for experiment, budget in zip(batch, budgets, strict=True):
        choice, exact = ladder.choose(
            _stats(experiment.circuit), experiment.shots, len(experiment.bindings), budget, policy.exact_only
        )
        if policy.exact_only and not choice.exact:
            raise plan.not_exact(
                choice.method, exact.predicted_seconds if exact else math.inf, experiment.label
            )
        choices.append(choice)
    return choices


def _run(batch: Sequence[Experiment], seed: int, budgets: Sequence[float]) -> list[NDArray[np.bool_]]:
    choices = _choices(batch, budgets)
    out: list[NDArray[np.bool_]] = [np.zeros(0, dtype=bool)] * len(batch)
    per_shot: dict[tuple[str, int | None], list[int]] = {}
    for position, choice in enumerate(choices):
        if choice.trajectories is None or noise.trajectory_noise(batch[position].simulator) is None:
            per_shot.setdefault((choice.aer_method, choice.max_bond_dimension), []).append(position)
    for run_index, ((method, bond), members) in enumerate(per_shot.items()):
        members_batch = [batch[position] for position in members]
        with progress.tracking(members_batch, [choices[p] for p in members]) as track:
            bits, results = _per_shot(members_batch, _run_seed(seed, run_index), method, bond)
            track.done(results)
        for position, member_bits in zip(members, bits, strict=True):
            out[position] = member_bits
    for position, choice in enumerate(choices):
        if choice.trajectories is None or position in _flat(per_shot):
            continue
        experiment = batch[position]
        with progress.tracking([experiment], [choice]) as track:
            out[position], results = _trajectory_run(experiment, choice, _run_seed(seed, 1000 + position))
            track.done(results)
    return out


def _flat(groups: dict[Any, list[int]]) -> set[int]:
    return {position for members in groups.values() for position in members}


_STATS: ByIdentity[ladder.CircuitStats] = ByIdentity(256)


def _stats(circuit: QuantumCircuit) -> ladder.CircuitStats:
    return _STATS.get_or_build(circuit, lambda: ladder.stats(circuit))


def _binds(experiment: Experiment) -> tuple[list[QuantumCircuit], list[dict[Any, list[float]]]]:
    parameters = experiment.circuit.parameters
    if len(parameters):
        return [experiment.circuit], [
            {parameter: experiment.bindings[:, i].tolist() for i, parameter in enumerate(parameters)}
        ]
    # A sweep of an unparameterised circuit (shape without parameters) still has N results.
    return [experiment.circuit] * len(experiment.bindings), [{} for _ in range(len(experiment.bindings))]


def _per_shot(
    batch: Sequence[Experiment], seed: int, method: str, bond: int | None
) -> tuple[list[NDArray[np.bool_]], list[Any]]:
    """One noisy trajectory per shot (Aer's noise model), the experiments of `batch` in one run."""
    circuits: list[QuantumCircuit] = []
    binds: list[dict[Any, list[float]]] = []
    for experiment in batch:
        more_circuits, more_binds = _binds(experiment)
        circuits += more_circuits
        binds += more_binds
    options: dict[str, Any] = {}
    if bond is not None:
        options = {"matrix_product_state_max_bond_dimension": bond, "mps_log_data": True}
    results = _execute(batch[0].simulator, circuits, binds, batch[0].shots, seed, method, options)
    outputs = iter(results)
    bits = [
        np.stack(
            [
                _bits(
                    getattr(next(outputs).data, "memory", None),
                    experiment.shots,
                    experiment.circuit.num_clbits,
                )
                for _ in range(len(experiment.bindings))
            ]
        )
        for experiment in batch
    ]
    return bits, results


def _trajectory_run(
    experiment: Experiment, choice: ladder.Choice, seed: int
) -> tuple[NDArray[np.bool_], list[Any]]:
    """K noise trajectories (`trajectories.py`), ceil(shots/K) shots from each, shuffled, cut to shots."""
    trajectory_noise = noise.trajectory_noise(experiment.simulator)
    assert trajectory_noise is not None and choice.trajectories is not None
    rng = np.random.default_rng(np.random.SeedSequence([seed % 2**64, 7]))
    count = choice.trajectories
    options: dict[str, Any] = {}
    if choice.max_bond_dimension is not None:
        options = {"matrix_product_state_max_bond_dimension": choice.max_bond_dimension, "mps_log_data": True}
    shots = experiment.shots
    each = -(-shots // count)
    sets = len(experiment.bindings)
    original = list(experiment.circuit.parameters)
    if choice.aer_method == "stabilizer":  # Aer's stabilizer method binds no parameters: K circuits
        circuits = trajectories.noisy_circuits(experiment.circuit, trajectory_noise.channels, count, rng)
        binds = [{p: experiment.bindings[:, i].tolist() for i, p in enumerate(original)} for _ in circuits]
        if not original:
            circuits = [circuit for circuit in circuits for _ in range(sets)]
            binds = [{} for _ in circuits]
        order = "trajectory"
    else:
        template, added, values = trajectories.noisy_template(
            experiment.circuit, trajectory_noise.channels, count, rng
        )
        if choice.order:
            template = trajectories.relabelled(template, choice.order)
        bind: dict[Any, list[float]] = {
            p: np.repeat(experiment.bindings[:, i], count).tolist() for i, p in enumerate(original)
        }
        bind.update({p: np.tile(values[:, j], sets).tolist() for j, p in enumerate(added)})
        if bind:
            circuits, binds = [template], [bind]
        else:
            circuits, binds = [template] * (sets * count), [{} for _ in range(sets * count)]
        order = "set"
    results = _execute(trajectory_noise.readout, circuits, binds, each, seed, choice.aer_method, options)
    per_set: list[list[NDArray[np.bool_]]] = [[] for _ in range(sets)]
    for index, result in enumerate(results):
        which = index // count if order == "set" else index % sets
        per_set[which].append(
            _bits(getattr(result.data, "memory", None), each, experiment.circuit.num_clbits)
        )
    stacked = np.stack([np.concatenate(blocks)[rng.permutation(each * count)[:shots]] for blocks in per_set])
    return stacked, results


def _execute(
    simulator: Any,
    circuits: list[QuantumCircuit],
    binds: list[dict[Any, list[float]]],
    shots: int,
    seed: int,
    method: str,
    options: dict[str, Any],
) -> list[Any]:
    if shots <= _seed_stride() or (len(circuits) == 1 and all(len(v) <= 1 for v in binds[0].values())):
        return _aer_results(simulator, circuits, binds, shots, seed, method, options)
    # Aer seeds experiment k with seed + stride·k and, shot by shot, shot s with that + s: past
    # `stride` shots the experiments of one run would replay each other's random draws. Each then
    # runs on its own, with an independent seed.
    results: list[Any] = []
    for circuit, bind in zip(circuits, binds, strict=True):
        values = list(zip(*bind.values(), strict=True)) if bind else [()]
        for point in values:
            single = {parameter: [value] for parameter, value in zip(bind, point, strict=True)}
            results += _aer_results(
                simulator, [circuit], [single], shots, _run_seed(seed, len(results)), method, options
            )
    return results


def _aer_results(
    simulator: Any,
    circuits: list[QuantumCircuit],
    binds: list[dict[Any, list[float]]],
    shots: int,
    seed: int,
    method: str,
    options: dict[str, Any],
) -> list[Any]:
    """Aer's per-experiment results (one per circuit and parameter set). A stabilizer run Aer refuses
    (a gate it cannot apply, known before simulating anything) runs on matrix product states."""
    methods = (method, "matrix_product_state") if method == "stabilizer" else (method,)
    for attempt in methods:
        try:
            result = simulator.run(
                circuits,
                parameter_binds=binds if any(binds) else None,
                shots=shots,
                seed_simulator=seed,
                memory=True,
                method=attempt,
                **options,
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
    """The Aer methods the ladder's exact rungs use for these circuits, ignoring their cost (kept for
    the tests of the wide noise paths)."""
    if max(circuit.num_qubits for circuit in circuits) <= 20:
        return ("automatic",)
    if all(ladder.looks_clifford(circuit) for circuit in circuits):
        return ("stabilizer", "matrix_product_state")
    return ("matrix_product_state",)


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
