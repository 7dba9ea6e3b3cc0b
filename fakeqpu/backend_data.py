"""Backend snapshots shipped with qiskit-ibm-runtime, found by their real `backend_name`.

The bottom layer: both `service` (what the API serves) and `execution` (the noise it simulates)
read backend data from here. Everything is loaded lazily and cached once per process.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import re
import threading
from pathlib import Path
from typing import Any

DEFAULT_FLEET: tuple[str, ...] = ("ibm_torino", "ibm_fez", "ibm_kingston", "ibm_brisbane")
"""Recent Heron (r1, r2) and Eagle snapshots; the first is what `fake_backend` gives."""

_TUNABLE_COUPLER_FAMILIES = ("Heron", "Nighthawk")
_NAME_RE = re.compile(r'"backend_name"\s*:\s*"([^"]+)"')
_BACKENDS_PACKAGE = "qiskit_ibm_runtime.fake_provider.backends"


def _backends_dir() -> Path:
    """Where the client ships its snapshots, found without importing it (and qiskit): reading the
    options at pytest start-up must stay cheap; only a fake backend's class needs the import."""
    spec = importlib.util.find_spec("qiskit_ibm_runtime")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("qiskit_ibm_runtime is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fake_provider" / "backends"


class UnknownBackendError(KeyError):
    """No shipped snapshot has this `backend_name`."""


class BackendData:
    """One snapshot: the raw configuration and properties JSON the real service would serve."""

    def __init__(self, name: str, directory: Path, conf_path: Path, props_path: Path) -> None:
        self.name = name
        self.directory = directory
        self.conf_path = conf_path
        self.props_path = props_path
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BackendData({self.name!r})"

    @functools.cached_property
    def configuration_text(self) -> str:
        return self.conf_path.read_text()

    @functools.cached_property
    def properties_text(self) -> str:
        return self.props_path.read_text()

    @functools.cached_property
    def configuration(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.configuration_text)
        return data

    @functools.cached_property
    def properties(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.properties_text)
        return data

    @property
    def num_qubits(self) -> int:
        return int(self.configuration["n_qubits"])

    @property
    def backend_version(self) -> str:
        return str(self.configuration.get("backend_version", "0.0.0"))

    @property
    def processor_type(self) -> dict[str, Any]:
        value = self.configuration.get("processor_type")
        return dict(value) if isinstance(value, dict) else {}

    @functools.cached_property
    def physical_qubits(self) -> int | None:
        """Programmable qubits, reset qubits and couplers combined, as `GET /backends` reports it.

        The snapshot's own value where qiskit-ibm-runtime ships one (newer clients, non-retired
        backends); else, for processors with tunable couplers (Heron and later), qubits plus couplers,
        which reproduces every shipped value (156 + 176 = 332 on Heron r2); else unknown (None).
        """
        shipped = getattr(_fake_backend_class(self.directory), "_physical_qubits", None)
        if isinstance(shipped, int):
            return shipped
        if self.processor_type.get("family") not in _TUNABLE_COUPLER_FAMILIES:
            return None
        couplers = {tuple(sorted(edge)) for edge in self.configuration.get("coupling_map") or []}
        return self.num_qubits + len(couplers)

    def fake_backend(self) -> Any:
        """The `qiskit_ibm_runtime.fake_provider` backend object (a `FakeBackendV2`), one per process."""
        with self._lock:
            cached = self.__dict__.get("_fake_backend")
            if cached is None:
                cached = _instantiate_fake_backend(self.directory)
                self.__dict__["_fake_backend"] = cached
            return cached


def _instantiate_fake_backend(directory: Path) -> Any:
    return _fake_backend_class(directory)()


def _fake_backend_class(directory: Path) -> type:
    module = importlib.import_module(f"{_BACKENDS_PACKAGE}.{directory.name}")
    for attr in dir(module):
        obj = getattr(module, attr)
        if isinstance(obj, type) and getattr(obj, "dirname", None) == str(directory):
            return obj
    raise UnknownBackendError(directory.name)


@functools.cache
def available_backends() -> dict[str, BackendData]:
    """Every shipped snapshot, keyed by the `backend_name` in its configuration."""
    found: dict[str, BackendData] = {}
    for directory in sorted(p for p in _backends_dir().iterdir() if p.is_dir() and p.name != "__pycache__"):
        confs = sorted(directory.glob("conf_*.json"))
        props = sorted(directory.glob("props_*.json"))
        if not confs or not props:
            continue
        with confs[0].open() as handle:
            head = handle.read(4096)
        match = _NAME_RE.search(head) or _NAME_RE.search(confs[0].read_text())
        if match is None:
            continue
        name = match.group(1)
        found.setdefault(name, BackendData(name, directory, confs[0], props[0]))
    return found


def default_fleet() -> tuple[str, ...]:
    """DEFAULT_FLEET less what the installed client does not ship (0.45 and older have no ibm_kingston)."""
    known = available_backends()
    return tuple(name for name in DEFAULT_FLEET if name in known) or tuple(sorted(known))[:1]


def get_backend_data(name: str) -> BackendData:
    try:
        return available_backends()[name]
    except KeyError:
        pass
    real = _mock_of().get(name)
    if real is None:
        raise UnknownBackendError(name)
    return _mock_data(real)


MOCK_PREFIX = "mock_"


def mock_name(name: str) -> str:
    """The dry-run counterpart of a device, named as the client derives it (`ibm_torino` → `mock_torino`)."""
    return re.sub(r"^[^_]+", "mock", name)


def is_mock(name: str) -> bool:
    return name.startswith(MOCK_PREFIX)


class MockBackendData(BackendData):
    """A device's dry-run counterpart: the same snapshot, served under the mock name."""

    def __init__(self, real: BackendData) -> None:
        super().__init__(mock_name(real.name), real.directory, real.conf_path, real.props_path)
        self.real = real

    @functools.cached_property
    def configuration_text(self) -> str:
        return json.dumps({**self.real.configuration, "backend_name": self.name})

    @functools.cached_property
    def properties_text(self) -> str:
        return json.dumps({**self.real.properties, "backend_name": self.name})

    def fake_backend(self) -> Any:
        return self.real.fake_backend()


@functools.cache
def _mock_of() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in available_backends():
        found.setdefault(mock_name(name), name)
    return found


@functools.cache
def _mock_data(real_name: str) -> MockBackendData:
    return MockBackendData(available_backends()[real_name])
