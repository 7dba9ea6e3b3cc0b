"""Flat cost at scale: many sequential Bell jobs through the real client, in job mode and in a Session.

For each run: the median time of the first and of the last 1,000 jobs (or tenth, for short runs)
and their ratio (target <= 1.1), both as wall time and as this process's CPU time (on a shared
machine the wall time follows the other processes' load; the CPU time does not), and the growth of
the process's resident memory per finished job between the end of the first block and the end of
the run (target <= 20 KB).

    python benchmarks/bench_soak.py [jobs in job mode, default 10000] [jobs in a session, default 2000]
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import bell

SHOTS = 100


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def soak(jobs: int, in_session: bool) -> dict[str, float]:
    from qiskit_ibm_runtime import SamplerV2, Session
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    import fakeqpu

    block = max(1, min(1000, jobs // 10))
    times: list[float] = []
    cpu: list[float] = []
    with fakeqpu.mock_runtime(backends=["ibm_torino"], seed=1, job_duration=0, plan="premium") as runtime:
        backend = runtime.service().backend("ibm_torino")
        circuit = bell(FakeTorino())
        session = Session(backend=backend, max_time="8h") if in_session else None
        sampler = SamplerV2(mode=session or backend)
        sampler.run([circuit], shots=SHOTS).result()  # warm: noise data, Aer
        rss_after_block = 0
        for index in range(jobs):
            start, start_cpu = time.perf_counter(), time.process_time()
            sampler.run([circuit], shots=SHOTS).result()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            if index == block - 1:
                gc.collect()
                rss_after_block = rss_bytes()
        gc.collect()
        rss_end = rss_bytes()
        if session is not None:
            session.close()
    first, last = statistics.median(times[:block]), statistics.median(times[-block:])
    first_cpu, last_cpu = statistics.median(cpu[:block]), statistics.median(cpu[-block:])
    return {
        "first_cpu_ms": first_cpu * 1000,
        "last_cpu_ms": last_cpu * 1000,
        "cpu_ratio": last_cpu / first_cpu,
        "jobs": jobs,
        "block": block,
        "first_ms": first * 1000,
        "last_ms": last * 1000,
        "ratio": last / first,
        "rss_kb_per_job": (rss_end - rss_after_block) / 1024 / max(1, jobs - block),
        "rss_mb_end": rss_end / 2**20,
    }


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name}: {figures['jobs']:.0f} jobs; median of first {figures['block']:.0f} "
        f"{figures['first_ms']:.1f} ms, of last {figures['block']:.0f} {figures['last_ms']:.1f} ms, "
        f"ratio {figures['ratio']:.2f}; CPU {figures['first_cpu_ms']:.1f} -> "
        f"{figures['last_cpu_ms']:.1f} ms, "
        f"ratio {figures['cpu_ratio']:.2f} (<= 1.1); RSS growth {figures['rss_kb_per_job']:.1f} KB/job "
        f"(<= 20), RSS at end {figures['rss_mb_end']:.0f} MB"
    )


def main() -> None:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    session_jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    report("job mode", soak(jobs, in_session=False))
    report("one session", soak(session_jobs, in_session=True))


if __name__ == "__main__":
    main()
