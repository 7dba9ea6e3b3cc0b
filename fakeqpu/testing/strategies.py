"""Hypothesis strategies for suites that test code running on (fake) IBM Quantum hardware.

- :func:`isa_circuits`: small circuits already transpiled for a backend's target (ISA), from a few
  templates with random rotation angles; :func:`isa_template` gives one template, cached.
- :func:`sampler_pubs`, :func:`estimator_pubs`: PUBs for ``SamplerV2.run`` / ``EstimatorV2.run``.
- :func:`clock_moves`: seconds to move a fake's clock, biased to land just before, on, and just after
  the TTL boundaries of a plan (:class:`~fakeqpu.testing.model.Rules`); :func:`boundary_moves` does the
  same for the boundaries a :class:`~fakeqpu.testing.model.SessionModel` predicts next.
- :func:`session_operations`, :func:`session_scripts`: operations on sessions, batches and jobs, as
  plain data (:class:`OpenSession`, :class:`Submit`, ...) to interpret against your code and a model.

Transpiling is slow, so each (backend, template) is transpiled once per process and only its angles
vary between examples. A backend is an ``IBMBackend``, any ``BackendV2``, or a backend name that
``fakeqpu`` serves (``"ibm_torino"``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

from fakeqpu.testing.model import BATCH, DEDICATED, Rules, SessionModel

__all__ = [
    "TEMPLATES",
    "Advance",
    "CancelJob",
    "CancelSession",
    "CloseSession",
    "FromId",
    "OpenSession",
    "SessionOp",
    "Sleep",
    "Submit",
    "boundary_moves",
    "clock_moves",
    "estimator_pubs",
    "isa_circuits",
    "isa_template",
    "sampler_pubs",
    "session_operations",
    "session_scripts",
    "ttl_boundaries",
]

# name -> (logical qubits, number of angles)
TEMPLATES: dict[str, tuple[int, int]] = {
    "bell": (2, 0),
    "ghz": (3, 0),
    "rotations": (2, 2),
    "layer": (3, 3),
}

_ANGLES = st.floats(-math.pi, math.pi, allow_nan=False, allow_infinity=False)


def _logical(template: str) -> QuantumCircuit:
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; choose one of {', '.join(TEMPLATES)}")
    width, _ = TEMPLATES[template]
    qc = QuantumCircuit(width, name=template)
    if template == "bell":
        qc.h(0)
        qc.cx(0, 1)
    elif template == "ghz":
        qc.h(0)
        qc.cx(0, 1)
        qc.cx(1, 2)
    elif template == "rotations":
        qc.ry(Parameter("a0"), 0)
        qc.rz(Parameter("a1"), 1)
        qc.cx(0, 1)
    else:
        qc.rx(Parameter("a0"), 0)
        qc.ry(Parameter("a1"), 1)
        qc.rz(Parameter("a2"), 2)
        qc.cx(0, 1)
        qc.cx(1, 2)
    return qc


def _resolve(backend: Any) -> Any:
    if isinstance(backend, str):
        from fakeqpu.backend_data import get_backend_data

        return get_backend_data(backend).fake_backend()
    return backend


_BACKENDS: dict[str, Any] = {}


@functools.cache
def _transpiled(backend_name: str, template: str, measured: bool) -> QuantumCircuit:
    circuit = _logical(template)
    if measured:
        circuit.measure_all()
    manager = generate_preset_pass_manager(
        target=_BACKENDS[backend_name].target, optimization_level=1, seed_transpiler=0
    )
    isa: QuantumCircuit = manager.run(circuit)
    return isa


def isa_template(backend: Any, template: str = "bell", *, measured: bool = True) -> QuantumCircuit:
    """One template transpiled for ``backend`` (cached per backend name); its angles, if any, unbound.

    Don't mutate the returned circuit: it is shared (``copy()`` it first).
    """
    resolved = _resolve(backend)
    name = str(resolved.name)
    _BACKENDS.setdefault(name, resolved)
    _logical(template)  # validates the name
    return _transpiled(name, template, measured)


def _angles(circuit: QuantumCircuit) -> st.SearchStrategy[list[float]]:
    n = circuit.num_parameters
    return st.lists(_ANGLES, min_size=n, max_size=n)


def isa_circuits(
    backend: Any, *, templates: Sequence[str] = tuple(TEMPLATES), measured: bool = True
) -> st.SearchStrategy[QuantumCircuit]:
    """Small ISA circuits for ``backend``, every angle bound."""
    circuits = [isa_template(backend, t, measured=measured) for t in templates]

    def bind(circuit: QuantumCircuit) -> st.SearchStrategy[QuantumCircuit]:
        if circuit.num_parameters == 0:
            return st.just(circuit)
        return _angles(circuit).map(lambda values: circuit.assign_parameters(values))

    return st.sampled_from(circuits).flatmap(bind)


def _values(circuit: QuantumCircuit, max_sweep: int) -> st.SearchStrategy[Any]:
    """Parameter values for a PUB: None for a circuit without parameters, else (k,) or (n, k)."""
    k = circuit.num_parameters
    if k == 0:
        return st.none()
    one = _angles(circuit).map(lambda v: np.array(v, dtype=float))
    sweep = st.integers(1, max_sweep).flatmap(
        lambda n: st.lists(_angles(circuit), min_size=n, max_size=n).map(lambda v: np.array(v, dtype=float))
    )
    return st.one_of(one, sweep)


def sampler_pubs(
    backend: Any,
    *,
    templates: Sequence[str] = tuple(TEMPLATES),
    shots: st.SearchStrategy[int | None] | None = None,
    max_sweep: int = 3,
) -> st.SearchStrategy[tuple[Any, ...]]:
    """``(circuit,)``, ``(circuit, values)`` or ``(circuit, values, shots)`` with a measured ISA circuit."""
    shot_counts = shots if shots is not None else st.one_of(st.none(), st.integers(1, 64))
    circuits = [isa_template(backend, t, measured=True) for t in templates]

    def pub(circuit: QuantumCircuit) -> st.SearchStrategy[tuple[Any, ...]]:
        def shape(values: Any, count: int | None) -> tuple[Any, ...]:
            if count is not None:
                return (circuit, values, count)
            return (circuit,) if values is None else (circuit, values)

        return st.builds(shape, _values(circuit, max_sweep), shot_counts)

    return st.sampled_from(circuits).flatmap(pub)


def estimator_pubs(
    backend: Any,
    *,
    templates: Sequence[str] = tuple(TEMPLATES),
    precision: st.SearchStrategy[float | None] | None = None,
    max_sweep: int = 3,
) -> st.SearchStrategy[tuple[Any, ...]]:
    """``(circuit, observable[, values[, precision]])``: an unmeasured ISA circuit and a Pauli observable
    already laid out on the circuit's physical qubits."""
    precisions = (
        precision if precision is not None else st.one_of(st.none(), st.sampled_from([0.1, 0.25, 0.5]))
    )
    for template in templates:
        isa_template(backend, template, measured=False)  # transpile now, not while drawing

    def pub(template: str) -> st.SearchStrategy[tuple[Any, ...]]:
        circuit = isa_template(backend, template, measured=False)
        width = TEMPLATES[template][0]
        labels = st.text(alphabet="IXYZ", min_size=width, max_size=width).filter(lambda s: s != "I" * width)

        def shape(label: str, values: Any, target: float | None) -> tuple[Any, ...]:
            observable = SparsePauliOp(label).apply_layout(circuit.layout)
            if target is not None:
                return (circuit, observable, values, target)
            return (circuit, observable) if values is None else (circuit, observable, values)

        return st.builds(shape, labels, _values(circuit, max_sweep), precisions)

    return st.sampled_from(list(templates)).flatmap(pub)


