"""Real mode (`--fakeqpu-real`) end to end, with no network: a fakeqpu started by a plugin plays IBM.

Each run is a subprocess. The stand-in (`STAND_IN` below) is a session-scoped autouse fixture, so it is
running before the plugin's real-mode code first reaches for IBM; it sets QISKIT_IBM_TOKEN and
QISKIT_IBM_INSTANCE to its own account as it starts, exactly the credentials a user would export. When
the run ends it writes its model (sessions, jobs) to `stand_in.json` for the test to inspect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakeqpu.real.plugin import CLOCK_SKIP, MODEL_SKIP

CONTRACT_DIR = Path(__file__).parent

STAND_IN = """
import json
import os

import pytest

import fakeqpu


@pytest.fixture(scope="session", autouse=True)
def ibm_stand_in():
    # a real account is known: it holds its own instances, no other (fakeqpu's default is any-account)
    options = {"account_instances": [], **json.loads(os.environ.get("STAND_IN_OPTIONS", "{}"))}
    with fakeqpu.mock_runtime(**options) as runtime:
        yield runtime
        runtime.model.sync()
        engine = runtime.model.engine
        model = {
            "sessions": {
                s.id: {"state": s.state, "mode": s.mode, "max_ttl": s.max_ttl}
                for s in engine.sessions.values()
            },
            "jobs": {
                j.id: {"status": j.status, "cost": j.max_execution_time, "session_id": j.session_id}
                for j in engine.jobs.values()
                if not j.background
            },
        }
        with open("stand_in.json", "w") as out:
            json.dump(model, out)
"""

BELL_CONFTEST = """
import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager


def isa(backend, width):
    circuit = QuantumCircuit(width)
    circuit.h(0)
    for qubit in range(1, width):
        circuit.cx(qubit - 1, qubit)
    circuit.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1).run(circuit)


@pytest.fixture
def bell(fake_backend):
    return isa(fake_backend, 2)


@pytest.fixture
def ghz6(fake_backend):
    return isa(fake_backend, 6)
