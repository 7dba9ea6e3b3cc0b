"""The `fakeqpu_server` fixture, through pytester: one server per run, a fresh fake per test."""

from __future__ import annotations


def test_one_server_per_run_reset_for_each_test_with_its_options(pytester):
    pytester.makeconftest("""
        from pathlib import Path
        import fakeqpu

        STARTED = []
        _start = fakeqpu.FakeServer.start
        fakeqpu.FakeServer.start = lambda self: STARTED.append(self) or _start(self)

        def pytest_sessionfinish(session):  # after the session fixtures' teardown
            Path("servers.txt").write_text(repr([(s.running, s is STARTED[0]) for s in STARTED]))

        def pytest_unconfigure(config):  # pytester runs in this process: leave the class as it was
            fakeqpu.FakeServer.start = _start
    """)
    pytester.makepyfile("""
        import datetime
        import pytest
        import fakeqpu
        from fakeqpu.pytest_plugin import seed_for
        from conftest import STARTED

        SEEN = []

        @pytest.fixture(scope="session")
        def worker_env(fakeqpu_server):  # a session fixture of the user's can depend on it
            return dict(fakeqpu_server.env)

        def test_nothing_is_served_until_a_test_asks():
            assert STARTED == []

        def test_first(fakeqpu_server, request):
            assert isinstance(fakeqpu_server, fakeqpu.FakeServer) and fakeqpu_server.running
            assert fakeqpu_server.options.seed == seed_for(request.node.nodeid)  # like fake_runtime
            SEEN.append((fakeqpu_server.url, fakeqpu_server.clock.now()))
            fakeqpu_server.clock.advance(hours=5)
            fakeqpu_server.add_background_load("ibm_torino", jobs=3)

        @pytest.mark.fakeqpu(plan="open", backends=["ibm_fez", "ibm_torino"])
        def test_second(fakeqpu_server, worker_env):
            url, then = SEEN[0]
            assert fakeqpu_server.url == url == worker_env["FAKEQPU_URL"]  # the same server
            assert STARTED == [fakeqpu_server]  # started once for the run
            assert fakeqpu_server.options.plan == "open"  # the marker applies
            assert fakeqpu_server.options.backends == ("ibm_fez", "ibm_torino")
            assert fakeqpu_server.runtime.model.queue_length("ibm_torino") == 0  # a fresh fake
            assert fakeqpu_server.clock.now() - then < datetime.timedelta(hours=1)  # and a fresh clock
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
    assert (pytester.path / "servers.txt").read_text() == "[(False, True)]"  # one server, stopped at the end
