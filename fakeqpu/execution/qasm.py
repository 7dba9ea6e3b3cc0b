"""PUB circuits sent as OpenQASM 3 text (IBM's REST guides): loaded with qiskit's own importer."""

from __future__ import annotations

from typing import Any

from qiskit.circuit import QuantumCircuit

from fakeqpu.execution.errors import QASM_LOAD, ExecutionError
from fakeqpu.memo import Bounded

# The same text is resubmitted by a suite's loop; loading is most of a small REST job's own cost.
_LOADED: Bounded[QuantumCircuit] = Bounded(32)


def pub_circuit(item: Any, index: int) -> Any:
    """A PUB's first item as a circuit: OpenQASM 3 text is loaded, anything else is returned as is
    (the PUB checks then say what is wrong with it)."""
    if not isinstance(item, str):
        return item
    cached = _LOADED.get(item)
    if cached is not None:
        return cached
    from qiskit import qasm3

    try:
        circuit = qasm3.loads(item)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExecutionError(
            QASM_LOAD,
            f"PUB {index}: error loading the OpenQASM 3 circuit with the standard Qiskit loaders: "
            f"{first_line}",
        ) from None
    return _LOADED.put(item, circuit)
