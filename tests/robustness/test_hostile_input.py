"""No input breaks the fake: generated bodies, headers, ids and query strings on every endpoint.

After each generated request: no 500, the error (if any) comes in IBM's envelope, a refused request
changed nothing (the job and session it aimed at read the same), and a fixed probe still gives the
same answers: the witness job in a listing, the witness session, and a Bell job run by the real client.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from typing import Any
from urllib.parse import quote, urlencode

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qiskit_ibm_runtime import SamplerV2

from fakeqpu.api.http import Request
from tests.robustness.conftest import BACKEND, BASE, bell_isa

# Numbers as raw JSON tokens: what a client may put on the wire, valid JSON or not.
HOSTILE_TOKENS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "9" * 401, "-" + "9" * 30, "1e-400"]
HOSTILE_TOKENS += ["0", "-1", "-0.0", "2147483648", "9223372036854775808", "1e308", "0.5", "true", "null"]


class Raw:
    """A JSON token written as is (NaN, 1e999, a 401-digit integer)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"Raw({self.token[:12]})"


def encode(value: Any) -> str:
    if isinstance(value, Raw):
        return value.token
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value)


FIELDS = [
    "mode",
    "backend",
    "backend_name",
    "max_ttl",
    "accepting_jobs",
    "program_id",
    "params",
    "session_id",
    "tags",
    "private",
    "cost",
    "log_level",
    "runtime",
    "calibration_id",
]
texts = st.text(max_size=12) | st.sampled_from(["sampler", "estimator", "batch", "dedicated", BACKEND, ""])
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
    | st.sampled_from(HOSTILE_TOKENS).map(Raw)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def hostile_params(draw: st.DrawFn, wire: dict[str, Any]) -> Any:
    """A real job's params with one place replaced: an option, a pub, or the whole of it."""
    params = copy.deepcopy(wire)
    where = draw(st.sampled_from(["rep_delay", "shots", "pubs", "options", "version", "all", "extra"]))
    value = draw(values)
    if where == "rep_delay":
        params.setdefault("options", {}).setdefault("execution", {})["rep_delay"] = value
    elif where == "shots":
        params["pubs"] = [[params["pubs"][0][0], None, value]]
    elif where in ("pubs", "options", "version"):
        params[where] = value
    elif where == "all":
        return value
    else:
        params[draw(st.text(max_size=6))] = value
    return params


@st.composite
def bodies(draw: st.DrawFn, wire: dict[str, Any]) -> bytes:
    kind = draw(st.sampled_from(["object", "object", "object", "value", "bytes", "empty"]))
    if kind == "bytes":
        return draw(st.binary(max_size=40))
    if kind == "empty":
        return b""
    if kind == "value":
        return encode(draw(values)).encode()
    body: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True)):
        body[name] = draw(hostile_params(wire)) if name == "params" else draw(values)
    if draw(st.booleans()):
        body.setdefault("program_id", "sampler")
        body.setdefault("backend", BACKEND)
        body.setdefault("params", draw(hostile_params(wire)))
    return encode(body).encode()


QUERY_NAMES = ["limit", "offset", "pending", "program", "backend", "session_id", "tags", "sort"]
QUERY_NAMES += ["created_after", "created_before", "exclude_params"]
query_values = (
    st.text(max_size=10)
    | st.sampled_from([*HOSTILE_TOKENS, "true", "false", "ASC", "DESC", "2026-01-01T00:00:00Z"])
    | st.sampled_from(["9999-12-31T23:59:59", "0001-01-01", "2026-13-45", "-1", "1" * 5000])
)


PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def routes(world) -> list[tuple[str, str]]:
    return world.runtime.app.runtime.router.routes()


@st.composite
def hostile_requests(draw: st.DrawFn, world, victims: dict[str, str]) -> Request:
    target = draw(st.sampled_from(["runtime"] * 8 + ["iam", "search", "catalog", "unknown"]))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]))
    headers = dict(world.headers) if draw(st.integers(0, 4)) else {}
    if draw(st.integers(0, 5)) == 0:
        headers[draw(st.sampled_from(["authorization", "service-crn"]))] = draw(st.text(max_size=20))
    extra = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=2)
    for name, value in draw(extra).items():
        headers[name.lower()] = value
    body = draw(bodies(world.params_wire))
    query = urlencode(draw(st.lists(st.tuples(st.sampled_from(QUERY_NAMES), query_values), max_size=4)))
    if target == "runtime":
        route_method, pattern = draw(st.sampled_from(routes(world)))
        if draw(st.integers(0, 3)):
            method = route_method

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            known = {"job_id": victims["job"], "session_id": victims["session"], "name": BACKEND}[name]
            ids = st.sampled_from([known, known, "%" + known, "nope"]) | st.text(min_size=1, max_size=10)
            raw = draw(ids)
            return quote(raw, safe="") if draw(st.booleans()) else quote(raw, safe="%")

        url = BASE + PATH_PARAMETER.sub(fill, pattern)
    elif target == "iam":
        url, method = "https://iam.cloud.ibm.com/identity/token", draw(st.sampled_from([method, "POST"]))
    elif target == "search":
        url = "https://api.global-search-tagging.cloud.ibm.com/v3/resources/search"
    elif target == "catalog":
        url = f"https://globalcatalog.cloud.ibm.com/api/v1/{quote(draw(st.text(max_size=10)), safe='')}"
    else:
        url = f"{BASE}/{quote(draw(st.text(max_size=10)))}"
    return Request.build(method, f"{url}?{query}" if query else url, headers, body)


