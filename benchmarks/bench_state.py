"""The state dir's cost: per request with and without `state_dir`, and a restart's replay.

1. Requests per second through the server, with and without `state_dir` (ratios in the same run):
   - a read that moves the clock (`GET /api/v1/versions`, auto_tick 1 s): one small clock record,
     written but not synced (a kill -9 keeps it; see docs/server.md);
   - a job submission (`POST /api/v1/jobs`): the request recorded and `fdatasync`ed before the answer;
   - the same submission after 1000 jobs already served: an append costs the same at any size.
2. A restart: opening a state dir of N = 1000 jobs (each submitted, run and its results read) replays
   the journal; against building a fresh fake, and per job. Also the journal's size.

Run: `.venv/bin/python benchmarks/bench_state.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import ms

N_READS = 1000
N_POSTS = 100
N_REPLAY = 1000
ROUNDS = 3


def _body() -> str:
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import RuntimeEncoder

    circuit = QuantumCircuit(2)
    circuit.x(0)
    circuit.sx(1)
    circuit.cz(0, 1)
    circuit.measure_all()
    params = {"pubs": [[circuit, None, 50]], "options": {}, "version": 2}
    return json.dumps(
        {"program_id": "sampler", "backend": "ibm_torino", "params": params}, cls=RuntimeEncoder
    )


def _rates(state_dir: str | None, body: str, warm_jobs: int = 0) -> tuple[float, float]:
    """(reads/s, submissions/s) of one server over one kept-alive connection."""
    import requests

    import fakeqpu

    options = {"state_dir": state_dir} if state_dir else {}
    with fakeqpu.serve(seed=1, auto_tick=1, **options) as server, requests.Session() as session:
        form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": "k"}
        token = session.post(f"{server.url}/iam/identity/token", data=form).json()["access_token"]
        session.headers.update({"Authorization": f"Bearer {token}", "Service-CRN": server.crn})
        base = f"{server.url}/api/v1"
        headers = {"Content-Type": "application/json"}
        for _ in range(warm_jobs):
            session.post(f"{base}/jobs", data=body, headers=headers).raise_for_status()
        session.get(f"{base}/versions").raise_for_status()
        start = time.perf_counter()
        for _ in range(N_READS):
            session.get(f"{base}/versions")
        reads = N_READS / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(N_POSTS):
            session.post(f"{base}/jobs", data=body, headers=headers).raise_for_status()
        posts = N_POSTS / (time.perf_counter() - start)
    return reads, posts


def _best(rates: list[tuple[float, float]]) -> tuple[float, float]:
    return max(r for r, _ in rates), max(p for _, p in rates)


def per_request(body: str) -> None:
    print(f"requests per second through the server ({N_READS} reads, {N_POSTS} job submissions)")
    work = Path(tempfile.mkdtemp(prefix="fakeqpu-bench-state-"))
    try:
        _rates(None, body)  # warm-up: the first jobs pay for imports and caches
        runs: dict[str, list[tuple[float, float]]] = {"plain": [], "kept": []}
        for round_ in range(ROUNDS):  # alternated, best of each: the machine's other load varies
            runs["plain"].append(_rates(None, body))
            runs["kept"].append(_rates(str(work / f"a{round_}"), body))
        plain, kept = (_best(runs[name]) for name in ("plain", "kept"))
        grown_plain = _rates(None, body, warm_jobs=N_REPLAY)
        grown = _rates(str(work / "b"), body, warm_jobs=N_REPLAY)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [
        ("no state dir (baseline)", plain, plain),
        ("state_dir", kept, plain),
        (f"no state dir, after {N_REPLAY} jobs", grown_plain, grown_plain),
        (f"state_dir, after {N_REPLAY} jobs", grown, grown_plain),
    ]
    for name, (reads, posts), (base_reads, base_posts) in rows:
        print(
            f"  {name:<33} reads {reads:6.0f}/s ({base_reads / reads:4.2f}x)   "
            f"submissions {posts:5.0f}/s ({1000 / posts:5.2f} ms each, {base_posts / posts:4.2f}x)"
        )
    probe = Path(tempfile.mkdtemp(prefix="fakeqpu-bench-sync-"))
    try:
        fd = os.open(probe / "probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        start = time.perf_counter()
        for _ in range(50):
            os.write(fd, b"x" * 1000 + b"\n")
            (getattr(os, "fdatasync", None) or os.fsync)(fd)
        sync = (time.perf_counter() - start) / 50
        os.close(fd)
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    print(f"  (this disk: one 1 kB append + fdatasync takes {sync * 1000:.2f} ms)")


def _app_rates(state_dir: str | None, body: str, jobs_before: int) -> tuple[float, float]:
    """(reads/s, submissions/s) through the fake's handler, no HTTP: the journal's own cost."""
    from fakeqpu.api.http import Request
    from fakeqpu.mock import FakeRuntime
    from fakeqpu.options import RuntimeOptions

    fake = FakeRuntime(RuntimeOptions.from_kwargs({"seed": 1, "auto_tick": 1, "state_dir": state_dir}))
    headers = _headers(fake)
    base = "https://quantum.cloud.ibm.com/api/v1"
    post = Request.build("POST", f"{base}/jobs", headers, body)
    read = Request.build("GET", f"{base}/versions", headers, b"")
    for _ in range(jobs_before):
        fake.app.handle(post)  # not recorded: the model grows, the journal does not
    start = time.perf_counter()
    for _ in range(N_READS):
        fake.handle(read)
    reads = N_READS / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(N_POSTS):
        fake.handle(post)
    posts = N_POSTS / (time.perf_counter() - start)
    fake.close()
    return reads, posts


def _headers(fake: Any) -> dict[str, str]:
    from fakeqpu.api.http import Request

    form = "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=k"
    iam = Request.build("POST", "https://iam.cloud.ibm.com/identity/token", {}, form)
    token = json.loads(fake.handle(iam).body)["access_token"]
    return {"Authorization": f"Bearer {token}", "Service-CRN": fake.crn, "Content-Type": "application/json"}


def per_request_in_the_app(body: str) -> None:
    print(f"\nthe fake's handler, no HTTP ({N_READS} reads, {N_POSTS} job submissions; best of {ROUNDS})")
    work = Path(tempfile.mkdtemp(prefix="fakeqpu-bench-app-"))
    try:
        for jobs_before in (0, N_REPLAY):
            runs: dict[str, list[tuple[float, float]]] = {"plain": [], "kept": []}
            for round_ in range(ROUNDS):
                runs["plain"].append(_app_rates(None, body, jobs_before))
                runs["kept"].append(_app_rates(str(work / f"{jobs_before}-{round_}"), body, jobs_before))
            (pr, pp), (kr, kp) = _best(runs["plain"]), _best(runs["kept"])
            print(
                f"  {jobs_before:4d} jobs before: reads {pr:6.0f}/s -> {kr:6.0f}/s ({pr / kr:4.2f}x, "
                f"+{(1 / kr - 1 / pr) * 1e6:5.0f} us)   submissions {pp:5.0f}/s -> {kp:5.0f}/s "
                f"({pp / kp:4.2f}x, +{(1 / kp - 1 / pp) * 1000:5.2f} ms)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def replay(body: str) -> None:
    import fakeqpu
    from fakeqpu.api.http import Request
    from fakeqpu.mock import FakeRuntime
    from fakeqpu.options import RuntimeOptions

    work = Path(tempfile.mkdtemp(prefix="fakeqpu-bench-replay-"))
    try:
        options = RuntimeOptions.from_kwargs({"seed": 1, "auto_tick": 1, "state_dir": str(work)})
        fake = FakeRuntime(options)
        token = json.loads(
            fake.handle(
                Request.build(
                    "POST",
                    "https://iam.cloud.ibm.com/identity/token",
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=k",
                )
            ).body
        )["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "Service-CRN": fake.crn,
            "Content-Type": "application/json",
        }
        base = "https://quantum.cloud.ibm.com/api/v1"
        start = time.perf_counter()
        for _ in range(N_REPLAY):
            job = json.loads(fake.handle(Request.build("POST", f"{base}/jobs", headers, body)).body)["id"]
            fake.clock.advance(seconds=30)
            fake.handle(Request.build("GET", f"{base}/jobs/{job}/results", headers, b""))
        made = time.perf_counter() - start
        fake.close()
        size = (work / "journal.jsonl").stat().st_size
        start = time.perf_counter()
        reopened = FakeRuntime(RuntimeOptions.from_kwargs({"state_dir": str(work)}))
        replayed = time.perf_counter() - start
        assert len(reopened.jobs()) == N_REPLAY
        reopened.close()
        start = time.perf_counter()
        fakeqpu.FakeRuntime(RuntimeOptions.from_kwargs({"seed": 1}))
        fresh = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\na restart: replaying a state dir of {N_REPLAY} jobs (each submitted, run, its results read)")
    print(f"  journal: {size / 1e6:.2f} MB, {size / N_REPLAY / 1000:.1f} kB per job (made in {made:.1f} s)")
    print(f"  opening it (replay)     {ms(replayed)}   {replayed / N_REPLAY * 1e6:6.0f} us per job")
    print(f"  a fresh fake (baseline) {ms(fresh)}   replay = {replayed / fresh:5.1f}x a fresh start")


def main() -> None:
    body = _body()
    per_request(body)
    per_request_in_the_app(body)
    replay(body)
    print(f"\n(cpu count {os.cpu_count()}; wall times of one run)")


if __name__ == "__main__":
    main()
