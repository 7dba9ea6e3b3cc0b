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
    options = options if isinstance(options, Mapping) else {}
    # The client merges `experimental.execution` into `options.execution`; REST users may send either.
    timing = _flag(options, "execution") or _flag(_section(options, "experimental"), "execution")
    return ResultForm(qiskit=support is True, scheduler_timing=timing)


def _section(options: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = options.get(name)
    return value if isinstance(value, Mapping) else {}


def _flag(options: Mapping[str, Any], section: str) -> bool:
    return _section(options, section).get("scheduler_timing") is True


def with_scheduler_timing(text: str, timings: Sequence[Mapping[str, Any]]) -> str:
    """The RuntimeEncoder body with PUB result i's `metadata.compilation.scheduler_timing` = timings[i]."""
    tree = json.loads(text)
    for pub, timing in zip(tree["__value__"]["pub_results"], timings, strict=True):
        metadata = pub["__value__"].setdefault("metadata", {})
        metadata.setdefault("compilation", {})["scheduler_timing"] = dict(timing)
    return json.dumps(tree)


def plain_text(text: str) -> str:
    """The RuntimeEncoder body of a PrimitiveResult as the plain JSON the REST guides read. Works on the
    encoded tree, so it reads every client release's encoding; only array and time leaves are decoded."""
    tree = json.loads(text)
    value = tree["__value__"]
    body = {"results": [_plain(pub) for pub in value["pub_results"]], "metadata": _plain(value["metadata"])}
    return json.dumps(body)


def _plain(node: Any) -> Any:
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "__type__" not in node or "__value__" not in node:
        return {key: _plain(item) for key, item in node.items()}
    kind, value = node["__type__"], node["__value__"]
    if kind in ("SamplerPubResult", "PubResult"):
        return {"data": _plain(value["data"]), "metadata": _plain(value.get("metadata", {}))}
    if kind == "DataBin":
        return {name: _plain(field) for name, field in value["fields"].items()}
    if kind == "BitArray":
        return _samples(_decoded(value["array"]), int(value["num_bits"]))
    if kind == "ndarray":
        return np.asarray(_decoded(node)).tolist()
    if kind == "datetime":
        return _decoded(node).isoformat()
    return _plain(value)


def _decoded(node: Any) -> Any:
    from qiskit_ibm_runtime import RuntimeDecoder

    return json.loads(json.dumps(node), cls=RuntimeDecoder)


def _samples(packed: Any, num_bits: int) -> dict[str, Any]:
    """One hex string per shot (IBM's `"0x3"`, no padding), in the array's shape."""
    array = np.asarray(packed, dtype=np.uint8)
    rows = array.reshape(-1, array.shape[-1]) if array.ndim else array.reshape(0, 1)
    samples = np.array([hex(int.from_bytes(row.tobytes(), "big")) for row in rows], dtype=object)
    return {"samples": samples.reshape(array.shape[:-1]).tolist(), "num_bits": num_bits}
