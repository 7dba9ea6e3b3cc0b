"""Run Sampler/Estimator V2 jobs on qiskit-aer with the backend's noise, on only the qubits used.

Knows nothing of sessions, HTTP or clocks: `prepare` validates a job's params as the service
does at submission, `run` simulates it and returns the results body the service serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qiskit import QuantumCircuit

from fakeqpu.backend_data import UnknownBackendError, get_backend_data
from fakeqpu.execution import noise
from fakeqpu.execution.encoding import estimator_result_text, sampler_result_text
from fakeqpu.execution.errors import INCOMPATIBLE, VALIDATION, ExecutionError
from fakeqpu.execution.estimate import estimated_seconds, num_executions
from fakeqpu.execution.estimator import run_estimator
from fakeqpu.execution.options import JobOptions, parse_options
from fakeqpu.execution.pubs import estimator_pubs, raw_pubs, sampler_pubs
from fakeqpu.execution.sampler import run_sampler

__all__ = ["ExecutionError", "PreparedJob", "prepare", "run", "warm"]

PROGRAMS = ("sampler", "estimator")
BACKEND_NOT_FOUND = 1007


@dataclass(frozen=True)
class PreparedJob:
    """A validated job, cheap to build: nothing has been simulated yet."""

    program_id: str
    backend_name: str
    num_executions: int
    estimated_seconds: float
    pubs: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    """SamplerPubs with shots resolved, or EstimatorTasks (pub with precision, and shots)."""
    options: JobOptions = field(default_factory=JobOptions, compare=False, repr=False)


def prepare(program_id: str, params: dict[str, Any], backend_name: str) -> PreparedJob:
    try:
        return _prepare(program_id, params, backend_name)
    except ExecutionError:
        raise
    except Exception as exc:
        raise ExecutionError(VALIDATION, f"The job could not be validated: {exc}") from exc


def run(prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
    """Simulate the job; return the JSON text of its PrimitiveResult. Same seed, same text."""
    options = prepared.options
    seed = _job_seed(prepared.program_id, options, seed)
    try:
        if prepared.program_id == "sampler":
            sampled = run_sampler(prepared.pubs, prepared.backend_name, seed)
            return sampler_result_text(sampled, start, stop)
        estimated = run_estimator(prepared.pubs, options, prepared.backend_name, seed)
        return estimator_result_text(estimated, options)
    except ExecutionError:
        raise
    except Exception as exc:
        raise ExecutionError(INCOMPATIBLE, f"The job could not be executed: {exc}") from exc


def warm(backend_name: str) -> None:
    """Load the backend's calibration and start Aer, so that the first job pays only its own noise."""
    noise.backend_target(backend_name)
    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    noise.simulator(backend_name, (0,), frozenset({("measure", (0,))})).run(circuit, shots=1).result()


def _prepare(program_id: str, params: dict[str, Any], backend_name: str) -> PreparedJob:
    if program_id not in PROGRAMS:
        raise ExecutionError(
            VALIDATION, f"Unknown program {program_id!r}: fakeqpu runs sampler and estimator."
        )
    try:
        data = get_backend_data(backend_name)
    except UnknownBackendError:
        raise ExecutionError(BACKEND_NOT_FOUND, f"Backend {backend_name} not found.") from None
    target = noise.backend_target(backend_name)
    if not isinstance(params, dict):
        raise ExecutionError(VALIDATION, "params must be an object.")
    options = parse_options(params)
    pubs: tuple[Any, ...]
    if program_id == "sampler":
        pubs = sampler_pubs(raw_pubs(params), options, target)
        runs = [(pub.circuit, pub.shots, pub.parameter_values.size) for pub in pubs]
    else:
        pubs = estimator_pubs(raw_pubs(params), options, target)
        runs = [(task.pub.circuit, task.shots, task.pub.parameter_values.size) for task in pubs]
    executions = num_executions((shots, sets) for _, shots, sets in runs)
    seconds = estimated_seconds(
        ((circuit, shots * sets) for circuit, shots, sets in runs),
        target,
        options.rep_delay,
        data.configuration,
    )
    return PreparedJob(program_id, backend_name, executions, seconds, pubs, options)


def _job_seed(program_id: str, options: JobOptions, seed: int) -> int:
    if options.seed_simulator is not None:
        return options.seed_simulator
    if program_id == "estimator" and options.seed_estimator is not None:
        return options.seed_estimator
    return seed
