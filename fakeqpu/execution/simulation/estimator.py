"""Estimator V2 by measurement, as the hardware does it.

Each pub's Pauli terms are grouped into qubit-wise commuting measurement bases; every basis is
sampled with ceil(1/precision²) shots per parameter set, on the cut circuit with its noise.
Readout error enters like on the device; with measurement mitigation on (resilience level ≥ 1),
each term is divided by the readout fidelity of its support, which is what measurement twirling
plus TREX achieves on average.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import ClassicalRegister, QuantumCircuit
from qiskit.quantum_info import PauliList

from fakeqpu.execution.options import JobOptions
from fakeqpu.execution.pubs import EstimatorTask, flatten_observables
from fakeqpu.execution.simulation import estimator_ladder as ladder
from fakeqpu.execution.simulation import noise, plan
from fakeqpu.execution.simulation.cutting import cut, physical_operations
from fakeqpu.execution.simulation.simulate import Experiment, bindings, sample

_BASIS_REGISTER = "fakeqpu_basis"
# rz(phi) then sx maps Z onto the wanted Pauli for a Z measurement, in target-native gates.
_BASIS_CHANGE_PHI = {"X": math.pi / 2, "Y": 0.0}
_MIN_READOUT_FIDELITY = 0.01
_SHOT_NOISE_STREAM = 0x5E57

Term = tuple[tuple[tuple[int, str], ...], float]
"""The non-identity (physical qubit, letter) pairs of a Pauli term, and its coefficient."""


@dataclass(frozen=True)
class EstimatorPubData:
    shape: tuple[int, ...]
    evs: NDArray[np.float64]
    stds: NDArray[np.float64]
    shots: int
    """Shots executed: num_randomizations × shots_per_randomization when twirling, as IBM reports it."""
    precision: float
    num_randomizations: int | None
    circuit_metadata: dict[str, Any]


@dataclass
class _Plan:
    """How one pub is simulated: the bases measured (and which basis reads each Pauli term), and
    the terms left to Pauli propagation."""

    observables: list[list[Term]]  # flat, C order over the observables' shape
    group_of: dict[tuple[tuple[int, str], ...], int]
    bases: list[dict[int, str]]  # per basis: physical qubit -> letter measured
    experiments: list[Experiment]
    choice: ladder.Choice


def run_estimator(
    tasks: Sequence[EstimatorTask], options: JobOptions, backend_name: str, seed: int
) -> list[EstimatorPubData]:
    chosen = plan.policy()
    plans: list[_Plan] = []
    remaining = chosen.budget_seconds
    for index, task in enumerate(tasks):
        share = remaining / (len(tasks) - index)
        pub_plan = _plan(task, backend_name, _executed_shots(options, task.shots), share, index)
        remaining = max(0.0, remaining - pub_plan.choice.predicted_seconds)
        plans.append(pub_plan)
    experiments = [experiment for pub_plan in plans for experiment in pub_plan.experiments]
    started = time.perf_counter()
    with plan.simulating(chosen) as sampled:  # the sampling ladder's reports, folded into each PUB's
        outcomes = iter(sample(experiments, seed))
    sampling_seconds = time.perf_counter() - started
    measured_total = sum(p.choice.measured_seconds for p in plans) or 1.0
    results = []
    for index, (task, pub_plan) in enumerate(zip(tasks, plans, strict=True)):
        bits = [next(outcomes) for _ in pub_plan.experiments]
        started = time.perf_counter()
        propagated = ladder.propagate_terms(pub_plan.choice, backend_name)
        seconds = time.perf_counter() - started
        seconds += sampling_seconds * pub_plan.choice.measured_seconds / measured_total
        rng = np.random.default_rng(np.random.SeedSequence([seed % 2**64, index, _SHOT_NOISE_STREAM]))
        results.append(_pub_data(task, pub_plan, bits, propagated, rng, options, backend_name))
        where = f"pub {index}"
        report = ladder.method_report(pub_plan.choice, propagated, seconds, where)
        plan.report(plan.with_sampling(report, [entry for entry in sampled if entry.where == where]))
    return results


def _plan(task: EstimatorTask, backend_name: str, shots: int, share: float, index: int) -> _Plan:
    pub = task.pub
    num_qubits = pub.circuit.num_qubits
    observables = [
        _terms(observable, num_qubits) for observable in flatten_observables(pub.observables.tolist())
    ]
    supports = sorted({pauli for terms in observables for pauli, _ in terms if pauli})
    support_qubits = {qubit for pauli in supports for qubit, _ in pauli}
    circuit, qubits = cut(pub.circuit, keep=support_qubits)
    group_of, bases = _group(supports, qubits)
    parameter_sets = bindings(pub, circuit.parameters)
    choice = ladder.choose(
        circuit, qubits, supports, group_of, bases, shots, parameter_sets, share, f"pub {index}"
    )
    experiments = []
    for measured in choice.measured:
        basis_circuit = _measured(measured.circuit, measured.qubits, measured.basis)
        operations = physical_operations(basis_circuit, measured.qubits)
        simulator = noise.simulator(backend_name, measured.qubits, operations)
        sets = bindings(pub, basis_circuit.parameters)
        experiments.append(
            Experiment(
                basis_circuit, sets, simulator, (measured.qubits, operations), shots, label=f"pub {index}"
            )
        )
    measured_bases = [measured.basis for measured in choice.measured]
    return _Plan(observables, choice.group_of_measured, measured_bases, experiments, choice)


def _terms(observable: Mapping[str, float], num_qubits: int) -> list[Term]:
    return [
        (
            tuple(
                sorted(
                    (num_qubits - 1 - position, letter)
                    for position, letter in enumerate(label)
                    if letter != "I"
                )
            ),
            float(np.real(coefficient)),
        )
        for label, coefficient in observable.items()
    ]


def _group(
    supports: list[tuple[tuple[int, str], ...]], qubits: tuple[int, ...]
) -> tuple[dict[tuple[tuple[int, str], ...], int], list[dict[int, str]]]:
    if not supports:
        return {}, []
    position = {physical: i for i, physical in enumerate(qubits)}
    labels = {}
    for pauli in supports:
        letters = ["I"] * len(qubits)
        for qubit, letter in pauli:
            letters[len(qubits) - 1 - position[qubit]] = letter
        labels["".join(letters)] = pauli
    group_of: dict[tuple[tuple[int, str], ...], int] = {}
    bases: list[dict[int, str]] = []
    for index, group in enumerate(PauliList(sorted(labels)).group_qubit_wise_commuting()):
        basis: dict[int, str] = {}
        for label in group.to_labels():
            pauli = labels[label]
            group_of[pauli] = index
            basis.update(pauli)
        bases.append(basis)
    return group_of, bases


def _measured(circuit: QuantumCircuit, qubits: tuple[int, ...], basis: dict[int, str]) -> QuantumCircuit:
    """The circuit with a basis change and a measurement of each basis qubit into its own register."""
    out = circuit.copy()
    measured = sorted(basis)
    register = ClassicalRegister(len(measured), _BASIS_REGISTER)
    out.add_register(register)
    position = {physical: i for i, physical in enumerate(qubits)}
    for bit, physical in enumerate(measured):
        qubit = position[physical]
        letter = basis[physical]
        if letter != "Z":
            out.rz(_BASIS_CHANGE_PHI[letter], qubit)
            out.sx(qubit)
        out.measure(qubit, register[bit])
    return out


def _pub_data(
    task: EstimatorTask,
    pub_plan: _Plan,
    bits: list[NDArray[np.bool_]],
    propagation: ladder.Propagation,
    rng: np.random.Generator,
    options: JobOptions,
    backend_name: str,
) -> EstimatorPubData:
    pub = task.pub
    shape = tuple(pub.shape)
    # Whether each term came out -1, per parameter set and shot: bool (N, shots) per term.
    flips: dict[tuple[tuple[int, str], ...], NDArray[np.bool_]] = {}
    for pauli, group in pub_plan.group_of.items():
        experiment = pub_plan.experiments[group]
        register = experiment.circuit.cregs[-1]
        measured = sorted(pub_plan.bases[group])
        columns = [experiment.circuit.find_bit(register[measured.index(qubit)]).index for qubit, _ in pauli]
        flips[pauli] = np.bitwise_xor.reduce(bits[group][:, :, columns], axis=2)
    weights = {
        pauli: _mitigation_weight(pauli, backend_name) if options.measure_mitigation else 1.0
        for pauli in [*pub_plan.group_of, *propagation.values]
    }
    shots = _executed_shots(options, task.shots)
    estimates = {
        pauli: _shot_noise(values, pauli, shots, weights[pauli], rng, backend_name)
        for pauli, values in propagation.values.items()
    }

    num_sets = int(np.prod(pub.parameter_values.shape, dtype=int))
    observable_index = np.broadcast_to(np.arange(pub.observables.size).reshape(pub.observables.shape), shape)
    set_index = np.broadcast_to(np.arange(num_sets).reshape(pub.parameter_values.shape), shape)
    evs = np.zeros(shape)
    variances = np.zeros(shape)
    for index in np.ndindex(*shape):
        terms = pub_plan.observables[int(observable_index[index])]
        parameter_set = int(set_index[index])
        per_group: dict[int, NDArray[np.float64]] = {}
        constant = 0.0
        propagated_variance = 0.0
        for pauli, coefficient in terms:
            if not pauli:
                constant += coefficient
                continue
            if pauli in estimates:
                mean, variance = estimates[pauli]
                constant += coefficient * float(mean[parameter_set])
                propagated_variance += coefficient**2 * float(variance[parameter_set])
                continue
            group = pub_plan.group_of[pauli]
            values = coefficient * weights[pauli] * (1.0 - 2.0 * flips[pauli][parameter_set])
            per_group[group] = per_group.get(group, 0.0) + values
        evs[index] = constant + sum(float(values.mean()) for values in per_group.values())
        variances[index] = propagated_variance + sum(
            float(values.var()) / len(values) for values in per_group.values()
        )
    randomizations = _randomizations(options, task.shots)
    return EstimatorPubData(
        shape=shape,
        evs=evs,
        # np.sqrt of a 0-d array is a numpy scalar; IBM returns a 0-d ndarray, like evs
        stds=np.asarray(np.sqrt(variances), dtype=np.float64),
        shots=shots,
        precision=float(pub.precision),
        num_randomizations=randomizations[0] if randomizations else None,
        circuit_metadata=dict(pub.circuit.metadata or {}),
    )


def _shot_noise(
    values: NDArray[np.float64],
    pauli: tuple[tuple[int, str], ...],
    shots: int,
    weight: float,
    rng: np.random.Generator,
    backend_name: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A computed term's estimate as `shots` measurements would give it: its value under readout
    error, plus the binomial shot noise of that many ±1 outcomes, then mitigated by `weight`.

    Returns (estimate, variance of the estimate) per parameter set.
    """
    fidelity = 1.0
    for qubit, _ in pauli:
        fidelity *= 1.0 - 2.0 * noise.readout_error(backend_name, qubit)
    raw = np.clip(values * fidelity, -1.0, 1.0)
    variance = (1.0 - raw**2) / max(shots, 1)
    noisy = raw + rng.standard_normal(raw.shape) * np.sqrt(variance)
    # A Pauli term's value lies in [-1, 1]; mitigation of a term read with a small readout
    # fidelity would amplify the shot noise past that.
    return np.clip(noisy * weight, -1.0, 1.0), variance * weight**2


