"""The plugin's tests run pytest in this process (pytester), and each inner run's new modules are
dropped afterwards. numpy's extensions (under qiskit, scipy and Aer) cannot be loaded twice in one
process, and the plugin no longer imports qiskit at load, so the fake's whole stack is loaded here,
once, before any inner run."""

import qiskit_ibm_runtime  # noqa: F401
import scipy.linalg  # noqa: F401

import fakeqpu.mock  # noqa: F401
from fakeqpu import execution

execution.warm("ibm_fez")
