"""The two forms of a Sampler/Estimator results body, and the circuit timing a Sampler job may ask for.

IBM picks the form from the submitted params, not from the endpoint: `support_qiskit: true` (what
qiskit-ibm-runtime always sends) gets the RuntimeEncoder PrimitiveResult the client decodes; without
it (IBM's REST guides send none) the body is plain JSON, `{"results": [{"data", "metadata"}],
"metadata"}`, with a Sampler register as `{"samples": ["0x3", ...], "num_bits": n}` and an
Estimator's arrays as JSON numbers and lists (docs/fidelity.md, "REST API").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from fakeqpu.execution.errors import VALIDATION, ExecutionError


@dataclass(frozen=True)
class ResultForm:
    """What a Sampler/Estimator job's params ask of its results body."""

    qiskit: bool = True
    scheduler_timing: bool = False


def result_form(params: Mapping[str, Any]) -> ResultForm:
    support = params.get("support_qiskit")
    if support is not None and not isinstance(support, bool):
        raise ExecutionError(VALIDATION, f"support_qiskit must be a boolean, not {support!r}.")
    options = params.get("options")
    experimental = options.get("experimental") if isinstance(options, Mapping) else None
    execution = experimental.get("execution") if isinstance(experimental, Mapping) else None
    timing = execution.get("scheduler_timing") if isinstance(execution, Mapping) else None
    return ResultForm(qiskit=support is True, scheduler_timing=timing is True)


def with_scheduler_timing(text: str, timings: Sequence[Mapping[str, Any]]) -> str:
    """The RuntimeEncoder body with PUB result i's `metadata.compilation.scheduler_timing` = timings[i]."""
    tree = json.loads(text)
    for pub, timing in zip(tree["__value__"]["pub_results"], timings, strict=True):
        metadata = pub["__value__"].setdefault("metadata", {})
        metadata.setdefault("compilation", {})["scheduler_timing"] = dict(timing)
    return json.dumps(tree)


def plain_text(text: str) -> str:
    """The RuntimeEncoder body of a PrimitiveResult as the plain JSON the REST guides read."""
    from qiskit_ibm_runtime import RuntimeDecoder

    result = json.loads(text, cls=RuntimeDecoder)
    body = {"results": [_pub(pub) for pub in result], "metadata": _plain(result.metadata)}
    return json.dumps(body)


def _pub(pub: Any) -> dict[str, Any]:
    return {
        "data": {name: _field(value) for name, value in pub.data.items()},
        "metadata": _plain(pub.metadata),
    }


def _field(value: Any) -> Any:
    if hasattr(value, "num_bits") and hasattr(value, "array"):  # a BitArray: one hex string per shot
        packed = np.asarray(value.array, dtype=np.uint8)
        rows = packed.reshape(-1, packed.shape[-1]) if packed.size else packed.reshape(0, 1)
        samples = np.array([hex(int.from_bytes(row.tobytes(), "big")) for row in rows], dtype=object)
        return {"samples": samples.reshape(packed.shape[:-1]).tolist(), "num_bits": int(value.num_bits)}
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if all(hasattr(value, name) for name in ("start", "stop", "data_slices")):  # an execution span
        return {
            "start": _plain(value.start),
            "stop": _plain(value.stop),
            "data_slices": _plain(value.data_slices),
        }
    if isinstance(value, Sequence) or hasattr(value, "__iter__"):
        return [_plain(item) for item in value]
    return str(value)
