"""Mock devices for dry runs as IBM lists them (no job: one listing request)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.contract


@pytest.mark.min_client("0.51", reason="include_mocks and dry runs are absent from the client up to 0.50")
@pytest.mark.contract(fidelity="Dry runs: mock devices listed only with include_mocks, class mock")
def test_dry_run_device_is_listed_with_include_mocks(fake_backend, raw, contract_record):
    plain = raw.get("/backends").json()["devices"]
    with_mocks = raw.get("/backends?include_mocks=true").json()["devices"]
    mocks = [device for device in with_mocks if device.get("class") == "mock"]
    contract_record("mock_names", sorted(device["name"] for device in mocks))
    assert mocks and all(device["name"].startswith("mock_") for device in mocks)
    assert not [device for device in plain if device.get("class") == "mock"]
    assert "mock_" + fake_backend.name.split("_", 1)[1] in [device["name"] for device in mocks]
