"""What every program needs: the backend's data and target, or IBM's 1007 when it is unknown."""

from __future__ import annotations

from qiskit.transpiler import Target

from fakeqpu.backend_data import BackendData, UnknownBackendError, get_backend_data
from fakeqpu.execution import noise
from fakeqpu.execution.errors import ExecutionError

BACKEND_NOT_FOUND = 1007


def backend(backend_name: str) -> tuple[BackendData, Target]:
    try:
        data = get_backend_data(backend_name)
    except UnknownBackendError:
        raise ExecutionError(BACKEND_NOT_FOUND, f"Backend {backend_name} not found.") from None
    return data, noise.backend_target(backend_name)
