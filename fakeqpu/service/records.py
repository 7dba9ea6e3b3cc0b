"""The stable, read-only view of what happened: job and session records built from the model.

`FakeRuntime.jobs()` and `sessions()` return these; the model behind them (`FakeRuntime.model`) is
internal and may change. Every record is a frozen snapshot: reading it later shows the state at the
moment it was taken.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from fakeqpu import execution
from fakeqpu.service.jobs import Job
from fakeqpu.service.sessions import Session


@dataclass(frozen=True)
class PubRecord:
    """One PUB of a job, decoded: what the client submitted, after the service resolved its shots."""

    circuit: Any  # qiskit.QuantumCircuit
    parameter_values: Any  # numpy array, shape (..., number of parameters); empty without parameters
    # (an executor item's `circuit_arguments`; None for a samplex item, whose arguments the samplex makes)
    shots: int | None  # an executor item: shots per element × elements (randomizations, sweep points)
    observables: Any = None  # Estimator only: nested lists of {pauli: coefficient}
    precision: float | None = None  # Estimator only


@dataclass(frozen=True)
class JobRecord:
    """A job of this instance, as the fake saw it (other users' background load is not listed).

    `status` is IBM's word (`Queued`, `Running`, `Completed`, `Failed`, `Cancelled`); `reason_code`
    is IBM's error code of a failed or cancelled job (1217, 1305, ...); `shots` is one count per PUB;
    `qpu_seconds` is the QPU time used so far; `options` the primitive options as posted;
    `simulation` how fakeqpu simulated each part of the job (one dict per circuit or group of PUBs:
    method, exact, qubits, predicted_seconds, seconds, where, details), None until the result was
    computed (the fake simulates a job when its result is first read).
    """

    id: str
    program: str
    backend: str
    session_id: str | None
    status: str
    reason_code: int | None
    reason: str | None
    tags: tuple[str, ...]
    shots: tuple[int | None, ...]
    pubs: tuple[PubRecord, ...]
    options: Mapping[str, Any]
    created: datetime
    started: datetime | None
    finished: datetime | None
    qpu_seconds: float
    simulation: tuple[Mapping[str, Any], ...] | None = None

    @property
    def final(self) -> bool:
        return self.status in ("Completed", "Failed", "Cancelled")


@dataclass(frozen=True)
class SessionRecord:
    """A session or batch: `state` is the wire word (`open`, `active`, `inactive`, `pending_closed`,
    `closed`), `state_reason` why it closed; `jobs` the ids of its jobs in submission order;
    `timestamps` every state change as `(state, at)`."""

    id: str
    mode: str
    backend: str
    state: str
    state_reason: str | None
    max_ttl: int
    interactive_ttl: int
    jobs: tuple[str, ...]
    usage_seconds: float | None
    created: datetime
    started: datetime | None
    closed: datetime | None
    timestamps: tuple[tuple[str, datetime], ...]

    @property
    def open(self) -> bool:
        return self.state != "closed"


def pub_records(prepared: Any) -> tuple[PubRecord, ...]:
    """The PUBs of a prepared job, decoded. The one place that knows a program's PUB shapes."""
    if prepared is None:
        return ()
    program = getattr(prepared, "quantum_program", None)
    if program is not None:  # an executor job: one record per item, shots = shots × the item's size
        return tuple(
            PubRecord(
                circuit=item.circuit,
                parameter_values=getattr(item, "circuit_arguments", None),
                shots=int(program.shots) * int(item.size()),
            )
            for item in program.items
        )
    records = []
    for item in prepared.pubs:
        if hasattr(item, "pub"):  # an EstimatorTask: the pub with its precision, and its shots
            pub = item.pub
            records.append(
                PubRecord(
                    circuit=pub.circuit,
                    parameter_values=pub.parameter_values.as_array(),
                    shots=item.shots,
                    observables=pub.observables.tolist(),
                    precision=pub.precision,
                )
            )
        else:  # a SamplerPub
            records.append(
                PubRecord(
                    circuit=item.circuit, parameter_values=item.parameter_values.as_array(), shots=item.shots
                )
            )
    return tuple(records)


def _prepared(job: Job) -> Any:
    """The job's prepared PUBs; a compacted job's are prepared again from its stored inputs."""
    if job.prepared is not None or job.background or job.invalid is not None:
        return job.prepared
    try:
        return execution.prepare_from_wire(job.program_id, job.wire_params(), job.backend_name)
    except execution.ExecutionError:
        return None


def job_record(job: Job, now: datetime) -> JobRecord:
    pubs = pub_records(_prepared(job))
    params = job.wire_params()
    options = params.get("options") if isinstance(params, dict) else None
    return JobRecord(
        id=job.id,
        program=job.program_id,
        backend=job.backend_name,
        session_id=job.session_id,
        status=job.status,
        reason_code=job.reason.code if job.reason else None,
        reason=job.reason.message if job.reason else None,
        tags=tuple(job.tags),
        shots=tuple(pub.shots for pub in pubs),
        pubs=pubs,
        options=MappingProxyType(copy.deepcopy(options) if isinstance(options, dict) else {}),
        created=job.created,
        started=job.started_at,
        finished=job.finished_at,
        qpu_seconds=round(job.qpu_seconds(now), 3),
        simulation=None
        if job.simulation is None
        else tuple(MappingProxyType(copy.deepcopy(entry)) for entry in job.simulation),
    )


def session_record(session: Session, job_ids: tuple[str, ...], usage: float | None) -> SessionRecord:
    return SessionRecord(
        id=session.id,
        mode=session.mode,
        backend=session.backend_name,
        state=session.state,
        state_reason=session.state_reason,
        max_ttl=session.max_ttl,
        interactive_ttl=session.interactive_ttl,
        jobs=job_ids,
        usage_seconds=usage,
        created=session.created_at,
        started=session.started_at,
        closed=session.closed_at,
        timestamps=tuple(session.timestamps),
    )