def assert_envelope(request: Request, status: int, body: bytes) -> None:
    assert status != 500, f"{request.method} {request.url} answered 500: {body[:300]!r}"
    assert 200 <= status < 300 or 400 <= status < 500, status
    if request.method == "HEAD":
        assert body == b""
        return
    if status < 400:
        return
    payload = json.loads(body)
    if "iam." in request.host and "errorCode" in payload:  # IAM's own error shape
        assert {"errorCode", "errorMessage"} <= set(payload)
    elif "globalcatalog." in request.host and "status_code" in payload:  # the catalog's
        assert payload["status_code"] == status
    else:
        assert set(payload) == {"errors", "trace"}, payload
        (error,) = payload["errors"]
        assert set(error) == {"code", "message", "solution", "more_info"}
        assert isinstance(error["code"], int) and error["message"]


def snapshot(world, victims: dict[str, str]) -> tuple[Any, ...]:
    get = world.runtime.app.handle
    job = get(Request.build("GET", f"{BASE}/jobs/{victims['job']}", world.headers, b""))
    session = get(Request.build("GET", f"{BASE}/sessions/{victims['session']}", world.headers, b""))
    return job.status, _untraced(job.body), session.status, _untraced(session.body)


def _untraced(body: bytes) -> Any:
    payload = json.loads(body)
    if isinstance(payload, dict):
        payload.pop("trace", None)  # a fresh trace id per answer
    return payload


def probe(world, witnesses: dict[str, str]) -> tuple[Any, ...]:
    listed = requests.get(f"{BASE}/jobs?tags=witness&exclude_params=true", headers=world.headers, timeout=5)
    session = requests.get(f"{BASE}/sessions/{witnesses['session']}", headers=world.headers, timeout=5)
    return listed.status_code, listed.json(), session.status_code, session.json()


def run_bell(world) -> None:
    result = SamplerV2(mode=world.backend).run([bell_isa()], shots=16).result()
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 16 and set(counts) <= {"00", "01", "10", "11"}


def _objects(world) -> tuple[dict[str, str], dict[str, str]]:
    """Victims (the hostile requests aim at them) and witnesses (the probe reads them, nothing else)."""
    sampler = SamplerV2(mode=world.backend)
    sampler.options.environment.job_tags = ["witness"]
    witness_job = sampler.run([bell_isa()], shots=8)
    witness_job.result()
    victim_job = SamplerV2(mode=world.backend).run([bell_isa()], shots=8)
    victim_job.result()
    post = world.runtime.app.handle
    batch = json.dumps({"mode": "batch", "backend": BACKEND}).encode()
    sessions = [
        json.loads(post(Request.build("POST", f"{BASE}/sessions", world.headers, batch)).body)["id"]
        for _ in range(2)
    ]
    return {"job": victim_job.job_id(), "session": sessions[0]}, {
        "job": witness_job.job_id(),
        "session": sessions[1],
    }


def test_every_endpoint_survives_generated_requests(world):
    victims, witnesses = _objects(world)
    before = probe(world, witnesses)
    seen_routes: set[str] = set()

    @settings(
        max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "150")),
        deadline=None,
        derandomize=os.environ.get("HOSTILE_EXAMPLES") is None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        request = data.draw(hostile_requests(world, victims))
        state = snapshot(world, victims)
        response = world.runtime.app.handle(request)
        assert_envelope(request, response.status, response.body)
        if response.status >= 400:
            assert snapshot(world, victims) == state, f"refused {request.method} {request.url} changed state"
        seen_routes.add(request.path)
        assert probe(world, witnesses) == before

    check()
    run_bell(world)
    assert probe(world, witnesses) == before
    assert len(seen_routes) > 20


def test_a_request_with_each_known_wedge_is_refused_and_changes_nothing(world):
    """The requests that once wedged the fake (issue 11): each one refused, the fake still serving."""
    handle = world.runtime.app.handle
    listed = handle(Request.build("GET", f"{BASE}/jobs?limit=200", world.headers, b"")).body
    job = json.dumps({"program_id": "sampler", "backend": BACKEND, "params": world.params_wire})
    for body in [
        job.replace('"backend"', '"cost": NaN, "backend"'),
        job.replace('"backend"', '"cost": %s, "backend"' % ("9" * 401)),
        job.replace('"backend"', '"cost": 1e999, "backend"'),
        job.replace('"backend"', '"private": "yes", "backend"'),
    ]:
        response = handle(Request.build("POST", f"{BASE}/jobs", world.headers, body.encode()))
        assert response.status == 400, response.body
        assert json.loads(response.body)["errors"][0]["code"] == 1208
    for ttl in ["NaN", "Infinity", "-Infinity", "1e999", "9" * 401, "0.5"]:
        body = b'{"mode": "batch", "backend": "%s", "max_ttl": %s}' % (BACKEND.encode(), ttl.encode())
        response = handle(Request.build("POST", f"{BASE}/sessions", world.headers, body))
        assert response.status == 400, (ttl, response.body)
    assert handle(Request.build("GET", f"{BASE}/jobs?limit=200", world.headers, b"")).body == listed
    run_bell(world)


def test_nan_rep_delay_from_the_real_client_is_refused_and_the_fake_keeps_serving(world):
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError

    count = len(world.service.jobs(limit=200))
    sampler = SamplerV2(mode=world.backend)
    sampler.options.execution.rep_delay = math.nan
    try:
        sampler.run([bell_isa()], shots=10)
    except IBMRuntimeError as error:
        assert "400" in str(error)
    else:
        raise AssertionError("a NaN rep_delay was accepted")
    assert len(world.service.jobs(limit=200)) == count
    run_bell(world)
