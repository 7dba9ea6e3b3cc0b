"""What every program needs: the backend's data and target (or IBM's 1007), and a PUB job's size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.transpiler import Target

from fakeqpu.backend_data import BackendData, UnknownBackendError, get_backend_data
from fakeqpu.execution import noise
from fakeqpu.execution.errors import ExecutionError
from fakeqpu.execution.estimate import estimated_seconds, num_executions
from fakeqpu.execution.options import JobOptions
from fakeqpu.execution.prepared import PreparedJob

BACKEND_NOT_FOUND = 1007


def backend(backend_name: str) -> tuple[BackendData, Target]:
    try:
        data = get_backend_data(backend_name)
    except UnknownBackendError:
        raise ExecutionError(BACKEND_NOT_FOUND, f"Backend {backend_name} not found.") from None
    return data, noise.backend_target(backend_name)


def pub_job(
    program_id: str,
    backend_name: str,
    runs: Sequence[tuple[QuantumCircuit, int, int]],
    pubs: tuple[Any, ...],
    options: JobOptions,
    data: BackendData,
    target: Target,
) -> PreparedJob:
    """A Sampler/Estimator job sized from its (circuit, shots, parameter sets) runs: IBM's estimate."""
    seconds = estimated_seconds(
        ((circuit, shots * sets) for circuit, shots, sets in runs),
        target,
        options.rep_delay,
        data.configuration,
    )
    executions = num_executions((shots, sets) for _, shots, sets in runs)
    return PreparedJob(program_id, backend_name, executions, seconds, pubs, options)
