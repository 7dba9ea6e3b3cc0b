"""Run the jobs of fakeqpu's programs on qiskit-aer with the backend's noise, on only the qubits used.

Knows nothing of sessions, HTTP or clocks: `prepare` validates a job's params as the service
does at submission, `run` simulates it and returns the results body the service serves. Each
program is a module of `programs/`; `program_ids()` says which exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qiskit import QuantumCircuit

from fakeqpu.execution.errors import INCOMPATIBLE, VALIDATION, ExecutionError
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs import Program, registry
from fakeqpu.execution.simulation import noise, plan
from fakeqpu.execution.simulation.plan import DEFAULT_BUDGET_SECONDS, SimulationPolicy
from fakeqpu.memo import ByIdentity

__all__ = [
    "DEFAULT_BUDGET_SECONDS",
    "ExecutionError",
    "PreparedJob",
    "SimulationPolicy",
    "check_exact",
    "prepare",
    "program_ids",
    "run",
    "run_reported",
    "simulations_under_way",
    "submission_problem",
    "warm",
]


def program_ids() -> tuple[str, ...]:
    """The program ids fakeqpu runs (`POST /jobs` answers 404 for any other)."""
    return tuple(_programs())


def submission_problem(program_id: str, params: Any, params_wire: Any = None) -> str | None:
    """Why `POST /jobs` refuses these params with a 400, or None. `params` is RuntimeDecoder-decoded,
    `params_wire` the JSON as sent (the executor-era programs send plain pydantic JSON)."""
    return _program(program_id).submission_problem(params, params_wire)


def prepare(
    program_id: str, params: dict[str, Any], backend_name: str, *, params_wire: Any = None
) -> PreparedJob:
    """Validate and size a job. The same decoded `params` object (the API layer hands out one per
    distinct params text) gets the same PreparedJob: it is immutable and depends on nothing else."""
    try:
        return _PREPARED.get_or_build(
            params,
            lambda: _program(program_id).prepare(params, params_wire, backend_name),
            program_id,
            backend_name,
        )
    except ExecutionError:
        raise
    except Exception as exc:
        raise ExecutionError(VALIDATION, f"The job could not be validated: {exc}") from exc


def prepare_from_wire(program_id: str, params_wire: dict[str, Any], backend_name: str) -> PreparedJob:
    """`prepare` again from the params as posted (kept compressed once a job is compacted)."""
    import json

    from qiskit_ibm_runtime import RuntimeDecoder

    params = json.loads(json.dumps(params_wire), cls=RuntimeDecoder)
    return prepare(program_id, params, backend_name, params_wire=params_wire)


def run(
    prepared: PreparedJob,
    *,
    seed: int,
    start: datetime,
    stop: datetime,
    policy: SimulationPolicy | None = None,
) -> str:
    """Simulate the job under `policy` (default: the default budget, approximation allowed); return
    its results body (JSON text). Same seed, same text."""
    return run_reported(prepared, seed=seed, start=start, stop=stop, policy=policy)[0]


def run_reported(
    prepared: PreparedJob,
    *,
    seed: int,
    start: datetime,
    stop: datetime,
    policy: SimulationPolicy | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """`run`, and the method report of each part of the job (`plan.MethodReport.as_json()`)."""
    with plan.simulating(policy or SimulationPolicy()) as reports:
        try:
            text = _program(prepared.program_id).run(prepared, seed=seed, start=start, stop=stop)
        except ExecutionError:
            raise
        except Exception as exc:
            raise ExecutionError(INCOMPATIBLE, f"The job could not be executed: {exc}") from exc
        return text, [entry.as_json() for entry in reports]


def check_exact(prepared: PreparedJob, policy: SimulationPolicy) -> None:
    """Raise the job's failure when `policy` is exact-only and some part of the job has no exact
    method within the budget (predicted now, at submission, so the job fails as IBM fails jobs)."""
    predict = getattr(_program(prepared.program_id), "exact_problem", None)
    if predict is None:
        return
    with plan.simulating(policy):
        predict(prepared)


def simulations_under_way() -> list[dict[str, Any]]:
    """The simulations running in this process now (`plan.running()`)."""
    return plan.running()


def warm(backend_name: str) -> None:
    """Load the backend's calibration and start Aer, so that the first job pays only its own noise."""
    noise.backend_target(backend_name)
    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    noise.simulator(backend_name, (0,), frozenset({("measure", (0,))})).run(circuit, shots=1).result()


_REGISTRY: dict[str, Program] = {}
_PREPARED: ByIdentity[PreparedJob] = ByIdentity(32)


def _programs() -> dict[str, Program]:
    if not _REGISTRY:
        _REGISTRY.update(registry())
    return _REGISTRY


def _program(program_id: str) -> Program:
    program = _programs().get(program_id)
    if program is None:
        raise ExecutionError(
            VALIDATION, f"Unknown program {program_id!r}: fakeqpu runs {', '.join(_programs())}."
        )
    return program
