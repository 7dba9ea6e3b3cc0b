"""The primitive options a job carries (only non-default fields travel), with the server's defaults.

The twirling and dynamical-decoupling defaults are the Estimator's, echoed in its result metadata.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fakeqpu.execution.errors import VALIDATION, ExecutionError

DEFAULT_SHOTS = 4096
DEFAULT_PRECISION = 0.015625
DEFAULT_RESILIENCE_LEVEL = 1

_DD_DEFAULTS: dict[str, Any] = {
    "enable": False,
    "sequence_type": "XX",
    "extra_slack_distribution": "middle",
    "scheduling_method": "alap",
}
_TWIRLING_DEFAULTS: dict[str, Any] = {
    "enable_gates": False,
    "enable_measure": True,
    "num_randomizations": "auto",
    "shots_per_randomization": "auto",
    "interleave_randomizations": True,
    "strategy": "active-accum",
}


@dataclass(frozen=True)
class JobOptions:
    default_shots: int | None = None
    """As sent: the sampler falls back to 4096; for the estimator it overrides the precision."""
    default_precision: float = DEFAULT_PRECISION
    rep_delay: float | None = None
    """Seconds, as the client sends it; None means the backend's default."""
    seed_simulator: int | None = None
    seed_estimator: int | None = None
    measure_mitigation: bool = True
    dynamical_decoupling: Mapping[str, Any] = field(default_factory=lambda: dict(_DD_DEFAULTS))
    twirling: Mapping[str, Any] = field(default_factory=lambda: dict(_TWIRLING_DEFAULTS))
    meas_type: str = "classified"
    zne_mitigation: bool = False
    pec_mitigation: bool = False
    zne_noise_factors: tuple[float, ...] = (1.0, 3.0, 5.0)
    zne_extrapolators: tuple[str, ...] = ("exponential", "linear")
    zne_extrapolated_noise_factors: tuple[float, ...] = (0.0, 1.0, 3.0, 5.0)

    @property
    def sampler_shots(self) -> int:
        return DEFAULT_SHOTS if self.default_shots is None else self.default_shots


def parse_options(params: Mapping[str, Any]) -> JobOptions:
    raw = params.get("options", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ExecutionError(VALIDATION, f"options must be an object, not {type(raw).__name__}.")
    execution = _section(raw, "execution")
    simulator = _section(raw, "simulator")
    resilience = _section(raw, "resilience")
    level = _int(params.get("resilience_level", DEFAULT_RESILIENCE_LEVEL), "resilience_level", minimum=0)
    if level > 2:
        raise ExecutionError(VALIDATION, f"resilience_level must be 0, 1 or 2, not {level}.")
    mitigation = resilience.get("measure_mitigation")
    zne = _section(resilience, "zne")
    noise_factors = _floats(zne.get("noise_factors", (1.0, 3.0, 5.0)), "resilience.zne.noise_factors")
    extrapolators = zne.get("extrapolator", ("exponential", "linear"))
    extrapolators = (extrapolators,) if isinstance(extrapolators, str) else tuple(map(str, extrapolators))
    extrapolated = zne.get("extrapolated_noise_factors")
    default_shots = raw.get("default_shots")
    return JobOptions(
        default_shots=None if default_shots is None else _int(default_shots, "default_shots", minimum=1),
        default_precision=_precision(raw.get("default_precision", DEFAULT_PRECISION)),
        rep_delay=_optional_float(execution.get("rep_delay"), "execution.rep_delay"),
        seed_simulator=_optional_int(simulator.get("seed_simulator"), "simulator.seed_simulator"),
        seed_estimator=_optional_int(raw.get("seed_estimator"), "seed_estimator"),
        measure_mitigation=level >= 1 if mitigation is None else bool(mitigation),
        dynamical_decoupling={**_DD_DEFAULTS, **_section(raw, "dynamical_decoupling")},
        twirling={**_TWIRLING_DEFAULTS, **_section(raw, "twirling")},
        meas_type=str(execution.get("meas_type", "classified")),
        # IBM's resilience levels: 1 = measurement mitigation, 2 = 1 + ZNE (server-side defaults)
        zne_mitigation=level >= 2
        if resilience.get("zne_mitigation") is None
        else bool(resilience["zne_mitigation"]),
        pec_mitigation=bool(resilience.get("pec_mitigation", False)),
        zne_noise_factors=noise_factors,
        zne_extrapolators=extrapolators,
        zne_extrapolated_noise_factors=(0.0, *noise_factors)
        if extrapolated is None
        else _floats(extrapolated, "resilience.zne.extrapolated_noise_factors"),
    )


def _section(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = raw.get(name) or {}
    if not isinstance(value, Mapping):
        raise ExecutionError(VALIDATION, f"options.{name} must be an object.")
    return value


def _floats(value: Any, name: str) -> tuple[float, ...]:
    if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
        raise ExecutionError(VALIDATION, f"{name} must be a list of numbers.")
    numbers = tuple(value)
    if not numbers or not all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in numbers
    ):
        raise ExecutionError(VALIDATION, f"{name} must be a non-empty list of finite numbers.")
    return tuple(float(x) for x in numbers)


def _int(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ExecutionError(VALIDATION, f"{name} must be an integer >= {minimum}, not {value!r}.")
    return value


def _optional_int(value: Any, name: str) -> int | None:
    return None if value is None else _int(value, name, minimum=0)


def _optional_float(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ExecutionError(VALIDATION, f"{name} must be a finite non-negative number, not {value!r}.")
    return float(value)


def _precision(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ExecutionError(
            VALIDATION, f"default_precision must be a finite positive number, not {value!r}."
        )
    return float(value)
