"""Noise for only the qubits a circuit uses, from the backend's calibration, cached per process.

`NoiseModel.from_backend` on a 133-qubit device carries every gate's error into every run; here
it is given a backend whose target holds just the instructions the circuit executes (renumbered
to the compact qubits), so Aer builds, serialises and applies a model of a few errors instead.

Up to 10 qubits exact errors are cheap: Aer evolves one density matrix and samples it (or runs
the few shots of a small statevector). Wider circuits are simulated shot by shot, where the
thermal-relaxation Kraus maps cost ~10 ms a shot at 14 qubits and forbid the stabilizer method;
there each gate error is replaced by its Pauli twirl (what gate twirling makes of it on hardware;
see `twirl.py`): the same Pauli fidelities, measured distributions within ~1 % of the exact
model, and Clifford circuits of any width run on the stabilizer method. Idle (delay) relaxation
is left out of these wide models.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.providers import BackendV2, Options
from qiskit.quantum_info import Kraus
from qiskit.transpiler import Target
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel
from qiskit_aer.noise.device import basic_device_gate_errors, basic_device_readout_errors

from fakeqpu.backend_data import get_backend_data
from fakeqpu.execution.simulation.cutting import Operation
from fakeqpu.execution.simulation.twirl import twirled_gate_errors

NoiseKey = tuple[str, tuple[int, ...], frozenset[Operation]]

_EXACT_MAX_QUBITS = 10
# Above this many qubits a shot-by-shot simulation is long enough for threads to pay off.
_SINGLE_THREAD_MAX_QUBITS = 14


@dataclass
class CacheStats:
    builds: int = 0
    hits: int = 0


_lock = threading.Lock()
_simulators: dict[NoiseKey, Any] = {}
_channels: dict[NoiseKey, tuple[dict[str, list[Any]], Any]] = {}
_stats = CacheStats()
_keys: dict[int, NoiseKey] = {}  # id(simulator) -> the key it was built for (simulators live forever)
_trajectory_noise: dict[NoiseKey, TrajectoryNoise] = {}


@dataclass(frozen=True)
class TrajectoryNoise:
    """The noise of `simulator(...)` for sampling by explicit noise trajectories.

    `channels` maps (name, compact qargs) to the Pauli-twirled gate error: its Pauli labels
    (`pauli_basis` order, identity first) and their cumulative probabilities. `readout` is an
    AerSimulator carrying only the readout errors, which keeps Aer's measurement sampling (one final
    state, every shot drawn from it).
    """

    channels: dict[tuple[str, tuple[int, ...]], tuple[list[str], Any]]
    readout: Any
    readout_errors: list[tuple[int, Any]] = field(default_factory=list)
    _relabelled: dict[tuple[int, ...], Any] = field(default_factory=dict)

    def readout_for(self, order: tuple[int, ...]) -> Any:
        """`readout` for the circuit with qubit q moved to `order[q]`."""
        if not order:
            return self.readout
        with _lock:
            cached = self._relabelled.get(order)
            if cached is None:
                model = NoiseModel()
                for qubit, error in self.readout_errors:
                    model.add_readout_error(error, [order[qubit]])
                cached = AerSimulator(noise_model=_SerialisedOnce(model), max_parallel_threads=0)
                self._relabelled[order] = cached
            return cached


def backend_target(backend_name: str) -> Target:
    target: Target = get_backend_data(backend_name).target()
    return target


def simulator(backend_name: str, qubits: tuple[int, ...], operations: frozenset[Operation]) -> Any:
    """An AerSimulator carrying the noise of `operations` on `qubits`, renumbered 0..k-1.

    Wide models are built on first use: a job sampled by noise trajectories (`trajectory_noise`)
    never needs one."""
    key: NoiseKey = (backend_name, qubits, operations)
    with _lock:
        cached = _simulators.get(key)
        if cached is not None:
            _stats.hits += 1
            return cached
        built: Any = _build(key) if len(qubits) <= _EXACT_MAX_QUBITS else _Lazy(key)
        _simulators[key] = built
        _keys[id(built)] = key
        _stats.builds += 1
        return built


def _build(key: NoiseKey) -> Any:
    backend_name, qubits, operations = key
    target = compact_target(backend_target(backend_name), qubits, operations)
    if len(qubits) <= _EXACT_MAX_QUBITS:
        model = _SerialisedOnce(NoiseModel.from_backend(_CompactBackend(target)))
    else:
        model = _SerialisedOnce(_pauli_twirled_model(target))
    threads = 1 if len(qubits) <= _SINGLE_THREAD_MAX_QUBITS else 0
    return AerSimulator(noise_model=model, max_parallel_threads=threads)


class _Lazy:
    """An AerSimulator built on first use of any of its attributes."""

    def __init__(self, key: NoiseKey) -> None:
        self._key = key
        self._built: Any = None
        self._build_lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._build_lock:
            if self._built is None:
                self._built = _build(self._key)
        return getattr(self._built, name)


def trajectory_noise(built: Any) -> TrajectoryNoise | None:
    """The trajectory form of the noise a `simulator(...)` carries; None for a simulator built elsewhere."""
    from fakeqpu.execution.simulation.twirl import pauli_probabilities, twirled_fidelities

    with _lock:
        key = _keys.get(id(built))
        if key is None:
            return None
        cached = _trajectory_noise.get(key)
        if cached is not None:
            return cached
        backend_name, qubits, operations = key
        target = compact_target(backend_target(backend_name), qubits, operations)
        channels: dict[tuple[str, tuple[int, ...]], tuple[list[str], Any]] = {}
        for name, qargs, fidelities in twirled_fidelities(target):
            labels, probabilities = pauli_probabilities(fidelities, len(qargs))
            channels[(name, qargs)] = (labels, np.cumsum(probabilities))
        model = NoiseModel()
        errors = []
        for qargs, error in basic_device_readout_errors(target=target):
            model.add_readout_error(error, qargs)
            errors.append((qargs[0], error))
        readout = AerSimulator(noise_model=_SerialisedOnce(model), max_parallel_threads=0)
        made = TrajectoryNoise(channels, readout, errors)
        _trajectory_noise[key] = made
        return made


def single_qubit_channels(
    backend_name: str, qubit: int, operations: frozenset[Operation]
) -> tuple[dict[str, list[Any]], Any]:
    """Kraus operators of each gate's error on `qubit`, and its 2x2 readout matrix P(read | state).

    The same channels `NoiseModel.from_backend` puts in the exact model of `simulator`.
    """
    key: NoiseKey = (backend_name, (qubit,), operations)
    with _lock:
        cached = _channels.get(key)
        if cached is not None:
            return cached
        target = compact_target(backend_target(backend_name), (qubit,), operations)
        errors = {
            name: [np.asarray(k) for k in Kraus(error.to_quantumchannel()).data]
            for name, _, error in basic_device_gate_errors(target=target)
        }
        readout = np.eye(2)
        for _, error in basic_device_readout_errors(target=target):
            readout = np.asarray(error.probabilities, dtype=float)
        _channels[key] = (errors, readout)
        return errors, readout


def readout_error(backend_name: str, qubit: int) -> float:
    """The (symmetric) assignment error `from_backend` gives this qubit's measurement."""
    props = backend_target(backend_name)["measure"].get((qubit,))
    return float(props.error) if props is not None and props.error is not None else 0.0


