"""The pytest plugin, through pytester: fixtures, marker, options, guard, report header, xdist."""

from __future__ import annotations

import pytest

FIXTURE_TYPES = """
    from qiskit_ibm_runtime import Batch, QiskitRuntimeService, Session
    from qiskit_ibm_runtime.ibm_backend import IBMBackend
    import fakeqpu

    def test_types(fake_runtime, fake_service, fake_backend, fake_session, fake_batch, qpu_clock):
        assert isinstance(fake_runtime, fakeqpu.FakeRuntime)
        assert isinstance(fake_service, QiskitRuntimeService)
        assert isinstance(fake_backend, IBMBackend) and fake_backend.name == "ibm_torino"
        assert isinstance(fake_session, Session) and fake_session.details()["mode"] == "dedicated"
        assert isinstance(fake_batch, Batch) and fake_batch.details()["mode"] == "batch"
        assert isinstance(qpu_clock, fakeqpu.Clock) and qpu_clock is fake_runtime.clock
"""


def test_every_fixture_has_its_type(pytester):
    pytester.makepyfile(FIXTURE_TYPES)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_session_and_batch_are_closed_at_teardown(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture
        def probe(fake_runtime):
            yield
            states = sorted(s.state for s in fake_runtime.model.engine.sessions.values())
            assert states == ["closed", "closed"], states
    """)
    pytester.makepyfile("""
        def test_open(probe, fake_session, fake_batch):
            assert fake_session.status() == "Pending" and fake_batch.status() == "Pending"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_each_test_gets_its_own_fake(pytester):
    pytester.makepyfile("""
        import pytest
        from qiskit_ibm_runtime import Session

        @pytest.mark.parametrize("n", range(3))
        def test_fresh(fake_runtime, fake_service, fake_backend, qpu_clock, n):
            assert fake_service.jobs() == []
            assert fake_runtime.model.engine.sessions == {}
            Session(backend=fake_backend)
            qpu_clock.advance(hours=n)
            assert len(fake_runtime.model.engine.sessions) == 1
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_precedence_marker_over_cli_over_ini(pytester):
    pytester.makeini("""
        [pytest]
        fakeqpu_plan = open
        fakeqpu_seed = 5
        fakeqpu_backends = ibm_fez, ibm_torino
    """)
    pytester.makepyfile("""
        import pytest

        def test_ini(fake_runtime):
            assert fake_runtime.options.plan == "flex"          # from the command line
            assert fake_runtime.options.seed == 5                # from the ini file
            assert fake_runtime.options.backends == ("ibm_fez", "ibm_torino")

        @pytest.mark.fakeqpu(plan="premium", job_duration=3)
        def test_marker(fake_runtime, fake_backend):
            assert fake_runtime.options.plan == "premium"
            assert fake_runtime.options.job_duration == 3
            assert fake_backend.name == "ibm_fez"

        @pytest.mark.fakeqpu(plan="paygo")
        class TestClassMarker:
            @pytest.mark.fakeqpu(seed=9)
            def test_closest_wins_and_merges(self, fake_runtime):
                assert (fake_runtime.options.plan, fake_runtime.options.seed) == ("paygo", 9)
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--fakeqpu-plan=flex")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["fakeqpu: plan=flex, backends=ibm_fez,ibm_torino, seed=5*guard on"])


def test_every_option_reaches_the_fake(pytester):
    pytester.makepyfile("""
        import pytest
        from datetime import datetime, timezone

        @pytest.mark.fakeqpu(plan="open", open_plan_sessions="reject", backends=["ibm_brisbane"],
                             job_duration=7, seed=1, start=datetime(2030, 1, 1, tzinfo=timezone.utc),
                             interactive_ttl=9, max_ttl=99, background_jobs={"ibm_brisbane": 2})
        def test_all(fake_runtime, qpu_clock, fake_backend):
            assert qpu_clock.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)
            assert fake_runtime.model.plan.interactive_ttl == 9 and fake_runtime.model.plan.max_ttl == 99
            assert fake_backend.status().pending_jobs == 1
            assert fake_runtime.model._open_plan_sessions == "reject"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_misspelled_marker_option_is_an_error_at_collection(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.fakeqpu(plna="open")
        def test_typo(fake_runtime):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown fakeqpu option 'plna' (did you mean 'plan'?)*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fakeqpu-plan=gold"], "*plan must be one of*"),
        (["--fakeqpu-seed=abc"], "*seed = 'abc' is not a valid int*"),
    ],
)
def test_bad_option_values_are_usage_errors(pytester, args, message):
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_a_backend_the_client_does_not_ship_fails_only_the_tests_that_use_the_fake(pytester):
    # client releases ship different snapshots: a session never aborts for one (issue: 0.45 and ibm_kingston)
    pytester.makepyfile("""
        def test_without_the_fake():
            pass

        def test_with_the_fake(fake_runtime):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--fakeqpu-backends=ibm_torin")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown backend 'ibm_torin' (did you mean 'ibm_torino'?)*"])


def test_the_marker_is_registered(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.fakeqpu(seed=1)
        def test_strict(fake_runtime):
            assert fake_runtime.options.seed == 1
    """)
    pytester.runpytest("-p", "no:cacheprovider", "--strict-markers").assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fakeqpu(**options)*"])


GUARDED = """
    import httpx
    import pytest
    import requests

    def test_requests_blocked():
        with pytest.raises(requests.ConnectionError, match="fakeqpu blocked a real request to IBM"):
            requests.get("https://quantum.cloud.ibm.com/api/v1/backends", timeout=1)

    def test_httpx_blocked():
        with pytest.raises(httpx.ConnectError, match="fakeqpu blocked a real request to IBM"):
            httpx.get("https://iam.cloud.ibm.com/identity/token")

    def test_client_blocked():
        from qiskit_ibm_runtime import QiskitRuntimeService
        from qiskit_ibm_runtime.accounts import InvalidAccountError
        from fakeqpu.transports.guard import RealIbmRequestBlocked

        crn = "crn:v1:bluemix:public:quantum-computing:us-east:a/1:2::"
        with pytest.raises(InvalidAccountError) as info:
            QiskitRuntimeService(channel="ibm_quantum_platform", token="t", instance=crn)
        chain, error = [], info.value
        while error is not None:  # how deep the client nests it depends on its release
            chain.append(error)
            error = error.__cause__ or error.__context__
        blocked = [e for e in chain if isinstance(e, RealIbmRequestBlocked)]
        assert blocked and "iam.cloud.ibm.com" in str(blocked[0])

    def test_fake_still_answers(fake_service):
        assert fake_service.backends()
"""


@pytest.mark.min_client("0.41", reason="0.40 builds a service with an explicit instance without calling IAM")
def test_the_guard_blocks_ibm_hosts_that_no_fake_answers(pytester):
    pytester.makepyfile(GUARDED)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_allow_real_lifts_the_guard(pytester):
    pytester.makepyfile("""
        import requests

        def test_goes_to_the_network():
            try:
                requests.get("https://quantum.cloud.ibm.com/api/v1/backends", timeout=0.5)
            except requests.RequestException as error:
                assert "fakeqpu blocked" not in str(error)
    """)
    # in a subprocess: this very run has its own guard installed, which an in-process run would inherit
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fakeqpu-allow-real")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*real-IBM guard off (--fakeqpu-allow-real)*"])


def test_parallel_workers_have_independent_fakes(pytester):
    pytester.makepyfile("""
        import pytest
        from qiskit_ibm_runtime import SamplerV2, Session

        @pytest.mark.parametrize("n", range(4))
        def test_worker(fake_service, fake_backend, qpu_clock, n):
            session = Session(backend=fake_backend)
            assert fake_service.jobs() == []
            assert len(fake_service._active_api_client.session_details(session.session_id)["timestamps"]) == 1
            qpu_clock.advance(minutes=n)
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)


def test_the_xdist_controller_never_imports_qiskit(pytester):
    # The controller only collects nothing and distributes: loading the plugin, reading the options and
    # printing the header must not pull in qiskit (~1 s), which each worker imports for its own jobs.
    pytester.makeconftest("""
        import sys

        def pytest_sessionfinish(session):
            if not hasattr(session.config, "workerinput"):
                heavy = sorted(m for m in ("qiskit", "qiskit_aer", "qiskit_ibm_runtime") if m in sys.modules)
                print("controller imported:", heavy or "nothing heavy")
    """)
    pytester.makepyfile("""
        def test_bell(fake_backend):
            from qiskit_ibm_runtime import SamplerV2
            assert fake_backend.name == "ibm_torino"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "1", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*controller imported: nothing heavy*"])
