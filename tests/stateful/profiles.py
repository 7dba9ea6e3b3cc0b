"""Hypothesis budgets of the stateful tests, by profile (``FAKEQPU_HYPOTHESIS_PROFILE``, default ``ci``).

- ``ci``: what every ``make test`` runs; derandomized, so a CI run is reproducible.
- ``deep``: long random runs, for a night or before a release.
- ``dev``: a quick look while editing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

ENV = "FAKEQPU_HYPOTHESIS_PROFILE"


@dataclass(frozen=True)
class Budget:
    client_examples: int
    client_steps: int
    service_examples: int
    service_steps: int
    model_examples: int


BUDGETS = {
    "ci": Budget(
        client_examples=200, client_steps=25, service_examples=300, service_steps=100, model_examples=100
    ),
    "deep": Budget(
        client_examples=3000, client_steps=40, service_examples=20000, service_steps=100, model_examples=5000
    ),
    "dev": Budget(
        client_examples=20, client_steps=15, service_examples=50, service_steps=30, model_examples=20
    ),
}


def register() -> str:
    """Register the profiles, load the chosen one, and return its name."""
    base = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "print_blob": True}
    settings.register_profile(
        "ci", max_examples=BUDGETS["ci"].model_examples, derandomize=True, database=None, **base
    )
    settings.register_profile("deep", max_examples=BUDGETS["deep"].model_examples, **base)
    settings.register_profile("dev", max_examples=BUDGETS["dev"].model_examples, **base)
    name = os.environ.get(ENV, "ci")
    if name not in BUDGETS:
        raise ValueError(f"{ENV}={name!r}: choose one of {', '.join(BUDGETS)}")
    settings.load_profile(name)
    return name


def budget() -> Budget:
    return BUDGETS[os.environ.get(ENV, "ci")]


def machine_settings(examples: int, steps: int) -> settings:
    return settings(settings.default, max_examples=examples, stateful_step_count=steps)
