"""The Qiskit Runtime REST API (`https://[region.]quantum.cloud.ibm.com/api/v1/...`)."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any

from qiskit_ibm_runtime import RuntimeDecoder

from fakeqpu.api import wire
from fakeqpu.api.http import Request, Response
from fakeqpu.api.router import Router
from fakeqpu.memo import Bounded
from fakeqpu.service import errors
from fakeqpu.service.listing import JobFilter
from fakeqpu.service.runtime import RuntimeService

# The API versions the fake answers (`IBM-API-Version`, sent by every client release). The service is
# version-free; only the shape of an answer follows the version (docs/fidelity.md, client versions).
API_VERSIONS = [
    {"version": "2024-01-01", "status": "deprecated"},  # qiskit-ibm-runtime 0.40 and older
    {"version": "2025-01-01", "status": "deprecated"},
    {"version": "2025-05-01", "status": "supported"},  # 0.41 to 0.47
    {"version": "2026-04-15", "status": "supported"},  # 0.48 and newer
]
LATEST_API_VERSION = API_VERSIONS[-1]["version"]
# From this version on `GET /backends` lists devices as objects, and a sampler result's execution
# spans are typed `ExecutionSpans`; before it, devices are names and spans `ExecutionSpanCollection`
# (what the 0.40 client, sending 2024-01-01, reads).
DEVICE_OBJECTS_SINCE = "2025-05-01"
_SPANS_TYPE = '"__type__": "ExecutionSpans"'
_OLD_SPANS_TYPE = '"__type__": "ExecutionSpanCollection"'
# Before this version a job's usage is `usage.quantum_seconds` (what clients up to 0.47 read); from
# it, `usage.qpu_charge_time_seconds`.
CHARGE_TIME_SINCE = "2026-04-15"


def api_version(request: Request) -> str:
    """The client's `IBM-API-Version`; the latest when it sends none or one of another form."""
    raw = (request.header("ibm-api-version") or "").strip()
    return raw if len(raw) == 10 and raw[4] == raw[7] == "-" else LATEST_API_VERSION


MAX_LIST_LIMIT = 200


# JSON numbers the service accepts (CHOSEN, docs/fidelity.md "Robustness and limits"): RFC 8259 has no
# NaN or Infinity, a float must be finite once parsed, an integer must fit in 64 bits.
_INT64 = 2**63


class _NotJsonNumber(ValueError):
    pass


def _no_constant(token: str) -> Any:
    raise _NotJsonNumber(f"{token} is not a JSON number")


def _finite_float(token: str) -> float:
    value = float(token)
    if value in (math.inf, -math.inf):
        raise _NotJsonNumber(f"{token} does not fit in a double")
    return value


def _int64(token: str) -> int:
    if len(token) > 20:
        raise _NotJsonNumber("an integer with more than 19 digits does not fit in 64 bits")
    value = int(token)
    if not -_INT64 <= value < _INT64:
        raise _NotJsonNumber(f"{token} does not fit in 64 bits")
    return value


def json_body(request: Request, *, runtime_types: bool = False) -> Any:
    if not request.body:
        raise errors.validation_error("the request has no JSON body.")
    try:
        text = request.body.decode()
        return json.loads(
            text,
            cls=RuntimeDecoder if runtime_types else None,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_int64,
        )
    except _NotJsonNumber as exc:
        raise errors.validation_error(f"the body is not valid JSON ({exc}).") from None
    except Exception as exc:  # any undecodable body is the caller's error, never ours
        raise errors.validation_error(f"the body is not valid JSON ({type(exc).__name__}).") from None


# Decoded `params` (QPY circuits and all) by the digest of their JSON: a suite resubmits the same
# few circuits, and decoding is most of a small job's own cost. Read-only to whoever gets them.
_DECODED_PARAMS: Bounded[Any] = Bounded(32)


def _decoded_params(request: Request, params_wire: Any) -> Any:
    """The body's `params`, RuntimeDecoder-decoded; the same object for the same params text."""
    if not isinstance(params_wire, dict):
        return json_body(request, runtime_types=True).get("params")
    text = json.dumps(params_wire, separators=(",", ":"))
    key = hashlib.sha256(text.encode()).digest()
    cached = _DECODED_PARAMS.get(key)
    if cached is not None:
        return cached
    try:
        decoded = json.loads(text, cls=RuntimeDecoder)
    except Exception:  # the same error as decoding the whole body
        return json_body(request, runtime_types=True).get("params")
    return decoded if decoded is None else _DECODED_PARAMS.put(key, decoded)


def json_object(request: Request) -> dict[str, Any]:
    body = json_body(request)
    if not isinstance(body, dict):
        raise errors.validation_error("the body must be a JSON object.")
    return body


