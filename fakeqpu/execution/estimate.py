"""How much QPU a job takes: executions, and IBM's running-time estimate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.transpiler import Target

from fakeqpu.execution.errors import SYSTEM_LIMITS, ExecutionError

MAX_EXECUTIONS = 10_000_000
OVERHEAD_SECONDS = 2.0


def num_executions(runs: Iterable[tuple[int, int]]) -> int:
    """Total shots over (shots, number of parameter sets) pairs; fails past the per-job limit."""
    total = sum(shots * parameter_sets for shots, parameter_sets in runs)
    if total > MAX_EXECUTIONS:
        raise ExecutionError(
            SYSTEM_LIMITS,
            f"The job has {total} executions (shots times parameter sets), more than the limit of "
            f"{MAX_EXECUTIONS}.",
        )
    return total


def estimated_seconds(
    runs: Iterable[tuple[QuantumCircuit, int]], target: Target, rep_delay: float | None, configuration: Any
) -> float:
    """2 s + (rep_delay + circuit duration) per execution, over (circuit, executions) pairs."""
    delay = rep_delay if rep_delay is not None else _default_rep_delay(configuration)
    return OVERHEAD_SECONDS + sum(
        (delay + _duration(circuit, target)) * executions for circuit, executions in runs
    )


def _default_rep_delay(configuration: Any) -> float:
    microseconds = configuration.get("default_rep_delay") if isinstance(configuration, dict) else None
    return float(microseconds) * 1e-6 if isinstance(microseconds, int | float) else 0.0


def _duration(circuit: QuantumCircuit, target: Target) -> float:
    try:
        return float(circuit.estimate_duration(target, unit="s"))
    except Exception:
        return 0.0  # no durations in the target, or unbound durations: IBM would still run it
