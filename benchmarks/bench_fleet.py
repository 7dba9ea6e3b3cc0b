"""What the size of the fleet costs a test: the work of `fake_session` (a fresh fake, a session opened
and closed through the real client) with the default fleet against a fleet of one backend, in the same
process and interleaved, so the machine's load hits both alike. The ratio should stay near 1: a
device's data is read on first use, not when a fake is built.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _common  # also filters warnings

import fakeqpu
from fakeqpu.backend_data import default_fleet

ROUNDS = 5
PER_ROUND = 20


def fixture_work(backends: tuple[str, ...]) -> float:
    """The fastest of PER_ROUND fake_session setups (seconds), with the client's objects built once."""
    from qiskit_ibm_runtime import Session

    with fakeqpu.mock_runtime(backends=backends) as first:
        backend = first.service().backend(backends[0])
    best = float("inf")
    for _ in range(PER_ROUND):
        _, times = _common.timed(lambda: _one(backends, backend, Session), repeat=1)
        best = min(best, times[0])
    return best


def _one(backends: tuple[str, ...], backend: object, session_class: type) -> None:
    with fakeqpu.mock_runtime(backends=backends):
        session = session_class(backend=backend)
        session.close()


def main() -> None:
    fleet = default_fleet()
    one = fleet[:1]
    fixture_work(fleet), fixture_work(one)  # warm both
    full, single = [], []
    for _ in range(ROUNDS):
        single.append(fixture_work(one))
        full.append(fixture_work(fleet))
    print(f"fake_session work, best of {PER_ROUND} x {ROUNDS} rounds")
    print(f"  fleet of 1 backend:              {min(single) * 1000:7.2f} ms")
    print(f"  default fleet ({len(fleet):2d} backends):   {min(full) * 1000:7.2f} ms")
    print(f"  ratio default / one:             {min(full) / min(single):7.2f}x")


if __name__ == "__main__":
    main()
