"""Whatever qiskit-ibm-runtime release is installed: defaults exist, a missing backend fails one test."""

from __future__ import annotations

from importlib.metadata import version


def test_default_fleet_comes_from_the_installed_client(fake_service):
    names = {backend.name for backend in fake_service.backends()}
    assert "ibm_torino" in names and names


def test_a_missing_backend_fails_only_the_test_that_asks(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.fakeqpu(backends=["ibm_nowhere"])
        def test_asks(fake_service):
            pass

        def test_does_not_ask(fake_service):
            assert fake_service.backends()
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown backend 'ibm_nowhere'*"])


def test_the_installed_client_is_in_the_supported_range():
    major, minor = (int(part) for part in version("qiskit-ibm-runtime").split(".")[:2])
    assert (major, minor) >= (0, 40) and (major, minor) < (0, 52)
