"""The toolkit's cost: the request log and fault checks must not make a request slower as jobs pile up.

One fake; the cost of a `GET /jobs/{id}` (status of a final job, through the real client) after 20
jobs served is the baseline; the same request after 1000 jobs served (and ~3000 requests logged) is
measured against it in the same process. Also: `jobs()` per job, and a request with 20 unmatched
faults pending against one with none.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import bell, ms, timed


def main() -> None:
    from qiskit_ibm_runtime import SamplerV2 as Sampler

    import fakeqpu

    with fakeqpu.mock_runtime(backends=["ibm_torino"], job_duration=0) as runtime:
        service = runtime.service()
        backend = service.backend("ibm_torino")
        circuit = bell(backend)
        sampler = Sampler(mode=backend)
        jobs = [sampler.run([circuit], shots=10) for _ in range(20)]
        probe = jobs[0].job_id()

        def request() -> None:
            service._active_api_client.job_get(probe, exclude_params=True)

        early, _ = timed(request, 200)
        for _ in range(980):
            sampler.run([circuit], shots=10)
        late, _ = timed(request, 200)
        logged = len(runtime.requests())
        for n in range(20):
            runtime.http_fault(status=503, path=f"/never/{n}")
        faulted, _ = timed(request, 200)
        runtime.clear_faults()
        records, _ = timed(runtime.jobs, 5)

    print("toolkit: request cost as jobs and log entries pile up (GET /jobs/{id}, median of 200)")
    print(f"  after 20 jobs                {ms(early)}")
    print(f"  after 1000 jobs, {logged} logged {ms(late)}   ratio {late / early:5.2f}x")
    print(f"  with 20 unmatched faults     {ms(faulted)}   ratio {faulted / early:5.2f}x")
    print(f"  jobs() for 1000 jobs         {ms(records)}   ({records / 1000 * 1e6:.0f} us per job)")


if __name__ == "__main__":
    main()
