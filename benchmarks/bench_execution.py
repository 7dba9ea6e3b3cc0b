"""A Bell job (1000 shots) on ibm_torino, several ways, in one process.

1. fakeqpu: the real client, a Session, SamplerV2, result() — the whole HTTP path;
2. the replay stub: the same client calls answered instantly with the fake's own recorded answers
   (same requests, same number of polls), so that "stub + bare Aer" is the floor the fake can reach;
3. local testing mode: `SamplerV2(mode=FakeTorino())` (Aer with the whole device's noise);
4. bare Aer: the cut-down 2-qubit circuit on the cached compact-noise simulator.

The fake, the stub and bare Aer behind the two ratios are timed in turn, round after round (a shared
machine's load then weighs on each alike). Prints medians and ratios; targets (issue 11):
fakeqpu / (stub + bare Aer) <= 1.3 with IBM's estimated duration, <= 1.15 with job_duration=0.
The first fakeqpu job is timed before anything else has warmed the process's caches (calibration
target, noise for the qubits, Aer).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import bell, ms, timed

SHOTS = 1000


def main() -> None:
    from qiskit_ibm_runtime import SamplerV2 as Sampler
    from qiskit_ibm_runtime import Session
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    import fakeqpu
    from fakeqpu.execution.simulation import cutting, noise

    runs: dict[str, float] = {}
    with fakeqpu.mock_runtime(backends=["ibm_torino"], seed=1) as runtime:
        backend = runtime.service().backend("ibm_torino")
        circuit = bell(FakeTorino())
        session = Session(backend=backend)
        sampler = Sampler(mode=session)

        start = time.perf_counter()
        counts = sampler.run([circuit], shots=SHOTS).result()[0].data.meas.get_counts()
        runs["first"] = time.perf_counter() - start

        def client_job() -> None:
            sampler.run([circuit], shots=SHOTS).result()

        cut, qubits = cutting.cut(circuit)
        simulator = noise.simulator("ibm_torino", qubits, cutting.physical_operations(cut, qubits))

        def bare_job_per_shot() -> None:  # what a Sampler needs: every shot's bits, as the fake asks Aer
            simulator.run(cut, shots=SHOTS, memory=True).result()

        runs["warm"], runs["stub"], runs["bare_est"], polls = _interleaved(
            runtime, client_job, bare_job_per_shot, 30
        )
        session.close()

    with fakeqpu.mock_runtime(backends=["ibm_torino"], seed=1, job_duration=0) as runtime:
        backend = runtime.service().backend("ibm_torino")
        instant = Sampler(mode=Session(backend=backend))
        instant.run([circuit], shots=SHOTS).result()
        server_time = _time_the_fake(runtime)

        def instant_job() -> None:
            instant.run([circuit], shots=SHOTS).result()

        server_time.clear()
        timed(instant_job, 30)
        runs["server_per_job"] = sum(server_time) / 30
        runs["warm_zero_duration"], runs["stub_zero_duration"], runs["bare_zero"], zero_polls = _interleaved(
            runtime, instant_job, bare_job_per_shot, 60
        )

    local = Sampler(mode=FakeTorino())

    def local_job() -> None:
        local.run([circuit], shots=SHOTS).result()

    runs["local"], _ = timed(local_job, 3)

    def bare_job() -> None:
        simulator.run(cut, shots=SHOTS).result()

    runs["bare_counts"], _ = timed(bare_job, 30)
    runs["bare"], _ = timed(bare_job_per_shot, 30)

    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    operations = cutting.physical_operations(cut, qubits)

    def bare_job_building_noise() -> None:
        target = noise.compact_target(noise.backend_target("ibm_torino"), qubits, operations)
        model = NoiseModel.from_backend(noise._CompactBackend(target))
        AerSimulator(noise_model=model).run(cut, shots=SHOTS).result()

    runs["bare_with_noise"], _ = timed(bare_job_building_noise, 10)

    p_bell = (counts.get("00", 0) + counts.get("11", 0)) / SHOTS
    print(f"Bell, {SHOTS} shots, ibm_torino (qubits {qubits}); fakeqpu P(00)+P(11) = {p_bell:.3f}")
    print(f"  fakeqpu, first job (noise data included)   {ms(runs['first'])}")
    print(f"  fakeqpu, warm job, median of 30            {ms(runs['warm'])}   (result() polls)")
    print(f"  fakeqpu, warm job, job_duration=0          {ms(runs['warm_zero_duration'])}")
    print(f"  local testing mode, median of 3            {ms(runs['local'])}")
    print(f"  bare Aer on the cut-down circuit, counts   {ms(runs['bare_counts'])}")
    print(f"  bare Aer, every shot's bits (memory=True)  {ms(runs['bare'])}   (the floor's Aer)")
    print(f"  local mode / fakeqpu warm                  {runs['local'] / runs['warm']:8.1f}x")
    print(f"  fakeqpu warm / bare Aer                    {runs['warm'] / runs['bare']:8.1f}x")
    print(f"  fakeqpu warm (job_duration=0) / bare Aer   {runs['warm_zero_duration'] / runs['bare']:8.1f}x")
    print(f"  bare Aer, building the 2-qubit noise model {ms(runs['bare_with_noise'])}")
    print(f"  fakeqpu warm / that                        {runs['warm'] / runs['bare_with_noise']:8.1f}x")
    floor = runs["stub"] + runs["bare_est"]
    zero_floor = runs["stub_zero_duration"] + runs["bare_zero"]
    print(f"  replay stub, estimated duration ({polls:2d} requests) {ms(runs['stub'])}")
    print(f"  replay stub, job_duration=0 ({zero_polls:2d} requests)   {ms(runs['stub_zero_duration'])}")
    print(f"  bare Aer, interleaved with the two above   {ms(runs['bare_est'])} / {ms(runs['bare_zero'])}")
    print(f"  fakeqpu warm / (stub + bare Aer)           {runs['warm'] / floor:8.2f}x   (<= 1.3)")
    zero_ratio = runs["warm_zero_duration"] / zero_floor
    print(f"  fakeqpu job_duration=0 / (stub + bare Aer) {zero_ratio:8.2f}x   (<= 1.15)")
    server = runs["server_per_job"]
    print("  where a job_duration=0 job's time goes:")
    print(f"    inside fakeqpu (all requests of a job)     {ms(server)}")
    print(f"      of which simulation, about               {ms(runs['bare'])}")
    print(f"    in the client (validation, QPY, requests)  {ms(runs['warm_zero_duration'] - server)}")


def _interleaved(
    runtime: object, job: Callable[[], None], bare: Callable[[], None], rounds: int
) -> tuple[float, float, float, int]:
    """Median times of `job` through the fake, of `job` answered by the replay stub, and of `bare`.

    One run of `job` is recorded through the fake (request order and answers); a stub interceptor,
    nested inside the fake's (the innermost answers), replays them in order. The three are timed in
    turn, round after round, so that a shared machine's load weighs on each alike. The fake's clock
    stays on, so the client's polls sleep virtually, as with the fake.
    """
    from fakeqpu.transports.inprocess import Interceptor

    recorded: list[tuple[str, str, Any]] = []
    interceptor = runtime._interceptor  # type: ignore[attr-defined]
    handle = interceptor._handler

    def recording(request: Any) -> Any:
        response = handle(request)
        recorded.append((request.method, request.path, response))
        return response

    interceptor._handler = recording
    try:
        job()
    finally:
        interceptor._handler = handle
    answers: list[tuple[str, str, Any]] = []

    def replay(request: Any) -> Any:
        method, path, response = answers.pop(0)
        assert (method, path) == (request.method, request.path), (method, path, request.url)
        return response

    stub = Interceptor(replay)
    times: tuple[list[float], list[float], list[float]] = ([], [], [])
    for _ in range(rounds):
        start = time.perf_counter()
        job()
        times[0].append(time.perf_counter() - start)
        answers[:] = recorded
        stub.start()
        try:
            start = time.perf_counter()
            job()
            times[1].append(time.perf_counter() - start)
        finally:
            stub.stop()
        assert not answers, f"{len(answers)} recorded answers left: the client asked less"
        start = time.perf_counter()
        bare()
        times[2].append(time.perf_counter() - start)
    fake, replayed, simulated = (statistics.median(samples) for samples in times)
    return fake, replayed, simulated, len(recorded)


def _time_the_fake(runtime: object) -> list[float]:
    """Wrap the fake's request handler (our own object) to add up the time spent answering."""
    spent: list[float] = []
    app = runtime.app  # type: ignore[attr-defined]
    handle = app.handle

    def timed_handle(request: object) -> object:
        start = time.perf_counter()
        try:
            return handle(request)
        finally:
            spent.append(time.perf_counter() - start)

    runtime._interceptor._handler = timed_handle  # type: ignore[attr-defined]
    return spent


if __name__ == "__main__":
    main()
