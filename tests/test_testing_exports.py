"""`fakeqpu.testing` names its lazily loaded strategies by hand: they must match what strategies exports."""

from __future__ import annotations

import fakeqpu.testing as testing
from fakeqpu.testing import model, strategies


def test_the_lazy_names_are_exactly_the_strategies_exports():
    assert set(testing._STRATEGIES) == set(strategies.__all__) - {"TEMPLATES"}


def test_every_exported_name_resolves():
    for name in testing.__all__:
        assert getattr(testing, name) is not None
    assert set(testing.__all__) - set(testing._STRATEGIES) - {"strategies"} <= set(model.__all__)
