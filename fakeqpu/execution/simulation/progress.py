"""One Aer run of the sampling ladder, told: its plan logged when long, listed while it runs, reported
with the seconds it took and how approximate it was."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fakeqpu.execution.simulation import plan
from fakeqpu.execution.simulation.ladder import Choice

LOGGER = logging.getLogger("fakeqpu.simulation")
LOG_ABOVE_SECONDS = 3.0
"""A run predicted to take longer logs its plan (INFO, logger "fakeqpu.simulation") before it starts."""

_DISCARDED = re.compile(rb"discarded_value=([0-9.eE+-]+)")


class Tracker:
    def __init__(self) -> None:
        self.results: list[Any] = []

    def done(self, results: list[Any]) -> None:
        self.results = results


@contextmanager
def tracking(experiments: Sequence[Any], choices: Sequence[Choice]) -> Iterator[Tracker]:
    """Around one Aer run of `experiments` (one choice each); reports each to `plan` afterwards."""
    predicted = sum(choice.predicted_seconds for choice in choices)
    where = ", ".join(label for label in (getattr(e, "label", "") for e in experiments) if label)
    first = choices[0]
    qubits = max(experiment.circuit.num_qubits for experiment in experiments)
    if predicted > LOG_ABOVE_SECONDS:
        LOGGER.info(
            "fakeqpu job %s%s: simulating %d qubits with %s%s, predicted %.1f s",
            plan.policy().job_id or "-",
            f" ({where})" if where else "",
            qubits,
            first.method,
            _approximation_text(first),
            predicted,
        )
    tracker = Tracker()
    entry = {
        "where": where,
        "method": first.method,
        "qubits": qubits,
        "predicted_seconds": round(predicted, 3),
    }
    started = time.perf_counter()
    with plan.under_way(entry):
        yield tracker
    seconds = time.perf_counter() - started
    measured = _measured_details(tracker.results)
    for experiment, choice in zip(experiments, choices, strict=True):
        details: dict[str, float | int | str] = dict(choice.details)
        method = choice.method
        if choice.aer_method == "automatic" and "aer_method" in measured:
            method = str(measured["aer_method"])  # what Aer picked: density_matrix or statevector
        details.update({k: v for k, v in measured.items() if k != "aer_method"})
        if choice.trajectories is not None:
            details["trajectories"] = choice.trajectories
        if choice.max_bond_dimension is not None:
            details["bond_dimension"] = choice.max_bond_dimension
        plan.report(
            plan.MethodReport(
                method=method,
                exact=choice.exact,
                qubits=experiment.circuit.num_qubits,
                predicted_seconds=round(choice.predicted_seconds, 4),
                seconds=round(seconds * choice.predicted_seconds / predicted if predicted else seconds, 4),
                where=getattr(experiment, "label", ""),
                details=details,
            )
        )


def _approximation_text(choice: Choice) -> str:
    parts = []
    if choice.trajectories is not None:
        parts.append(f"{choice.trajectories} noise trajectories")
    if choice.max_bond_dimension is not None:
        parts.append(f"bond dimension ≤ {choice.max_bond_dimension}")
    return f" ({', '.join(parts)})" if parts else ""


def _measured_details(results: list[Any]) -> dict[str, float | int | str]:
    """What Aer's results say: its method, and for a truncated MPS the weight it discarded."""
    if not results:
        return {}
    out: dict[str, float | int | str] = {}
    metadata = getattr(results[0], "metadata", None) or {}
    if "method" in metadata:
        out["aer_method"] = str(metadata["method"])
    fidelities = []
    for result in results:
        log = (getattr(result, "metadata", None) or {}).get("MPS_log_data")
        if not log:
            continue
        fidelity = 1.0
        for value in _DISCARDED.findall(log.encode() if isinstance(log, str) else log):
            fidelity *= max(0.0, 1.0 - float(value))
        fidelities.append(fidelity)
    if fidelities:
        # Each truncation keeps 1 - w of the state's norm: the product bounds the overlap with the
        # untruncated state from below (Aer's MPS_log_data, `discarded_value` per two-qubit gate).
        mean = sum(fidelities) / len(fidelities)
        out["truncation_fidelity"] = round(mean, 6)
        out["truncation_error"] = round(1.0 - mean, 6)
    return out
