"""The method for a multi-qubit component bound to many parameter sets (an executor item).

Most faithful first, the first that fits the component's share of the job's budget
(`plan.policy().budget_seconds`), chosen from predicted, never measured, seconds so that the same
job always gets the same method and the same counts:

1. `density_matrix`: Aer with the exact device noise (`noise.simulator`), one run per parameter
   set, as the legacy primitives; exact.
2. `statevector`: no gate has an error, so one statevector per parameter set (all together),
   readout errors per shot; exact.
3. `pauli_trajectories`: all parameter sets together, as many Pauli trajectories each as fit
   (`batched_trajectories.py`); the Pauli-twirled device noise, readout exact.

The trajectory schedule is compiled only when Aer's exact method does not fit. Circuits it cannot
express (mid-circuit measurement, reset, control flow, gates on three qubits or more, wider than
`batched_trajectories.MAX_QUBITS`) run on Aer whatever it costs.
With `simulation="exact"`, a component whose exact method does not fit fails the job.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from qiskit.circuit import QuantumCircuit

from fakeqpu.execution.simulation import batched_trajectories, noise, plan
from fakeqpu.execution.simulation.cutting import Operation
from fakeqpu.execution.simulation.trajectory_noise import component_noise

DENSITY_MATRIX = "density_matrix"
STATEVECTOR = "statevector"
PAULI_TRAJECTORIES = "pauli_trajectories"
AER = "aer"

_EXACT_NOISE_MAX_QUBITS = 10  # `noise.simulator` builds the exact model up to here (twirled above)
# Aer's wall seconds per density-matrix element per operation (gate or error), and per run.
_SECONDS_PER_DENSITY_ELEMENT = 2.5e-9
_SECONDS_PER_STATEVECTOR_ELEMENT = 4e-9
_SECONDS_PER_AER_RUN = 2e-3


@dataclass(frozen=True)
class Choice:
    method: str
    exact: bool
    predicted_seconds: float
    trajectories: int = 0


@dataclass
class WideComponent:
    """A component of two or more qubits and what it would cost each way."""

    circuit: QuantumCircuit
    qubits: tuple[int, ...]
    operations: frozenset[Operation]
    values: NDArray[np.float64]
    shots: int
    backend_name: str
    aer_seconds: float

    @classmethod
    def build(
        cls,
        circuit: QuantumCircuit,
        qubits: tuple[int, ...],
        operations: frozenset[Operation],
        values: NDArray[np.float64],
        shots: int,
        backend_name: str,
    ) -> WideComponent:
        return cls(
            circuit,
            qubits,
            operations,
            values,
            shots,
            backend_name,
            _aer_seconds(circuit, len(values), shots),
        )

    @functools.cached_property
    def schedule(self) -> batched_trajectories.Schedule | None:
        """The trajectory schedule, compiled only when Aer's exact method does not fit."""
        if len(self.qubits) > batched_trajectories.MAX_QUBITS:
            return None
        noise_of = component_noise(self.backend_name, self.qubits, self.operations)
        return batched_trajectories.compile_schedule(self.circuit, noise_of)

    @property
    def exact_seconds(self) -> float:
        """The predicted seconds of Aer's exact method (what the job's budget is shared by)."""
        return self.aer_seconds

    def choose(self, budget_seconds: float, where: str) -> Choice:
        aer_exact = len(self.qubits) <= _EXACT_NOISE_MAX_QUBITS
        if aer_exact and self.aer_seconds <= budget_seconds:
            return Choice(DENSITY_MATRIX, True, self.aer_seconds)
        schedule = self.schedule
        if schedule is None:
            if plan.policy().exact_only and not aer_exact:
                raise plan.not_exact(AER, self.aer_seconds, where)
            return Choice(DENSITY_MATRIX if aer_exact else AER, aer_exact, self.aer_seconds)
        if schedule.noiseless:
            return Choice(STATEVECTOR, True, self._trajectory_seconds(1), 1)
        if plan.policy().exact_only:
            raise plan.not_exact(PAULI_TRAJECTORIES, self.aer_seconds, where)
        count = batched_trajectories.max_trajectories(schedule, len(self.values), self.shots, budget_seconds)
        return Choice(PAULI_TRAJECTORIES, False, self._trajectory_seconds(count), count)

    def _trajectory_seconds(self, count: int) -> float:
        assert self.schedule is not None
        return batched_trajectories.predicted_seconds(self.schedule, len(self.values), count, self.shots)

    def run_trajectories(self, choice: Choice, seed: int) -> NDArray[np.bool_]:
        assert self.schedule is not None
        noise_of = component_noise(self.backend_name, self.qubits, self.operations)
        rng = np.random.default_rng(np.random.SeedSequence([seed % 2**64, 2]))
        return batched_trajectories.simulate(
            self.schedule, self.circuit, self.values, self.shots, choice.trajectories, noise_of.read_one, rng
        )

    def aer_simulator(self) -> object:
        return noise.simulator(self.backend_name, self.qubits, self.operations)


def _aer_seconds(circuit: QuantumCircuit, num_sets: int, shots: int) -> float:
    n = circuit.num_qubits
    operations = 2 * sum(1 for i in circuit.data if i.operation.name not in ("barrier", "delay"))
    if n <= _EXACT_NOISE_MAX_QUBITS:
        per_set = operations * 4.0**n * _SECONDS_PER_DENSITY_ELEMENT
    else:
        per_set = shots * operations * 2.0**n * _SECONDS_PER_STATEVECTOR_ELEMENT
    return float(num_sets * (per_set + _SECONDS_PER_AER_RUN))
