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

DEFAULT_FLEET: tuple[str, ...] = (
    "ibm_torino",
    "ibm_fez",
    "ibm_kingston",
    "ibm_brisbane",
    "ibm_marrakesh",
    "ibm_pittsburgh",
    "ibm_boston",
    "ibm_aachen",
    "ibm_miami",
    "ibm_berlin",
)
"""The devices IBM serves that a client release may ship a snapshot of: Heron r1 (torino), r2 (fez,
kingston, marrakesh), r3 (pittsburgh, boston, aachen), Nighthawk r1 (miami, berlin), and the Eagle
r3 brisbane. The four of the old default lead, so the first (what `fake_backend` gives) is unchanged."""

_TUNABLE_COUPLER_FAMILIES = ("Heron", "Nighthawk")
# IBM's "Fractional gates" guide: rzz(θ) and rx(θ) run on Heron QPUs. Their calibration rows ship in
# the Heron snapshots' properties; the configuration lists them only as the real one does.
_FRACTIONAL_FAMILIES = ("Heron",)
FRACTIONAL_GATES = ("rx", "rzz")
_FRACTIONAL_COUNTERPART = {"rx": "sx", "rzz": "cz"}  # whose configuration entry each one mirrors
_FRACTIONAL_QASM = {
    "rx": "gate rx(theta) q { U(theta, -pi/2, pi/2) q; }",
    "rzz": "gate rzz(theta) q0, q1 { CX q0, q1; U(0, 0, theta) q1; CX q0, q1; }",
}
# IBM: "the new version of dynamic circuits is now available to all users on all backends".
DYNAMIC_CIRCUIT_FEATURES = ("qasm3", "dynamic_circuits")
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
        """The configuration IBM serves for this device (see `configuration`)."""
        return json.dumps(self.configuration)

    @functools.cached_property
    def properties_text(self) -> str:
        """The properties IBM serves for this device (see `properties`)."""
        return json.dumps(self.properties)

    @functools.cached_property
    def snapshot_configuration(self) -> dict[str, Any]:
        """The snapshot's configuration, verbatim."""
        data: dict[str, Any] = json.loads(self.conf_path.read_text())
        return data

    @functools.cached_property
    def configuration(self) -> dict[str, Any]:
        """The snapshot's configuration with what IBM serves today and the snapshot predates:
        dynamic circuits on every device, and the fractional gates on Heron (the client drops
        them unless asked `use_fractional_gates=True`)."""
        return served_configuration(self.snapshot_configuration, self.properties)

    @functools.cached_property
    def properties(self) -> dict[str, Any]:
        """The snapshot's properties, an rzz error it does not report (1) copied from the cz of the
        same edge, as IBM's "Fractional gates" guide says the reported one is."""
        data: dict[str, Any] = json.loads(self.props_path.read_text())
        return served_properties(data)

    @property
    def num_qubits(self) -> int:
        return int(self.snapshot_configuration["n_qubits"])

    @property
    def backend_version(self) -> str:
        return str(self.snapshot_configuration.get("backend_version", "0.0.0"))

    @property
    def processor_type(self) -> dict[str, Any]:
        value = self.snapshot_configuration.get("processor_type")
        return dict(value) if isinstance(value, dict) else {}

    @property
    def supports_fractional_gates(self) -> bool:
        return FRACTIONAL_GATES[0] in self.configuration.get("basis_gates", [])

    @functools.cached_property
    def physical_qubits(self) -> int:
        """Programmable qubits, reset qubits and couplers combined, as `GET /backends` reports it.

        The snapshot's own value where qiskit-ibm-runtime ships one (newer clients, non-retired
        backends); else, for processors with tunable couplers (Heron and later), qubits plus couplers,
        which reproduces every shipped value (156 + 176 = 332 on Heron r2); else (Eagle and older,
        whose couplers are fixed buses, not devices of their own) the qubits (CHOSEN).
        """
        shipped = getattr(_fake_backend_class(self.directory), "_physical_qubits", None)
        if isinstance(shipped, int):
            return shipped
        if self.processor_type.get("family") not in _TUNABLE_COUPLER_FAMILIES:
            return self.num_qubits
        couplers = {tuple(sorted(edge)) for edge in self.snapshot_configuration.get("coupling_map") or []}
        return self.num_qubits + len(couplers)

    def target(self) -> Any:
        """The `Target` of the served configuration and properties, fractional gates included (what
        the client builds with `use_fractional_gates=True`), one per process."""
        with self._lock:
            cached = self.__dict__.get("_target")
            if cached is None:
                cached = _target_of(self.configuration, self.properties)
                self.__dict__["_target"] = cached
            return cached

    def fake_backend(self) -> Any:
        """The `qiskit_ibm_runtime.fake_provider` backend object (a `FakeBackendV2`), one per process."""
        with self._lock:
            cached = self.__dict__.get("_fake_backend")
            if cached is None:
                cached = _instantiate_fake_backend(self.directory)
                self.__dict__["_fake_backend"] = cached
            return cached


