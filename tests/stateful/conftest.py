"""Hypothesis profiles of the stateful tests: FAKEQPU_HYPOTHESIS_PROFILE=ci|deep|dev (profiles.py)."""

from __future__ import annotations

from typing import Any

import pytest

from fakeqpu.testing.strategies import isa_template

from .profiles import register

PROFILE = register()


@pytest.fixture
def bell(fake_backend: Any) -> Any:
    """A measured Bell circuit, transpiled for the fake backend (cached)."""
    return isa_template(fake_backend, "bell")