def cache_stats() -> CacheStats:
    with _lock:
        return CacheStats(_stats.builds, _stats.hits)


def compact_target(target: Target, qubits: tuple[int, ...], operations: frozenset[Operation]) -> Target:
    """The part of `target` that `operations` use, with `qubits[i]` renumbered to i."""
    position = {physical: i for i, physical in enumerate(qubits)}
    every_qubit = {(physical,) for physical in qubits}
    wanted: dict[str, set[tuple[int, ...]]] = {"measure": set(every_qubit), "delay": set(every_qubit)}
    for name, qargs in operations:
        wanted.setdefault(name, set()).add(qargs)
    qubit_properties = target.qubit_properties
    out = Target(
        num_qubits=len(qubits),
        dt=target.dt,
        qubit_properties=None if qubit_properties is None else [qubit_properties[q] for q in qubits],
    )
    for name in sorted(wanted):
        if name not in target.operation_names:
            continue
        available = target[name]
        props = {
            tuple(position[q] for q in qargs): available[qargs]
            for qargs in sorted(wanted[name])
            if available is not None and qargs in available
        }
        if props:
            out.add_instruction(target.operation_from_name(name), props, name=name)
    return out


def _pauli_twirled_model(target: Target) -> NoiseModel:
    model = NoiseModel(basis_gates=list(target.operation_names))
    for name, qargs, error in twirled_gate_errors(target):
        model.add_quantum_error(error, name, qargs)
    for qargs, error in basic_device_readout_errors(target=target):
        model.add_readout_error(error, qargs)
    return model


class _CompactBackend(BackendV2):  # type: ignore[misc]
    """Just enough of a backend for `NoiseModel.from_backend`: a target and its dt."""

    def __init__(self, target: Target) -> None:
        super().__init__(name="fakeqpu_compact")
        self._compact_target = target

    @property
    def target(self) -> Target:
        return self._compact_target

    @property
    def max_circuits(self) -> None:
        return None

    @classmethod
    def _default_options(cls) -> Any:
        return Options()

    def run(self, run_input: Any, **options: Any) -> Any:
        raise NotImplementedError("a noise-model carrier, not a runnable backend")


class _SerialisedOnce(NoiseModel):  # type: ignore[misc]
    """A finished noise model that converts itself to Aer's dict form once.

    Aer calls `to_dict` on every run, which is most of a small simulation's cost.
    """

    def __init__(self, model: NoiseModel) -> None:
        self.__dict__.update(model.__dict__)
        self._as_dicts: dict[bool, dict[str, Any]] = {}

    def to_dict(self, serializable: bool = False) -> dict[str, Any]:
        cached = self._as_dicts.get(serializable)
        if cached is None:
            cached = super().to_dict(serializable)
            self._as_dicts[serializable] = cached
        return cached