"""


@pytest.fixture(autouse=True)
def _not_against_ibm(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("fakeqpu_real"):
        pytest.skip("tests real mode against a stand-in; there is nothing here to check against IBM")


@pytest.fixture
def stand_in(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(standin=STAND_IN)
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL", "STAND_IN_OPTIONS"):
        monkeypatch.delenv(name, raising=False)
    return pytester


def run_real(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "standin", "--fakeqpu-real", *args)


def read_json(pytester: pytest.Pytester, name: str) -> dict[str, Any]:
    return dict(json.loads((pytester.path / name).read_text()))


def assert_everything_closed(model: dict[str, Any]) -> None:
    assert model["sessions"], "the run created no session"
    assert {s["state"] for s in model["sessions"].values()} == {"closed"}, model["sessions"]
    assert not {j["status"] for j in model["jobs"].values()} & {"Queued", "Running"}, model["jobs"]


def skip_reasons(result: pytest.RunResult) -> list[tuple[str, str]]:
    """(file, reason) of each `-rs` line."""
    lines = [line.split("] ", 1)[1] for line in result.outlines if line.startswith("SKIPPED [")]
    return [(Path(where.split(":")[0]).name, reason) for where, reason in (x.split(": ", 1) for x in lines)]


# -- the contract suite itself, against IBM played by a stand-in --------------------------------------


def test_the_contract_suite_agrees_with_a_faithful_stand_in(stand_in):
    result = run_real(stand_in, str(CONTRACT_DIR), "-m", "contract", "-rs")
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK and "failed" not in outcomes, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(
        ["fakeqpu: REAL IBM Quantum (--fakeqpu-real), backend least busy; cost guard:*"]
    )
    time_travel = {reason for where, reason in skip_reasons(result) if where == "test_time_contract.py"}
    assert time_travel == {CLOCK_SKIP}

    report = read_json(stand_in, "fakeqpu-divergence.json")
    assert report["divergences"] == []
    assert report["summary"]["agreed"] == outcomes["passed"]
    assert report["summary"]["skipped"] == outcomes["skipped"]
    assert report["target"] == {"backend": "ibm_torino", "plan": "premium"}
    assert all(test["fidelity"] for test in report["tests"])

    model = read_json(stand_in, "stand_in.json")
    assert_everything_closed(model)
    assert {s["max_ttl"] for s in model["sessions"].values()} == {300}
    assert {j["cost"] for j in model["jobs"].values()} == {120}  # max_execution_time sent by the guard


@pytest.mark.parametrize(
    ("options", "diverged", "message"),
    [
        pytest.param(
            {"plan": "premium", "interactive_ttl": 30},
            "test_session_details_fields[Session-dedicated-60]",
            "30",
            # the contract test that reads interactive_timeout is itself gated so
            marks=pytest.mark.min_client("0.51", reason="Session.details() returns timestamps from 0.51"),
        ),
        (
            {"plan": "open", "open_plan_sessions": "job_mode"},
            "test_open_plan_session",
            "DID NOT RAISE",
        ),
    ],
)
def test_a_service_that_differs_is_written_to_the_divergence_report(
    stand_in, monkeypatch, options, diverged, message
):
    monkeypatch.setenv("STAND_IN_OPTIONS", json.dumps(options))
    report_path = "reports/divergence.json"
    result = run_real(
        stand_in, str(CONTRACT_DIR), "-m", "contract", f"--fakeqpu-divergence-report={report_path}"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["fakeqpu: divergence report *divergence.json: *1 diverged*"])

    report = read_json(stand_in, report_path)
    assert report["summary"]["diverged"] == 1
    (divergence,) = report["divergences"]
    assert divergence["test"].endswith(diverged)
    assert divergence["phase"] == "call" and message in divergence["message"]
    assert divergence["fidelity"].startswith("Sessions:")
    assert divergence["location"].split(":")[-1].isdigit()
    if "interactive_ttl" in options:  # what contract_record noted travels with the divergence
        assert divergence["observed"]["details"]["interactive_timeout"] == 30
    # every other contract test is accounted for: it agreed, or was skipped with the reason
    others = [test for test in report["tests"] if test["test"] != divergence["test"]]
    assert {test["outcome"] for test in others} <= {"agreed", "skipped"}
    if options["plan"] == "open":  # the paid-plan tests do not run on an Open Plan instance
        paid = [
            test for test in others if "open_plan" not in test["test"] and "time_contract" not in test["test"]
        ]
        assert paid and {test["outcome"] for test in paid} == {"skipped"}
        # or, on an older client, skipped by its version gate before the plan is looked at
        assert all(
            "the real instance is on the Open Plan" in test["message"]
            or test["message"].startswith("needs qiskit-ibm-runtime >=")
            for test in paid
        )


# -- credentials -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "found neither QISKIT_IBM_TOKEN in the environment nor a saved account"),
        (("--fakeqpu-real-account=lab",), "found no saved account named 'lab'"),
    ],
)
def test_without_credentials_the_run_stops_with_one_message(pytester, monkeypatch, args, message):
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    assert Path.home() == pytester.path  # pytester points HOME at an empty directory: no saved account
    pytester.makepyfile("""
        def test_first(fake_service):
            pass

        def test_second(fake_session):
            pass
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fakeqpu-real", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str()
    assert output.count("--fakeqpu-real needs IBM Quantum credentials") == 1
    assert message in output and "QiskitRuntimeService.save_account" in output
    assert "passed" not in result.parseoutcomes()
    assert not (pytester.path / "fakeqpu-divergence.json").exists()


