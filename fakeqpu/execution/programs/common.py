"""What every program needs: the backend's data and target (or IBM's 1007), a PUB job's check and size."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.transpiler import Target

from fakeqpu.backend_data import BackendData, UnknownBackendError, get_backend_data
from fakeqpu.execution.errors import VALIDATION, ExecutionError
from fakeqpu.execution.estimate import estimated_seconds, num_executions
from fakeqpu.execution.options import JobOptions, parse_options
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.pubs import raw_pubs
from fakeqpu.execution.result_forms import ResultForm, plain_text, result_form, with_scheduler_timing
from fakeqpu.execution.simulation import noise

BACKEND_NOT_FOUND = 1007


def backend(backend_name: str) -> tuple[BackendData, Target]:
    try:
        data = get_backend_data(backend_name)
    except UnknownBackendError:
        raise ExecutionError(BACKEND_NOT_FOUND, f"Backend {backend_name} not found.") from None
    return data, noise.backend_target(backend_name)


Run = tuple[QuantumCircuit, int, int]  # a circuit, its shots, its parameter sets


def pub_job(
    program_id: str,
    params: Any,
    backend_name: str,
    read_pubs: Callable[[Sequence[Any], JobOptions, Target], tuple[Any, ...]],
    run_of: Callable[[Any], Run],
) -> PreparedJob:
    """A Sampler/Estimator job: options and PUBs read from its params, sized from its (circuit, shots,
    parameter sets) runs: IBM's estimate."""
    data, target = backend(backend_name)
    if not isinstance(params, dict):
        raise ExecutionError(VALIDATION, "params must be an object.")
    options = parse_options(params)
    form = result_form(params)
    pubs = read_pubs(raw_pubs(params), options, target)
    runs = [run_of(pub) for pub in pubs]
    seconds = estimated_seconds(
        ((circuit, shots * sets) for circuit, shots, sets in runs),
        target,
        options.rep_delay,
        data.configuration,
    )
    executions = num_executions((shots, sets) for _, shots, sets in runs)
    return PreparedJob(program_id, backend_name, executions, seconds, pubs, options, payload=form)


def finish_body(prepared: PreparedJob, text: str, circuits: Sequence[QuantumCircuit] = ()) -> str:
    """A Sampler/Estimator body in the form its params asked for (`ResultForm`): with the circuit timing
    of `circuits` (one per PUB) when asked, plain JSON without `support_qiskit`."""
    form = prepared.payload if isinstance(prepared.payload, ResultForm) else ResultForm()
    if form.scheduler_timing and circuits:
        from fakeqpu.execution.timing import scheduler_timing

        target = noise.backend_target(prepared.backend_name)
        text = with_scheduler_timing(text, [scheduler_timing(circuit, target) for circuit in circuits])
    return text if form.qiskit else plain_text(text)


def pubs_problem(params: Any) -> str | None:
    """A Sampler/Estimator job's params without a list of PUBs: refused at submission."""
    if not isinstance(params, dict) or not isinstance(params.get("pubs"), list):
        return "params.pubs is required."
    return None


class Refused(Exception):
    """Params the service refuses at submission (a 400), with the reason."""


def schema_model(params_wire: dict[str, Any], converters: dict[str, Any], program: str) -> Any:
    """The params validated with the client's model for their `schema_version`; `Refused` otherwise."""
    version = params_wire.get("schema_version")
    converter = converters.get(version) if isinstance(version, str) else None
    if converter is None:
        raise Refused(f"params.schema_version {version!r} is not one of {', '.join(sorted(converters))}.")
    try:
        return converter.model.model_validate(params_wire)
    except Exception as exc:
        raise Refused(f"params do not match the {program} {version} schema: {first_error(exc)}") from None


def schema_module(family: str, version: str) -> Any:
    """The `ibm_quantum_schemas` module of a schema version: ("executor", "v1.1") → `executor.version_1_1`."""
    import importlib

    return importlib.import_module(f"ibm_quantum_schemas.{family}.version_{version[1:].replace('.', '_')}")


def first_error(exc: Exception) -> str:
    """The first of a pydantic error's complaints, with where it is; else the first line of the error."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))
        except Exception:
            pass
    return str(exc).splitlines()[0]
