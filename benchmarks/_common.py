"""Shared by the benchmarks: timing helpers and the Bell circuit."""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

warnings.filterwarnings("ignore", category=DeprecationWarning)


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    """Median and all wall times of `repeat` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def bell(backend: Any, measured: bool = True) -> Any:
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    if measured:
        qc.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(qc)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"
