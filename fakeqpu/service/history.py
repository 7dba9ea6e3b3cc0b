"""An account with a past: jobs, sessions and batches that ran before the fake started.

A history is lived, not drawn: a private engine starts `days` before the fake's instance and is
driven through each item at its time (a job submitted in job mode; a session whose jobs run one
after the other and which its user then closes; a batch submitted at once and closed), so every
status, timestamp, session state and usage comes from the same rules as a test's own work. The
jobs and sessions then join the fake's model, ahead of everything else. Results stay lazy: jobs of
one program on one backend share a prepared job (a small ISA circuit) and compute their results
only when asked. Ids and times come from the seed, from a stream of their own.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fakeqpu import execution
from fakeqpu.backend_data import get_backend_data
from fakeqpu.service.engine import Engine
from fakeqpu.service.history_spec import HistorySpec
from fakeqpu.service.ids import IdFactory
from fakeqpu.service.jobs import FINAL_STATUSES, Job, Reason
from fakeqpu.service.sessions import BATCH, DEDICATED, Session
from fakeqpu.service.timeline import Timeline

if TYPE_CHECKING:
    from fakeqpu.service.runtime import RuntimeService

SHOTS = 1024
OVERHEAD_SECONDS = 2.0  # IBM's estimate: 2 s + rep_delay and circuit duration per execution
ESTIMATOR_SHOTS = 4096  # the Estimator's default precision, 1/64: 1/precision² shots
MARGIN = timedelta(hours=1)  # the last item starts at least this long before the fake's start


@dataclass(frozen=True)
class _Template:
    params_wire: dict[str, Any]
    estimated_seconds: float
    invalid: Reason | None  # a template that fails at the QPU (prepared at once, for its real reason)


def add_history(
    service: RuntimeService, spec: HistorySpec, ids: IdFactory
) -> tuple[list[Job], list[Session]]:
    """Live `spec` before the fake's start and merge it into `service`'s model (under its lock)."""
    backends = list(spec.backends or service.backends)
    for name in backends:
        service.backend(name)  # a ServiceError names an unknown backend
        if name not in service.backends:
            raise ValueError(f"history backends must be of the fleet, not {name!r}")
    if spec.sessions and not service.plan.sessions_allowed:
        raise ValueError(f"the {service.plan.display_name} plan runs no sessions: a history of it has none")
    end = service.created_at - MARGIN
    start = end - timedelta(days=spec.days)
    rng = random.Random(ids.simulation_seed())
    kinds = ["job"] * spec.jobs + [DEDICATED] * spec.sessions + [BATCH] * spec.batches
    rng.shuffle(kinds)
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=round(rng.uniform(0, span), 3)) for _ in kinds)
    outcome = ["failed"] * spec.failed + ["cancelled"] * spec.cancelled
    outcome += ["completed"] * (spec.jobs - len(outcome))
    rng.shuffle(outcome)
    engine = Engine(service.plan, start, Timeline())
    for name in backends:
        engine.add_backend(name)
    templates: dict[tuple[str, str, bool], _Template] = {}
    made = _Maker(service, engine, ids, spec, templates)
    for index, (kind, at) in enumerate(zip(kinds, times, strict=True)):
        engine.advance_to(at)
        backend, program = backends[index % len(backends)], spec.programs[index % len(spec.programs)]
        if kind == "job":
            result = outcome.pop()
            job = made.job(program, backend, None, invalid=result == "failed")
            if result == "cancelled":
                engine.cancel_job(job)
            made.finish(job)
        else:
            session = Session(
                id=ids.session_id(),
                mode=kind,
                backend_name=backend,
                instance=service.instance.crn,
                created_at=engine.now,
                max_ttl=service.plan.max_ttl if kind == DEDICATED else service.plan.batch_max_ttl,
                interactive_ttl=service.plan.interactive_ttl
                if kind == DEDICATED
                else service.plan.batch_interactive_ttl,
            )
            engine.add_session(session)
            if kind == BATCH:
                jobs = [made.job(program, backend, session.id) for _ in range(spec.jobs_per_session)]
                engine.stop_accepting(session)  # a batch closed at once: it ends with its jobs
                for job in jobs:
                    made.finish(job)
            else:
                for _ in range(spec.jobs_per_session):
                    made.finish(made.job(program, backend, session.id))
                    engine.advance_to(engine.now + timedelta(seconds=2))  # the user's loop
                engine.stop_accepting(session)  # the user closes it
    if engine.now > end + MARGIN / 2:
        raise ValueError(
            f"a history of {spec.size} jobs does not fit in {spec.days} days: give it more days or fewer jobs"
        )
    _merge(service, engine)
    return list(engine.jobs.values()), list(engine.sessions.values())


class _Maker:
    def __init__(
        self,
        service: RuntimeService,
        engine: Engine,
        ids: IdFactory,
        spec: HistorySpec,
        templates: dict[tuple[str, str, bool], _Template],
    ) -> None:
        self.service, self.engine, self.ids, self.spec, self.templates = service, engine, ids, spec, templates

    def job(self, program: str, backend: str, session_id: str | None, *, invalid: bool = False) -> Job:
        key = (program, backend, invalid)
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = _template(program, backend, isa=not invalid)
        job = Job(
            id=self.ids.job_id(),
            seq=len(self.engine.jobs),
            program_id=program,
            backend_name=backend,
            session_id=session_id,
            created=self.engine.now,
            duration=0.0,
            max_execution_time=float(self.service.plan.max_execution_time),
            estimated_seconds=template.estimated_seconds,
            params_wire=template.params_wire,
            prepared=None,  # prepared when its results are first asked for: no calibration loaded now
            invalid=template.invalid,
            tags=list(self.spec.tags),
            simulation_seed=self.ids.simulation_seed(),
        )
        job.duration = 0.0 if template.invalid else self.service.duration_of(job)
        self.engine.submit(job)
        return job

    def finish(self, job: Job) -> None:
        """Let the private engine run, event by event, until `job` is final."""
        for _ in range(100_000):
            if job.status in FINAL_STATUSES:
                return
            due = self.engine.next_event()
            later = self.engine.now + timedelta(seconds=1)
            self.engine.advance_to(due if due is not None and due > self.engine.now else later)
        raise RuntimeError(f"history job {job.id} did not end")  # pragma: no cover - a bug, not input


def _template(program: str, backend: str, *, isa: bool) -> _Template:
    """A two-qubit job of `program` for `backend`, as the client would post it; `isa` False: as
    written, not transpiled (a user's past mistake, failed with 1517 when it reaches the QPU)."""
    from qiskit import QuantumCircuit
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.sampler_pub import SamplerPub
    from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

    configuration = get_backend_data(backend).configuration
    width = int(configuration["n_qubits"])
    a, b = configuration["coupling_map"][0]
    native = next(g for g in ("cz", "ecr", "cx") if g in configuration["basis_gates"])
    circuit = QuantumCircuit(width, 2 if program == "sampler" else 0)
    if isa:
        circuit.rz(math.pi / 2, a)
        circuit.sx(a)
        circuit.rz(math.pi / 2, a)
        circuit.append(_gate(native), [a, b])
    else:
        circuit.h(a)
        circuit.cx(a, b)
    pub: Any
    if program == "sampler":
        circuit.measure([a, b], [0, 1])
        pub = SamplerPub.coerce((circuit, None, SHOTS))
    else:
        label = ["I"] * width
        label[width - 1 - a] = label[width - 1 - b] = "Z"
        pub = EstimatorPub.coerce((circuit, "".join(label)))
    params = {"pubs": [pub], "options": {}, "version": 2, "support_qiskit": True}
    text = json.dumps(params, cls=RuntimeEncoder)
    wire = json.loads(text)
    # IBM's estimate (2 s + rep_delay per execution), less the two gates' microseconds
    executions = SHOTS if program == "sampler" else ESTIMATOR_SHOTS
    estimate = round(OVERHEAD_SECONDS + executions * _rep_delay(configuration), 3)
    if isa:
        return _Template(wire, estimate, None)
    try:
        execution.prepare(program, json.loads(text, cls=RuntimeDecoder), backend, params_wire=wire)
    except execution.ExecutionError as exc:
        return _Template(wire, 0.0, Reason(exc.code, exc.message, exc.solution))
    raise AssertionError("a circuit that is not transpiled must fail")  # pragma: no cover


def _rep_delay(configuration: Mapping[str, Any]) -> float:
    microseconds = configuration.get("default_rep_delay")
    return float(microseconds) * 1e-6 if isinstance(microseconds, int | float) else 0.0


def _gate(name: str) -> Any:
    from qiskit.circuit.library import get_standard_gate_name_mapping

    return get_standard_gate_name_mapping()[name]


def _merge(service: RuntimeService, past: Engine) -> None:
    """The past's jobs and sessions join the model ahead of everything, in (created, seq) order."""
    engine = service.engine
    jobs = sorted([*past.jobs.values(), *engine.jobs.values()], key=lambda job: job.created)
    for seq, job in enumerate(jobs):  # a stable sort: the model's own order is kept
        job.seq = seq
    engine.jobs = {job.id: job for job in jobs}
    sessions = sorted([*past.sessions.values(), *engine.sessions.values()], key=lambda s: s.created_at)
    engine.sessions = {session.id: session for session in sessions}
    for session_id, members in past.jobs_by_session.items():
        engine.jobs_by_session[session_id] = list(members)
    engine.usage.absorb(past.usage)
    service.count_history(sum(1 for job in past.jobs.values() if not job.deleted))


def summary(jobs: Sequence[Job], sessions: Sequence[Session]) -> dict[str, list[str]]:
    """What `add_history` answers: the ids it made, oldest first."""
    return {"jobs": [job.id for job in jobs], "sessions": [session.id for session in sessions]}
