"""The execution layer alone against full-device noise (what local testing mode simulates).

    .venv/bin/python benchmarks/bench_aer_cut.py [backend] [shots]

Both run the same ISA Bell circuit: the baseline as local testing mode does it
(`AerSimulator.from_backend` of the FakeBackendV2: the whole device's noise), fakeqpu through
`execution.prepare` + `execution.run` (the cut circuit, its qubits' noise, the results JSON).
Prints times, their ratios, and how far apart the two outcome distributions are.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import bell, ms, timed


def main(backend_name: str = "ibm_torino", shots: int = 1000) -> None:
    from qiskit.primitives.containers.sampler_pub import SamplerPub
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

    from fakeqpu import execution
    from fakeqpu.backend_data import get_backend_data

    device = get_backend_data(backend_name).fake_backend()
    # Transpiled against a separate instance, so that fakeqpu's first call loads its own calibration.
    circuit = bell(type(device)())
    payload = {
        "pubs": [SamplerPub.coerce((circuit, None, shots))],
        "options": {},
        "version": 2,
        "support_qiskit": True,
    }
    params = json.loads(json.dumps(payload, cls=RuntimeEncoder), cls=RuntimeDecoder)
    now = datetime.now(UTC)

    start = time.perf_counter()
    prepared = execution.prepare("sampler", params, backend_name)
    text = execution.run(prepared, seed=0, start=now, stop=now)
    first = time.perf_counter() - start
    warm, _ = timed(lambda: execution.run(prepared, seed=1, start=now, stop=now), 50)
    fake_counts = json.loads(text, cls=RuntimeDecoder)[0].data.meas.get_counts()

    start = time.perf_counter()
    full = AerSimulator.from_backend(device)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    full_counts = full.run(circuit, shots=shots, seed_simulator=1).result().get_counts()
    full_run = time.perf_counter() - start

    keys = {*full_counts, *fake_counts}
    distance = sum(abs(full_counts.get(k, 0) - fake_counts.get(k, 0)) for k in keys) / (2 * shots)
    qubits = sorted({circuit.find_bit(q).index for inst in circuit.data for q in inst.qubits})
    print(f"Bell, {shots} shots, {backend_name} (qubits {qubits})")
    print(f"  full-device noise: from_backend  {ms(setup)}")
    print(f"  full-device noise: run           {ms(full_run)}")
    print(f"  fakeqpu first call (calibration, validation, noise, run, JSON)  {ms(first)}")
    print(f"  fakeqpu warm run (median of 50)  {ms(warm)}")
    print(f"  warm run vs full-device run      {full_run / warm:8.0f}x faster")
    print(f"  first call vs from_backend + run {(setup + full_run) / first:8.0f}x faster")
    print(
        f"  P(00)+P(11): fakeqpu {_bell_fraction(fake_counts, shots):.3f}, full device "
        f"{_bell_fraction(full_counts, shots):.3f}; total variation distance {distance:.3f}"
    )


def _bell_fraction(counts: dict[str, int], shots: int) -> float:
    return (counts.get("00", 0) + counts.get("11", 0)) / shots


if __name__ == "__main__":
    main(*sys.argv[1:2], *(int(arg) for arg in sys.argv[2:3]))
