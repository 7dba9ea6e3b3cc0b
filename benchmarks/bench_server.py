"""Server mode against in-process interception: requests per second, and a job's round trip.

1. Requests per second for `GET /api/v1/versions` (authorized, the cheapest runtime request):
   - the app called directly (`FakeIbmCloud.handle`, no transport at all): the baseline;
   - in-process: `requests` intercepted by `mock_runtime()`;
   - server mode: `requests` over one kept-alive loopback connection, from this process;
   - server mode: 4 client processes at once, each with its own connection.
2. A job's round trip with the real client, `SamplerV2(...).run([bell]).result()` (median of 10),
   in-process and through the server, in job mode and in a session.

Run: `.venv/bin/python benchmarks/bench_server.py`. Ratios are against the baseline of the same run.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import bell, ms, timed

N_REQUESTS = 2000
N_JOBS = 10
CLIENT_PROCESSES = 4


def _auth(iam_url: str, runtime_crn: str) -> dict[str, str]:
    import requests

    form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": "k"}
    token = requests.post(f"{iam_url}/identity/token", data=form, timeout=30).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "Service-CRN": runtime_crn}


def _loop(base: str, headers: dict[str, str], count: int) -> float:
    """Seconds for `count` GET /versions on one kept-alive connection."""
    import requests

    with requests.Session() as session:
        session.get(f"{base}/versions", headers=headers, timeout=30).raise_for_status()
        start = time.perf_counter()
        for _ in range(count):
            session.get(f"{base}/versions", headers=headers, timeout=30)
        return time.perf_counter() - start


def _client_process(args: tuple[str, str, str, int]) -> float:
    base, iam_url, crn, count = args
    return _loop(base, _auth(iam_url, crn), count)


def requests_per_second() -> None:
    import fakeqpu
    from fakeqpu.api.http import Request

    print(f"requests per second, GET /api/v1/versions ({N_REQUESTS} requests)")
    with fakeqpu.mock_runtime(seed=1) as runtime:
        headers = _auth("https://iam.cloud.ibm.com", runtime.crn)
        direct = Request.build("GET", "https://quantum.cloud.ibm.com/api/v1/versions", headers, b"")
        start = time.perf_counter()
        for _ in range(N_REQUESTS):
            runtime.app.handle(direct)
        baseline = N_REQUESTS / (time.perf_counter() - start)
        in_process = N_REQUESTS / _loop("https://quantum.cloud.ibm.com/api/v1", headers, N_REQUESTS)
    with fakeqpu.serve(seed=1, auto_tick=0) as server:
        env = server.env
        headers = _auth(env["IAM_URL"], server.crn)
        served = N_REQUESTS / _loop(f"{server.url}/api/v1", headers, N_REQUESTS)
        per_client = N_REQUESTS // CLIENT_PROCESSES
        work = [(f"{server.url}/api/v1", env["IAM_URL"], server.crn, per_client)] * CLIENT_PROCESSES
        with multiprocessing.get_context("spawn").Pool(CLIENT_PROCESSES) as pool:
            pool.map(_client_process, [(w[0], w[1], w[2], 1) for w in work])  # start-up, not measured
            start = time.perf_counter()
            pool.map(_client_process, work)
            parallel = per_client * CLIENT_PROCESSES / (time.perf_counter() - start)
    rows = [
        ("app.handle, no transport (baseline)", baseline),
        ("in-process interception (responses)", in_process),
        ("server, 1 connection from this process", served),
        (f"server, {CLIENT_PROCESSES} client processes", parallel),
    ]
    for name, rate in rows:
        print(f"  {name:<42} {rate:8.0f} req/s  {1000 / rate:6.2f} ms/req  {baseline / rate:5.1f}x baseline")


def round_trips() -> None:
    from qiskit_ibm_runtime import QiskitRuntimeService, Session
    from qiskit_ibm_runtime import SamplerV2 as Sampler

    import fakeqpu

    def measure(service: QiskitRuntimeService) -> tuple[float, float]:
        backend = service.backend("ibm_torino")
        circuit = bell(backend)
        job_mode, _ = timed(lambda: Sampler(mode=backend).run([circuit], shots=100).result(), N_JOBS)
        with Session(backend=backend) as session:
            in_session, _ = timed(lambda: Sampler(mode=session).run([circuit], shots=100).result(), N_JOBS)
        return job_mode, in_session

    def served(auto_tick: float) -> tuple[float, float]:
        with fakeqpu.serve(seed=1, auto_tick=auto_tick) as server:
            saved = {name: os.environ.get(name) for name in server.env}
            os.environ.update(server.env)
            try:
                return measure(QiskitRuntimeService())
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value

    with fakeqpu.mock_runtime(seed=1) as runtime:
        local = measure(runtime.service())
    remote, no_wait = served(1.0), served(10.0)
    print(f"\njob round trip, Sampler Bell 100 shots, run().result() (median of {N_JOBS})")
    print("  (server: the client sleeps for real between polls; auto_tick=10 ends the job before the first)")
    for label, index in (("job mode", 0), ("in a session", 1)):
        print(
            f"  {label:<13} in-process {ms(local[index])}   server {ms(remote[index])} "
            f"({remote[index] / local[index]:4.1f}x)   server auto_tick=10 {ms(no_wait[index])} "
            f"({no_wait[index] / local[index]:4.1f}x)"
        )


def main() -> None:
    requests_per_second()
    round_trips()
    print(f"\n(cpu count {os.cpu_count()}; medians; {statistics.__name__} of wall times)")


if __name__ == "__main__":
    main()