# -- time ----------------------------------------------------------------------------------------

_EPSILONS = (0.001, 0.1, 1.0)


def ttl_boundaries(rules: Rules | None = None, *, job_duration: float | None = None) -> list[float]:
    """Durations after which something documented happens, counted from a job's end or a session's
    start: the interactive TTLs, the 30-minute idle close, the max TTLs (and a job plus each of them)."""
    rules = rules or Rules()
    found = {
        rules.interactive_ttl,
        rules.batch_interactive_ttl,
        rules.idle_timeout,
        rules.max_ttl,
        rules.batch_max_ttl,
    }
    if job_duration is not None:
        found |= {job_duration} | {job_duration + b for b in list(found)}
    return sorted(found)


def _near(points: Sequence[float]) -> st.SearchStrategy[float]:
    return st.builds(
        lambda point, eps, side: max(0.0, round(point + side * eps, 3)),
        st.sampled_from(list(points)),
        st.sampled_from(_EPSILONS),
        st.sampled_from([-1, 0, 1]),
    )


def clock_moves(
    rules: Rules | None = None,
    *,
    plan: str | None = None,
    job_duration: float | None = None,
    longest: float | None = None,
    weights: tuple[int, int, int, int] = (3, 3, 3, 1),
) -> st.SearchStrategy[float]:
    """Seconds to move a clock forward (millisecond steps): small (under 5 s), medium (5 s to 2 min),
    exactly / just under / just over a TTL boundary of the plan (:func:`ttl_boundaries`), and large
    (2 min to ``longest``, default 1.25 max TTL), drawn in proportion to ``weights``. Large moves end
    most sessions, hence rarer by default; shrinking goes toward small moves."""
    if rules is None:
        rules = Rules.for_plan(plan or "premium")
    top = longest if longest is not None else rules.max_ttl * 1.25

    def ms(x: float) -> float:
        return round(x, 3)

    kinds: dict[str, st.SearchStrategy[float]] = {
        "small": st.floats(0, 5).map(ms),
        "medium": st.floats(5, 120).map(ms),
        "boundary": _near(ttl_boundaries(rules, job_duration=job_duration)),
        "large": st.floats(120, max(120.0, top)).map(ms),
    }
    bag = [kind for kind, weight in zip(kinds, weights, strict=True) for _ in range(weight)]
    if not bag:
        raise ValueError("weights must not all be zero")
    return st.sampled_from(bag).flatmap(lambda kind: kinds[kind])


