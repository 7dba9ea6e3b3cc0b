"""How domain records look on the wire: the fields the real service returns and the client reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import qiskit

from fakeqpu.backend_data import is_mock
from fakeqpu.service.jobs import Job
from fakeqpu.service.runtime import BackendState
from fakeqpu.service.sessions import Session


def iso(value: datetime | None) -> str | None:
    """`2026-11-24T02:58:21.147Z`: UTC, milliseconds, a Z, like the real service."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def session_body(session: Session, elapsed_time: float | None, now: datetime) -> dict[str, Any]:
    return {
        "id": session.id,
        "backend_name": session.backend_name,
        "mode": session.mode,
        "state": session.state,
        "state_reason": session.state_reason,
        "accepting_jobs": session.accepting_jobs,
        "interactive_ttl": session.interactive_ttl,
        "max_ttl": session.max_ttl,
        "active_ttl": _active_ttl(session, now),
        "started_at": iso(session.started_at),
        "activated_at": iso(session.activated_at),
        "closed_at": iso(session.closed_at),
        "last_job_started": iso(session.last_job_started),
        "last_job_completed": iso(session.last_job_completed),
        "created_at": iso(session.created_at),
        "elapsed_time": elapsed_time,
        "timestamps": [{"status": state, "timestamp": iso(at)} for state, at in session.timestamps],
        "user_id": "fakeqpu-user",
    }


def _active_ttl(session: Session, now: datetime) -> int:
    """Seconds of max TTL left: the timer starts with the session and never pauses."""
    if session.started_at is None:
        return session.max_ttl
    end = session.closed_at or now
    return max(0, session.max_ttl - int((end - session.started_at).total_seconds()))


def job_state(job: Job) -> dict[str, Any]:
    reason = job.reason
    return {
        "status": job.status,
        "reason": reason.message if reason else None,
        "reason_code": reason.code if reason else None,
        "reason_solution": reason.solution if reason else None,
    }


def job_body(job: Job, now: datetime, *, include_params: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job.id,
        "backend": job.backend_name,
        "state": job_state(job),
        "status": job.status,
        "program": {"id": job.program_id},
        "created": iso(job.created),
        "runtime": job.runtime,
        "cost": int(job.max_execution_time),
        "tags": list(job.tags),
        "session_id": job.session_id,
        "user_id": "fakeqpu-user",
        "usage": job_usage(job, now),
        "estimated_running_time_seconds": job.estimated_seconds,
    }
    if job.calibration_id:
        body["calibration_id"] = job.calibration_id
    if job.private:
        body["private"] = True  # IBM returns the field only when true, and never a private job's params
    elif include_params:
        body["params"] = job.wire_params()
    return body


def job_usage(job: Job, now: datetime) -> dict[str, Any]:
    return {
        "qpu_charge_time_seconds": round(job.qpu_seconds(now)) if job.final else 0,
        "status": "complete" if job.final else "pending",
    }


def job_metrics(job: Job, now: datetime) -> dict[str, Any]:
    return {
        "caller": "qiskit_ibm_runtime",
        "timestamps": {
            "created": iso(job.created),
            "running": iso(job.started_at),
            "finished": iso(job.finished_at),
        },
        "usage": job_usage(job, now),
        "circuits_execution_time_ns": int(job.qpu_seconds(now) * 1e9) if job.final else None,
        "qiskit_version": qiskit.__version__,
        "estimated_running_time_seconds": job.estimated_seconds,
    }


def device_body(state: BackendState, queue_length: int) -> dict[str, Any]:
    data = state.data
    status: dict[str, Any] = {"name": state.status}
    if state.reason:
        status["reason"] = state.reason
    processor = data.processor_type
    body: dict[str, Any] = {
        "name": data.name,
        "status": status,
        "is_simulator": False,
        "qubits": data.num_qubits,
        "physical_qubits": data.physical_qubits,
        "processor_type": {k: processor[k] for k in ("family", "revision", "segment") if k in processor},
        "queue_length": queue_length,
    }
    if is_mock(data.name):
        body["class"] = "mock"  # what the client's dry run looks for
    return body


def status_body(state: BackendState, queue_length: int) -> dict[str, Any]:
    online = state.status == "online"
    return {
        "state": online,
        "status": "active" if online else state.status,
        "message": "available" if online else (state.reason or state.status),
        "length_queue": queue_length,
        "backend_version": state.data.backend_version,
    }
