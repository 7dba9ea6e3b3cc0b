"""What a real run (`--fakeqpu-real`) may spend: limits, and the check of each job or session body.

Pure functions over request bodies (the JSON the client posts, decoded with `RuntimeDecoder`), so the
limits can be tested without HTTP. `fakeqpu.real.traffic` applies them to the traffic.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # qiskit is imported when a request is vetted, not when the pytest plugin loads
    from qiskit.circuit import QuantumCircuit

# The server's defaults when a job does not say (IBM's documented primitive defaults).
_SAMPLER_DEFAULT_SHOTS = 4096
_ESTIMATOR_DEFAULT_PRECISION = 0.015625
_DEFAULT_RESILIENCE_LEVEL = 1


class CostGuardRefusal(Exception):
    """The cost guard refused a request: it was never sent."""


@dataclass(frozen=True)
class CostLimits:
    shots: int = 100  # per PUB and per parameter set (Estimator: ceil(1 / precision²))
    sets: int = 10  # parameter sets × observables in one PUB
    pubs: int = 5  # PUBs in one job
    qubits: int = 5  # qubits a circuit acts on (barriers and delays do not count)
    ops: int = 200  # operations in a circuit (barriers do not count)
    jobs: int = 10  # jobs one test may submit
    resilience_level: int = 1
    max_ttl: int = 600  # seconds a session may live; sent when a session does not say
    job_seconds: int = 120  # a job's max_execution_time; sent when a job does not say

    @staticmethod
    def names() -> tuple[str, ...]:
        return tuple(f.name for f in fields(CostLimits))

    @classmethod
    def parse(cls, text: str | None) -> CostLimits:
        """`"shots=200, qubits=8"` over the defaults; unknown names and non-integers raise ValueError."""
        limits = cls()
        for part in (text or "").split(","):
            if not part.strip():
                continue
            name, sep, value = (s.strip() for s in part.partition("="))
            if not sep or name not in cls.names():
                raise ValueError(
                    f"unknown cost limit {part.strip()!r}; the limits are: {', '.join(cls.names())}"
                )
            try:
                number = int(value)
            except ValueError:
                raise ValueError(f"cost limit {name} = {value!r} is not an integer") from None
            if number < (0 if name == "resilience_level" else 1):
                raise ValueError(f"cost limit {name} = {number} is too small")
            limits = replace(limits, **{name: number})
        return limits

    def describe(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name in self.names())


@dataclass(frozen=True)
class Vetted:
    """The body to send (limits filled in where the request left them out) and the reasons to refuse it."""

    body: str
    problems: tuple[str, ...]


def vet_session(text: str | bytes, limits: CostLimits) -> Vetted:
    """A `POST /sessions` body: `max_ttl` must not exceed the limit, and is set to it when absent."""
    body = _object(text)
    if body is None:
        return Vetted(_text(text), ("its body is not a JSON object",))
    max_ttl = body.get("max_ttl")
    if max_ttl is None:
        return Vetted(json.dumps({**body, "max_ttl": limits.max_ttl}), ())
    if isinstance(max_ttl, bool) or not isinstance(max_ttl, int | float) or max_ttl > limits.max_ttl:
        return Vetted(
            _text(text), (f"the session asks for max_ttl={max_ttl!r} s (limit {limits.max_ttl} s)",)
        )
    return Vetted(_text(text), ())


def vet_job(text: str | bytes, limits: CostLimits) -> Vetted:
    """A `POST /jobs` body: every PUB within the limits; `cost` (max_execution_time) set when absent."""
    body = _object(text)
    if body is None:
        return Vetted(_text(text), ("its body is not a JSON object",))
    problems: list[str] = []
    send = _text(text)
    cost = body.get("cost")
    if cost is None:
        send = json.dumps({**body, "cost": limits.job_seconds})
    elif isinstance(cost, bool) or not isinstance(cost, int | float) or cost > limits.job_seconds:
        problems.append(f"max_execution_time={cost!r} s (limit {limits.job_seconds} s)")
    program = body.get("program_id")
    if program == "executor":
        problems.extend(_check_executor(body.get("params"), limits))
        return Vetted(send, tuple(problems))
    if program not in ("sampler", "estimator"):
        problems.append(f"program {program!r}: the cost guard only knows sampler, estimator and executor")
        return Vetted(send, tuple(problems))
    from qiskit_ibm_runtime import RuntimeDecoder

    try:
        params = json.loads(_text(text), cls=RuntimeDecoder).get("params")
    except Exception as exc:  # anything undecodable is refused, never sent
        problems.append(f"its params could not be decoded ({type(exc).__name__}: {exc})")
        return Vetted(send, tuple(problems))
    if not isinstance(params, Mapping):
        problems.append("its params are not an object")
    else:
        problems.extend(_check_params(str(program), params, limits))
    return Vetted(send, tuple(problems))


def _check_executor(params: Any, limits: CostLimits) -> list[str]:
    """Each item of an executor program within the limits (shots x elements, qubits, operations).

    Params in a schema version the client does not know are sent: no QPU can run a program it cannot
    parse, and the refusal is what a contract test asks IBM about.
    """
    try:
        from qiskit_ibm_runtime.quantum_program.params_converters import QUANTUM_PROGRAM_PARAMS_CONVERTERS
    except ImportError:
        return ["program 'executor': this qiskit-ibm-runtime has no executor schemas"]
    if not isinstance(params, Mapping):
        return ["its params are not an object"]
    converter = QUANTUM_PROGRAM_PARAMS_CONVERTERS.get(str(params.get("schema_version")))
    if converter is None:
        return []
    try:
        program, _ = converter.decoder(converter.model.model_validate(params))
    except Exception as exc:
        return [f"its params could not be decoded ({type(exc).__name__}: {exc})"]
    problems: list[str] = []
    if len(program.items) > limits.pubs:
        problems.append(f"{len(program.items)} items (limit {limits.pubs})")
    for index, item in enumerate(program.items):
        sets = math.prod(item.shape)
        issues = _check_pub(int(program.shots) * sets, 1, item.circuit, limits)
        problems.extend(f"item {index} {problem}" for problem in issues)
    return problems


def _text(text: str | bytes) -> str:
    return text.decode() if isinstance(text, bytes) else text


def _object(text: str | bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(_text(text))
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _check_params(program: str, params: Mapping[str, Any], limits: CostLimits) -> list[str]:
    problems: list[str] = []
    options = params.get("options") or {}
    if not isinstance(options, Mapping):
        return ["its options are not an object"]
    level = params.get("resilience_level", _DEFAULT_RESILIENCE_LEVEL)
    if not isinstance(level, int) or level > limits.resilience_level:
        problems.append(f"resilience_level={level!r} (limit {limits.resilience_level})")
    resilience = options.get("resilience") or {}
    if isinstance(resilience, Mapping):
        for flag in ("zne_mitigation", "pec_mitigation"):
            if resilience.get(flag):
                problems.append(f"resilience.{flag} is on (the cost guard allows neither ZNE nor PEC)")
    pubs = params.get("pubs")
    if not isinstance(pubs, Sequence) or isinstance(pubs, str):
        return [*problems, "its pubs are not a list"]
    if len(pubs) > limits.pubs:
        problems.append(f"{len(pubs)} PUBs (limit {limits.pubs})")
    for index, raw in enumerate(pubs):
        try:
            raw = _with_circuit(raw)
        except _Unloadable:
            continue  # IBM loads OpenQASM 3 with the same loaders: it fails the job (1603), no QPU time
        except ValueError as exc:
            problems.append(f"PUB {index} {exc}")
            continue
        try:
            shots, sets, circuit = _measure_pub(program, raw, options)
        except Exception as exc:
            problems.append(f"PUB {index} could not be read ({type(exc).__name__}: {exc})")
            continue
        problems.extend(f"PUB {index} {problem}" for problem in _check_pub(shots, sets, circuit, limits))
    return problems


# OpenQASM 3 text the guard reads (IBM's REST guides send circuits so); longer text is refused unread.
_MAX_QASM_CHARACTERS = 20_000


class _Unloadable(Exception):
    pass


def _with_circuit(raw: Any) -> Any:
    """The PUB with an OpenQASM 3 circuit loaded (`ValueError` if too long, `_Unloadable` if not QASM)."""
    if not isinstance(raw, list | tuple) or not raw or not isinstance(raw[0], str):
        return raw
    if len(raw[0]) > _MAX_QASM_CHARACTERS:
        raise ValueError(f"has {len(raw[0])} characters of OpenQASM 3 (limit {_MAX_QASM_CHARACTERS})")
    from qiskit import qasm3

    try:
        circuit = qasm3.loads(raw[0])
    except Exception:
        raise _Unloadable from None
    return [circuit, *raw[1:]]


def _measure_pub(program: str, raw: Any, options: Mapping[str, Any]) -> tuple[int, int, QuantumCircuit]:
    """Shots per parameter set, number of parameter sets (× observables), and the circuit of one PUB."""
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    items = tuple(raw) if isinstance(raw, list | tuple) else (raw,)
    if program == "sampler":
        default_shots = options.get("default_shots") or _SAMPLER_DEFAULT_SHOTS
        pub = SamplerPub.coerce(items, shots=int(default_shots))
        return int(pub.shots), int(pub.parameter_values.size), pub.circuit
    precision = options.get("default_precision") or _ESTIMATOR_DEFAULT_PRECISION
    estimator = EstimatorPub.coerce(items, precision=float(precision))
    pub_precision = items[3] if len(items) > 3 else None
    if pub_precision is None and options.get("default_shots"):
        shots = int(options["default_shots"])
    else:
        # round first: 1 / 0.1² is 99.99999999999999, which is 100 shots
        shots = math.ceil(round(1.0 / float(estimator.precision) ** 2, 6))
    return shots, math.prod(estimator.shape), estimator.circuit


def _check_pub(shots: int, sets: int, circuit: QuantumCircuit, limits: CostLimits) -> list[str]:
    problems = []
    if shots > limits.shots:
        problems.append(f"asks for {shots} shots (limit {limits.shots})")
    if sets > limits.sets:
        problems.append(f"has {sets} parameter sets × observables (limit {limits.sets})")
    width = len(active_qubits(circuit))
    if width > limits.qubits:
        problems.append(f"acts on {width} qubits (limit {limits.qubits})")
    size = circuit.size()
    if size > limits.ops:
        problems.append(f"has {size} operations (limit {limits.ops})")
    return problems


def active_qubits(circuit: QuantumCircuit) -> set[int]:
    """Indices of the qubits an operation acts on (an ISA circuit spans the whole device)."""
    used: set[int] = set()
    for instruction in circuit.data:
        operation = instruction.operation
        if getattr(operation, "_directive", False) or operation.name == "delay":
            continue
        used.update(circuit.find_bit(qubit).index for qubit in instruction.qubits)
    return used