def boundary_moves(model: SessionModel, *, limit: int = 16) -> st.SearchStrategy[float]:
    """Seconds from the model's now to just before, at, or just after one of the next instants at which
    something happens (:meth:`SessionModel.upcoming`); a small move when nothing is due."""
    now = model.now
    ahead = [(t - now) / timedelta(seconds=1) for t in model.upcoming(limit)]
    if not ahead:
        return st.floats(0, 5).map(lambda x: round(x, 3))
    return _near(ahead)


# -- operations on sessions ----------------------------------------------------------------------
# Indexes refer to the sessions / jobs made so far, modulo their number: every script is runnable.


@dataclass(frozen=True)
class OpenSession:
    mode: str = DEDICATED  # "dedicated" (Session) or "batch" (Batch)
    max_time: int | None = None


@dataclass(frozen=True)
class Submit:
    session: int | None  # None: job mode, straight on the backend
    program: str = "sampler"  # or "estimator"


@dataclass(frozen=True)
class CloseSession:
    session: int


@dataclass(frozen=True)
class CancelSession:
    session: int


@dataclass(frozen=True)
class FromId:
    session: int


@dataclass(frozen=True)
class CancelJob:
    job: int


@dataclass(frozen=True)
class Advance:
    seconds: float


@dataclass(frozen=True)
class Sleep:
    seconds: float


SessionOp = OpenSession | Submit | CloseSession | CancelSession | FromId | CancelJob | Advance | Sleep


def session_operations(
    rules: Rules | None = None,
    *,
    job_duration: float | None = None,
    modes: Sequence[str] = (DEDICATED, BATCH),
    max_times: st.SearchStrategy[int | None] | None = None,
) -> st.SearchStrategy[SessionOp]:
    """One operation on sessions, batches, jobs or the clock."""
    index = st.integers(0, 7)
    lifetimes = max_times if max_times is not None else st.one_of(st.none(), st.integers(1, 3600))
    moves = clock_moves(rules, job_duration=job_duration)
    return st.one_of(
        st.builds(OpenSession, st.sampled_from(list(modes)), lifetimes),
        st.builds(Submit, st.one_of(st.none(), index), st.sampled_from(["sampler", "estimator"])),
        st.builds(CloseSession, index),
        st.builds(CancelSession, index),
        st.builds(FromId, index),
        st.builds(CancelJob, index),
        st.builds(Advance, moves),
        st.builds(Sleep, moves),
    )


def session_scripts(
    rules: Rules | None = None,
    *,
    job_duration: float | None = None,
    modes: Sequence[str] = (DEDICATED, BATCH),
    min_size: int = 1,
    max_size: int = 20,
) -> st.SearchStrategy[list[SessionOp]]:
    """A list of operations that starts by opening a session."""
    first: Callable[[str], SessionOp] = OpenSession
    return st.builds(
        lambda head, tail: [head, *tail],
        st.sampled_from(list(modes)).map(first),
        st.lists(
            session_operations(rules, job_duration=job_duration, modes=modes),
            min_size=max(0, min_size - 1),
            max_size=max(0, max_size - 1),
        ),
    )