def served_configuration(snapshot: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """`snapshot` as IBM serves the device now (a new dict; `snapshot` is left as it is)."""
    conf = dict(snapshot)
    features = list(conf.get("supported_features") or [])
    conf["supported_features"] = features + [f for f in DYNAMIC_CIRCUIT_FEATURES if f not in features]
    instructions = list(conf.get("supported_instructions") or [])
    if "if_else" not in instructions:
        instructions.append("if_else")
    family = (conf.get("processor_type") or {}).get("family")
    calibrated = {row.get("gate") for row in properties.get("gates") or []}
    if family in _FRACTIONAL_FAMILIES and calibrated.issuperset(FRACTIONAL_GATES):
        basis = list(conf.get("basis_gates") or [])
        gates = list(conf.get("gates") or [])
        by_name = {gate.get("name"): gate for gate in gates}
        for name in FRACTIONAL_GATES:
            if name in basis:
                continue
            basis.append(name)
            instructions.append(name)
            entry: dict[str, Any] = {
                "name": name,
                "parameters": ["theta"],
                "qasm_def": _FRACTIONAL_QASM[name],
            }
            counterpart = by_name.get(_FRACTIONAL_COUNTERPART[name]) or {}
            if counterpart.get("coupling_map"):
                entry["coupling_map"] = counterpart["coupling_map"]
            gates.append(entry)
        conf["basis_gates"] = basis
        conf["gates"] = gates
    conf["supported_instructions"] = instructions
    return conf


def served_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """`properties` (changed in place and returned) with each rzz row whose `gate_error` is the
    placeholder 1 given the error of the cz on its edge, when that one is calibrated (< 1)."""
    rows = properties.get("gates") or []
    cz_error = {
        tuple(row.get("qubits") or ()): value
        for row in rows
        if row.get("gate") == "cz"
        for value in [_parameter(row, "gate_error")]
        if value is not None and value < 1
    }
    for row in rows:
        if row.get("gate") != "rzz" or _parameter(row, "gate_error") != 1:
            continue
        counterpart = cz_error.get(tuple(row.get("qubits") or ()))
        if counterpart is not None:
            for parameter in row.get("parameters") or []:
                if parameter.get("name") == "gate_error":
                    parameter["value"] = counterpart
    return properties


def _parameter(row: dict[str, Any], name: str) -> float | None:
    for parameter in row.get("parameters") or []:
        if parameter.get("name") == name and isinstance(parameter.get("value"), int | float):
            return float(parameter["value"])
    return None


def _target_of(configuration: dict[str, Any], properties: dict[str, Any]) -> Any:
    import copy

    from qiskit_ibm_runtime.models import BackendConfiguration
    from qiskit_ibm_runtime.utils.backend_converter import convert_to_target
    from qiskit_ibm_runtime.utils.backend_decoder import (
        decode_backend_configuration,
        properties_from_server_data,
    )

    conf = copy.deepcopy(configuration)
    decode_backend_configuration(conf)
    props = properties_from_server_data(copy.deepcopy(properties), use_fractional_gates=True)
    return convert_to_target(
        configuration=BackendConfiguration.from_dict(conf),
        properties=props,
        include_control_flow=True,
        include_fractional_gates=True,
    )


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
    def configuration(self) -> dict[str, Any]:
        return {**self.real.configuration, "backend_name": self.name}

    @functools.cached_property
    def properties_text(self) -> str:
        return json.dumps({**self.real.properties, "backend_name": self.name})

    def fake_backend(self) -> Any:
        return self.real.fake_backend()

    def target(self) -> Any:
        return self.real.target()


@functools.cache
def _mock_of() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in available_backends():
        found.setdefault(mock_name(name), name)
    return found


@functools.cache
def _mock_data(real_name: str) -> MockBackendData:
    return MockBackendData(available_backends()[real_name])
