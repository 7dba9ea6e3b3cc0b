"""The one exception this layer raises: a job failure carrying IBM's reason code."""

from __future__ import annotations

VALIDATION = 1002
OBSERVABLE_MISMATCH = 1501
NOT_ISA = 1517
FRACTIONAL_OPTIONS = 1519
SYSTEM_LIMITS = 1520
INCOMPATIBLE = 1521
DYNAMIC_ESTIMATOR = 1522
QASM_LOAD = 1603

_SOLUTIONS: dict[int, str] = {
    VALIDATION: "Check the Job, it is not valid to run on this backend.",
    OBSERVABLE_MISMATCH: "Make sure each observable acts on as many qubits as its circuit has.",
    NOT_ISA: "Transpile your circuits for the target backend before submitting them.",
    FRACTIONAL_OPTIONS: "Disable gate twirling, or load the backend without use_fractional_gates.",
    SYSTEM_LIMITS: "Reduce the size of the job so that it fits the system limits.",
    INCOMPATIBLE: "Check that the circuits, options and PUBs are well formed and compatible.",
    DYNAMIC_ESTIMATOR: "Use the Sampler for circuits with dynamic instructions.",
    QASM_LOAD: "Check that the circuit is valid OpenQASM 3 that uses only the gates of stdgates.inc.",
}


class ExecutionError(Exception):
    """A job that IBM would fail, with the reason code and text the service reports."""

    def __init__(self, code: int, message: str, solution: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.solution = solution or _SOLUTIONS.get(code, "")

    def __repr__(self) -> str:
        return f"ExecutionError({self.code}, {self.message!r})"
