"""Answers follow the client's IBM-API-Version header; the service behind them is the same."""

from __future__ import annotations

import pytest
import requests

from tests.client.test_http_errors import BASE, headers  # noqa: F401 (a fixture)


def _get(path: str, auth: dict[str, str], version: str | None) -> requests.Response:
    sent = dict(auth, **({"IBM-API-Version": version} if version else {}))
    return requests.get(f"{BASE}{path}", headers=sent, timeout=5)


def test_versions_lists_every_version_served(headers):  # noqa: F811
    versions = [v["version"] for v in _get("/versions", headers, None).json()["versions"]]
    assert versions == ["2024-01-01", "2025-01-01", "2025-05-01", "2026-04-15"]


@pytest.mark.parametrize("version", ["2024-01-01", "2025-01-01"])
def test_before_2025_05_01_backends_are_names(headers, fake_runtime, version):  # noqa: F811
    assert _get("/backends", headers, version).json() == {"devices": list(fake_runtime.options.backends)}


@pytest.mark.parametrize("version", ["2025-05-01", "2026-04-15", None, "latest"])
def test_from_2025_05_01_backends_are_objects(headers, fake_runtime, version):  # noqa: F811
    devices = _get("/backends", headers, version).json()["devices"]
    assert [d["name"] for d in devices] == list(fake_runtime.options.backends)