def test_a_backend_ibm_does_not_have_stops_the_run(stand_in):
    stand_in.makepyfile("def test_backend(fake_backend): pass")
    result = run_real(stand_in, "--fakeqpu-real-backend=ibm_nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        [
            "*fakeqpu: --fakeqpu-real could not set up IBM Quantum with QISKIT_IBM_TOKEN/QISKIT_IBM_INSTANCE "
            "(backend: ibm_nowhere): QiskitBackendNotFoundError*"
        ]
    )


def test_a_saved_account_is_used(stand_in, monkeypatch):
    """A saved account (here: the stand-in's) serves as well as the environment."""
    stand_in.makeconftest("""
        import fakeqpu
        from qiskit_ibm_runtime import QiskitRuntimeService

        def pytest_configure(config):
            QiskitRuntimeService.save_account(
                channel="ibm_quantum_platform", token="a-saved-key", instance=fakeqpu.FakeRuntime.crn,
                name="lab",
            )
    """)
    stand_in.makepyfile("""
        def test_service(fake_service):
            assert fake_service.active_account()["token"] == "a-saved-key"
    """)
    run_real(stand_in, "--fakeqpu-real-account=lab").assert_outcomes(passed=1)


# -- the cost guard ----------------------------------------------------------------------------------

COSTLY = """
    from qiskit_ibm_runtime import SamplerV2, Session


    def test_too_many_shots(fake_backend, bell):
        SamplerV2(mode=fake_backend).run([bell], shots=1000)


    def test_the_default_shots_are_too_many(fake_backend, bell):
        SamplerV2(mode=fake_backend).run([bell])


    def test_too_wide(fake_backend, ghz6):
        SamplerV2(mode=fake_backend).run([ghz6], shots=10)


    def test_a_long_session(fake_backend):
        Session(backend=fake_backend, max_time="2h")


    def test_a_swallowed_refusal_still_fails(fake_backend, bell):
        try:
            SamplerV2(mode=fake_backend).run([bell], shots=1000)
        except Exception:
            pass


    def test_eleven_jobs(fake_backend, bell):
        for _ in range(11):
            SamplerV2(mode=fake_backend).run([bell], shots=10)


    def test_a_session_without_max_time_gets_the_limit(fake_backend):
        session = Session(backend=fake_backend)
        assert session.details()["max_time"] == 600
"""


def test_the_cost_guard_refuses_and_never_sends(stand_in):
    stand_in.makeconftest(BELL_CONFTEST)
    stand_in.makepyfile(test_costly=COSTLY)
    result = run_real(stand_in)
    result.assert_outcomes(failed=6, passed=1)
    refused = "fakeqpu cost guard refused POST /api/v1/{} (not sent to IBM Quantum): {}. Limits: shots=100, *"
    expected = [
        ("test_too_many_shots", "jobs", "PUB 0 asks for 1000 shots (limit 100)"),
        ("test_the_default_shots_are_too_many", "jobs", "PUB 0 asks for 4096 shots (limit 100)"),
        ("test_too_wide", "jobs", "PUB 0 acts on 6 qubits (limit 5)"),
        ("test_a_long_session", "sessions", "the session asks for max_ttl=7200 s (limit 600 s)"),
        ("test_a_swallowed_refusal_still_fails", "jobs", "PUB 0 asks for 1000 shots (limit 100)"),
        ("test_eleven_jobs", "jobs", "this test already submitted 10 jobs"),
    ]
    # each failure is the guard's message alone, under the test's header
    result.stdout.fnmatch_lines(
        [line for test, path, why in expected for line in (f"_* {test} _*", refused.format(path, why))]
    )
    model = read_json(stand_in, "stand_in.json")
    assert len(model["jobs"]) == 10  # the ten allowed jobs of test_eleven_jobs, nothing refused
    assert [s["max_ttl"] for s in model["sessions"].values()] == [600]  # sent with the limit filled in
    assert_everything_closed(model)


