"""Repository-level pytest configuration: pytester for the plugin tests, and client-version gates.

`@pytest.mark.min_client("0.50", reason="...")` marks a test that needs a feature of a newer
qiskit-ibm-runtime (a primitive, a field the client reads); on an older client of the supported
range it is skipped with that reason, so the version matrix runs the rest.
"""

from importlib.metadata import version

import pytest
from packaging.version import Version

pytest_plugins = ["pytester"]

CLIENT_VERSION = Version(version("qiskit-ibm-runtime"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "min_client(version, reason=''): needs qiskit-ibm-runtime >= version; skipped on older clients",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for mark in item.iter_markers("min_client"):
            needed = Version(str(mark.args[0]))
            if needed > CLIENT_VERSION:
                why = mark.kwargs.get("reason", "")
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"needs qiskit-ibm-runtime >= {needed}, installed {CLIENT_VERSION}: {why}"
                    )
                )