def _mitigation_weight(pauli: tuple[tuple[int, str], ...], backend_name: str) -> float:
    """1 / the factor by which symmetric readout error shrinks this term's expectation value.

    Negative for a qubit read out more often wrong than right, which TREX corrects the same way;
    near zero no calibration can recover the term, so it is left unmitigated.
    """
    fidelity = 1.0
    for qubit, _ in pauli:
        fidelity *= 1.0 - 2.0 * noise.readout_error(backend_name, qubit)
    return 1.0 / fidelity if abs(fidelity) > _MIN_READOUT_FIDELITY else 1.0


def _randomizations(options: JobOptions, shots: int) -> tuple[int, int] | None:
    """(num_randomizations, shots_per_randomization) when twirling, by the rules of IBM's TwirlingOptions."""
    twirling = options.twirling
    if not (twirling.get("enable_gates") or twirling.get("enable_measure")):
        return None
    count = twirling.get("num_randomizations", "auto")
    per = twirling.get("shots_per_randomization", "auto")
    if isinstance(count, int) and isinstance(per, int):
        return count, per
    if isinstance(count, int):
        return count, math.ceil(shots / count)
    if not isinstance(per, int):
        per = 64 if options.pec_mitigation else max(64, math.ceil(shots / 32))
    return math.ceil(shots / per), per


def _executed_shots(options: JobOptions, shots: int) -> int:
    randomizations = _randomizations(options, shots)
    return shots if randomizations is None else randomizations[0] * randomizations[1]


def check_exact_estimator(tasks: Sequence[EstimatorTask], options: JobOptions, backend_name: str) -> None:
    """Fail (`plan.not_exact`) when the current exact-only policy cannot sample every basis exactly."""
    from fakeqpu.execution.simulation.simulate import check_exact

    experiments = []
    remaining = plan.policy().budget_seconds
    for index, task in enumerate(tasks):
        share = remaining / (len(tasks) - index)
        pub_plan = _plan(task, backend_name, _executed_shots(options, task.shots), share, index)
        remaining = max(0.0, remaining - pub_plan.choice.predicted_seconds)
        experiments.extend(pub_plan.experiments)
    check_exact(experiments)