def test_the_limits_are_options_and_a_refused_contract_test_is_not_a_divergence(stand_in):
    result = run_real(stand_in, str(CONTRACT_DIR / "test_jobs_contract.py"), "--fakeqpu-real-limits=shots=10")
    failed = result.parseoutcomes().get("failed")
    report = read_json(stand_in, "fakeqpu-divergence.json")
    assert failed == report["summary"]["contract_tests"] == report["summary"]["refused"] > 0
    assert report["divergences"] == []
    assert all("asks for" in test["message"] and "(limit 10)" in test["message"] for test in report["tests"])

    result = run_real(stand_in, "--fakeqpu-real-limits=shot=1000")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--fakeqpu-real-limits: unknown cost limit 'shot=1000'; the limits are: shots,*"]
    )


# -- a downstream suite ------------------------------------------------------------------------------

DOWNSTREAM = """
    import pytest
    from qiskit_ibm_runtime import SamplerV2, Session


    def test_bell_in_a_session(fake_session, bell):
        result = SamplerV2(mode=fake_session).run([bell], shots=50).result()
        assert result[0].data.meas.num_shots == 50
        assert fake_session.status() == "In progress, accepting new jobs"


    def test_batch(fake_batch, bell):
        job = SamplerV2(mode=fake_batch).run([bell], shots=20)
        assert job.result()[0].data.meas.num_shots == 20


    def test_work_left_behind(fake_session, fake_backend, bell):
        forgotten = Session(backend=fake_backend, max_time="1m")
        SamplerV2(mode=forgotten).run([bell], shots=10)
        SamplerV2(mode=forgotten).run([bell], shots=10)
        SamplerV2(mode=fake_backend).run([bell], shots=10)
        SamplerV2(mode=fake_session).run([bell], shots=10)


    def test_time_travel(qpu_clock, fake_session):
        qpu_clock.advance(hours=1)


    def test_the_model(fake_runtime):
        assert fake_runtime.model


    @pytest.mark.fakeqpu(interactive_ttl=5)
    def test_a_configured_fake(fake_session):
        assert fake_session.details()["interactive_timeout"] == 5


    @pytest.mark.fakeqpu_only(reason="exact counts under a seed")
    def test_fake_only(fake_backend):
        pass
"""


def test_a_downstream_suite_runs_on_real_hardware(stand_in):
    stand_in.makeconftest(BELL_CONFTEST)
    stand_in.makepyfile(test_downstream=DOWNSTREAM)
    result = run_real(stand_in, "-rs", "--strict-markers")
    result.assert_outcomes(passed=3, skipped=4)
    assert {reason for _, reason in skip_reasons(result)} == {
        CLOCK_SKIP,
        MODEL_SKIP,
        "configures the fake (interactive_ttl=5), which a real instance cannot mimic",
        "checks the fake alone (@pytest.mark.fakeqpu_only): exact counts under a seed",
    }
    model = read_json(stand_in, "stand_in.json")
    assert_everything_closed(model)
    assert len(model["sessions"]) == 4  # bell, batch, left-behind (two); time travel skipped first
    left = [j for j in model["jobs"].values() if j["status"] == "Cancelled"]
    assert len(left) >= 3  # what test_work_left_behind never waited for was cancelled, not run
    # the same file, without the flag, runs against the fake
    stand_in.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=7)


def test_a_teardown_that_cannot_close_is_an_error(stand_in):
    stand_in.makeconftest(BELL_CONFTEST)
    stand_in.makepyfile("""
        from qiskit_ibm_runtime import SamplerV2


        def test_left_running_and_ibm_refuses_to_cancel(ibm_stand_in, fake_backend, bell):
            SamplerV2(mode=fake_backend).run([bell], shots=10)

            def refuse(job_id):
                raise RuntimeError("no")

            ibm_stand_in.model.cancel_job = refuse  # the stand-in answers 500 to POST /jobs/{id}/cancel
    """)
    result = run_real(stand_in)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fakeqpu could not close what the test left on IBM Quantum*job *"])
