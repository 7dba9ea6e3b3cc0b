"""PUB circuits sent as OpenQASM 3 text (IBM's REST guides): loaded with qiskit's own importer."""

from __future__ import annotations

from typing import Any

from qiskit.circuit import QuantumCircuit

from fakeqpu.execution.errors import QASM_LOAD, SYSTEM_LIMITS, ExecutionError
from fakeqpu.memo import Bounded

# The importer (openqasm3's ANTLR parser) reads about 2,000 lines a second: this bounds a job's parsing to
# seconds. fakeqpu's own limit (docs/fidelity.md, "REST API"); QPY circuits have none.
MAX_QASM_CHARACTERS = 250_000

# The same text is resubmitted by a suite's loop; loading is most of a small REST job's own cost.
_LOADED: Bounded[QuantumCircuit] = Bounded(32)


def check_qasm_size(pubs: Any) -> None:
    """Fail a job whose OpenQASM 3 texts are more than fakeqpu parses (1520, a system limit)."""
    total = sum(
        len(pub[0]) for pub in pubs if isinstance(pub, list | tuple) and pub and isinstance(pub[0], str)
    )
    if total > MAX_QASM_CHARACTERS:
        raise ExecutionError(
            SYSTEM_LIMITS,
            f"The job's OpenQASM 3 circuits have {total} characters, more than the {MAX_QASM_CHARACTERS} "
            "fakeqpu parses; send large circuits as QPY (what qiskit-ibm-runtime sends).",
        )


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