class RuntimeApi:
    def __init__(self, service: RuntimeService) -> None:
        self.service = service
        self.router = Router()
        r = self.router.add
        r("GET", "/versions", self.versions)
        r("GET", "/backends", self.list_backends)
        r("GET", "/backends/{name}/configuration", self.backend_configuration)
        r("GET", "/backends/{name}/properties", self.backend_properties)
        r("GET", "/backends/{name}/status", self.backend_status)
        r("GET", "/backends/{name}/defaults", self.backend_defaults)
        r("GET", "/instances/usage", self.instance_usage)
        r("GET", "/instance", self.instance)
        r("POST", "/sessions", self.create_session)
        r("GET", "/sessions/{session_id}", self.get_session)
        r("PATCH", "/sessions/{session_id}", self.update_session)
        r("DELETE", "/sessions/{session_id}/close", self.cancel_session)
        r("POST", "/jobs", self.create_job)
        r("GET", "/jobs", self.list_jobs)
        r("GET", "/jobs/{job_id}", self.get_job)
        r("DELETE", "/jobs/{job_id}", self.delete_job)
        r("GET", "/jobs/{job_id}/results", self.job_results)
        r("GET", "/jobs/{job_id}/logs", self.job_logs)
        r("GET", "/jobs/{job_id}/metrics", self.job_metrics)
        r("POST", "/jobs/{job_id}/cancel", self.cancel_job)
        r("PUT", "/jobs/{job_id}/tags", self.update_tags)

    # -- misc ----------------------------------------------------------------------------------

    def versions(self, request: Request) -> Response:
        return Response.json({"versions": API_VERSIONS})

    def instance(self, request: Request) -> Response:
        plan = self.service.plan
        return Response.json(
            {
                "backends": list(self.service.backends),
                "plan_id": plan.name,
                "instance_limit_seconds": None
                if plan.usage_limit_seconds is None
                else str(plan.usage_limit_seconds),
                "usage_allocation_seconds": None
                if plan.usage_allocation_seconds is None
                else str(plan.usage_allocation_seconds),
            }
        )

    def instance_usage(self, request: Request) -> Response:
        usage = self.service.usage()
        body: dict[str, Any] = {
            "instance_id": self.service.instance.crn,
            "plan_id": self.service.plan.name,
            "usage_period": {
                "start_time": wire.iso(usage["period_start"]),
                "end_time": wire.iso(usage["period_end"]),
            },
            # IBM answers whole seconds (the client's `usage_remaining_seconds` is then an int); the
            # floor keeps `usage_limit_reached` true exactly when consumed >= limit (CHOSEN).
            "usage_consumed_seconds": math.floor(usage["consumed"]),
            "usage_limit_reached": usage["limit_reached"],
        }
        if usage["limit"] is not None:
            body["usage_limit_seconds"] = usage["limit"]
        if usage["allocation"] is not None:
            body["usage_allocation_seconds"] = usage["allocation"]
        return Response.json(body)

    # -- backends --------------------------------------------------------------------------------

    def list_backends(self, request: Request) -> Response:
        if api_version(request) < DEVICE_OBJECTS_SINCE:
            return Response.json({"devices": list(self.service.backends)})
        states = dict(self.service.backends)
        if (request.param("include_mocks") or "").lower() == "true":
            states.update(self.service.mock_backends)
        devices = [wire.device_body(state, self.service.queue_length(name)) for name, state in states.items()]
        return Response.json({"devices": devices})

    def backend_configuration(self, request: Request, name: str) -> Response:
        data = self.service.calibrated_backend(name, request.param("calibration_id")).data
        return Response.text(data.configuration_text, content_type="application/json")

    def backend_properties(self, request: Request, name: str) -> Response:
        data = self.service.calibrated_backend(name, request.param("calibration_id")).data
        return Response.text(data.properties_text, content_type="application/json")

    def backend_status(self, request: Request, name: str) -> Response:
        state = self.service.backend(name)
        return Response.json(wire.status_body(state, self.service.queue_length(name)))

    def backend_defaults(self, request: Request, name: str) -> Response:
        self.service.backend(name)
        return Response.json(None)

    # -- sessions --------------------------------------------------------------------------------

    def _session_response(self, session_id: str) -> Response:
        with self.service.lock:
            session = self.service.session(session_id)
            usage = self.service.session_usage(session)
            return Response.json(wire.session_body(session, usage, self.service.now))

    def create_session(self, request: Request) -> Response:
        body = json_object(request)
        backend = body.get("backend", body.get("backend_name"))
        session = self.service.create_session(
            mode=body.get("mode"), backend=backend, max_ttl=body.get("max_ttl")
        )
        return self._session_response(session.id)

    def get_session(self, request: Request, session_id: str) -> Response:
        return self._session_response(session_id)

    def update_session(self, request: Request, session_id: str) -> Response:
        body = json_object(request)
        if "accepting_jobs" not in body:
            raise errors.validation_error("accepting_jobs is required.")
        self.service.set_accepting_jobs(session_id, body["accepting_jobs"])
        return Response.empty(204)

    def cancel_session(self, request: Request, session_id: str) -> Response:
        self.service.cancel_session(session_id)
        return Response.empty(204)

    # -- jobs ------------------------------------------------------------------------------------

    def create_job(self, request: Request) -> Response:
        wire_body = json_object(request)
        job = self.service.submit_job(
            program_id=wire_body.get("program_id"),
            backend=wire_body.get("backend"),
            params_wire=wire_body.get("params"),
            params=_decoded_params(request, wire_body.get("params")),
            session_id=wire_body.get("session_id"),
            tags=wire_body.get("tags"),
            private=wire_body.get("private", False),
            cost=wire_body.get("cost"),
            log_level=wire_body.get("log_level", "WARNING"),
            runtime=wire_body.get("runtime", ""),
            calibration_id=wire_body.get("calibration_id"),
        )
        body: dict[str, Any] = {"id": job.id, "backend": job.backend_name}
        if job.private:
            body["private"] = True  # only when true, as IBM answers
        if job.session_id:
            body["session_id"] = job.session_id
        return Response.json(body)

    def get_job(self, request: Request, job_id: str) -> Response:
        with self.service.lock:
            job = self.service.job(job_id)
            include_params = (request.param("exclude_params") or "false").lower() != "true"
            return Response.json(wire.job_body(job, self.service.now, include_params=include_params))

    def list_jobs(self, request: Request) -> Response:
        query = _job_filter(request)
        with self.service.lock:
            page, count = self.service.jobs(query)
            include_params = (request.param("exclude_params") or "true").lower() != "true"
            jobs = [wire.job_body(job, self.service.now, include_params=include_params) for job in page]
        return Response.json({"jobs": jobs, "count": count, "offset": query.offset, "limit": query.limit})

    def delete_job(self, request: Request, job_id: str) -> Response:
        self.service.delete_job(job_id)
        return Response.empty(204)

    def job_results(self, request: Request, job_id: str) -> Response:
        text = self.service.job_result_text(job_id)
        if text is None:
            return Response.empty(204)
        if api_version(request) < DEVICE_OBJECTS_SINCE:
            text = text.replace(_SPANS_TYPE, _OLD_SPANS_TYPE)
        return Response.text(text, content_type="application/json" if text.startswith("{") else "text/plain")

    def job_logs(self, request: Request, job_id: str) -> Response:
        return Response.text(self.service.job_logs(job_id))

    def job_metrics(self, request: Request, job_id: str) -> Response:
        with self.service.lock:
            job = self.service.job(job_id)
            body = wire.job_metrics(job, self.service.now)
        if api_version(request) < CHARGE_TIME_SINCE:
            usage = body["usage"]
            usage["quantum_seconds"] = usage.pop("qpu_charge_time_seconds")
        return Response.json(body)

    def cancel_job(self, request: Request, job_id: str) -> Response:
        self.service.cancel_job(job_id)
        return Response.empty(204)

    def update_tags(self, request: Request, job_id: str) -> Response:
        body = json_object(request)
        if "tags" not in body:  # CHOSEN: IBM's body has "tags" required; `{}` is not "clear the tags"
            raise errors.validation_error("tags is required.")
        if body["tags"] is None:
            raise errors.validation_error("tags must be a list of strings.")
        self.service.update_tags(job_id, body["tags"])
        return Response.empty(204)


def _job_filter(request: Request) -> JobFilter:
    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = request.param(name)
        try:
            value = int(raw) if raw is not None else default
        except ValueError:
            return default
        return value if low <= value <= high else default  # out of range: the default, silently (IBM's rule)

    def when(name: str) -> datetime | None:
        raw = request.param(name)
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise errors.validation_error(f"{name} must be an ISO 8601 date-time.") from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    pending_raw = request.param("pending")
    pending = None if pending_raw is None else pending_raw.lower() == "true"
    return JobFilter(
        limit=integer("limit", MAX_LIST_LIMIT, 1, MAX_LIST_LIMIT),
        offset=integer("offset", 0, 0, 2**31),
        pending=pending,
        program=request.param("program"),
        backend=request.param("backend"),
        session_id=request.param("session_id"),
        tags=tuple(request.query.get("tags", [])),
        created_after=when("created_after"),
        created_before=when("created_before"),
        descending=(request.param("sort") or "DESC").upper() != "ASC",
        include_mocks=(request.param("include_mocks") or "").lower() == "true",
    )
