"""The toolkit's plugin side, through pytester: strict, budgets, auto_tick, the failure report, the
timeline directory, the usage summary (also under xdist)."""

from __future__ import annotations

BELL = """
    import pytest
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2 as Sampler, Session

    @pytest.fixture
    def bell(fake_backend):
        circuit = QuantumCircuit(2)
        circuit.h(0)
        circuit.cx(0, 1)
        circuit.measure_all()
        return generate_preset_pass_manager(backend=fake_backend, optimization_level=1).run(circuit)
"""

LEFTOVERS = (
    BELL
    + """
    def test_leaves_a_job_running(fake_backend, bell):
        Sampler(mode=fake_backend).run([bell])

    def test_leaves_a_session_open(fake_backend):
        Session(backend=fake_backend)

    def test_tidy(fake_runtime, fake_backend, bell, qpu_clock):
        Sampler(mode=fake_backend).run([bell]).result()
"""
)


def test_strict_marker_names_what_was_left_over(pytester):
    pytester.makepyfile(
        LEFTOVERS.replace("    def test_", "    @pytest.mark.fakeqpu(strict=True)\n    def test_")
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.re_match_lines(
        [r".*strict: left over at the end of the test: job \w+ is (Queued|Running).*"]
    )
    result.stdout.re_match_lines([r".*strict: left over .*session [0-9a-f-]+ \(dedicated\) is open.*"])


def test_strict_is_off_by_default_and_the_cli_turns_it_on(pytester):
    pytester.makepyfile(LEFTOVERS)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
    pytester.runpytest("-p", "no:cacheprovider", "--fakeqpu-strict").assert_outcomes(passed=3, errors=2)


def test_strict_from_the_ini_file_and_a_marker_turning_it_off(pytester):
    pytester.makeini("[pytest]\nfakeqpu_strict = true\n")
    pytester.makepyfile(
        LEFTOVERS.replace(
            "def test_leaves_a_job", "@pytest.mark.fakeqpu(strict=False)\n    def test_leaves_a_job"
        )
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3, errors=1)


def test_assert_no_leftovers_without_the_option(pytester):
    pytester.makepyfile(
        BELL
        + """
    def test_explicit(fake_runtime, fake_backend, bell, qpu_clock):
        job = Sampler(mode=fake_backend).run([bell])
        with pytest.raises(AssertionError, match=job.job_id()):
            fake_runtime.assert_no_leftovers()
        job.result()
        fake_runtime.assert_no_leftovers()
    """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_budgets_fail_the_test_with_the_jobs_listed(pytester):
    pytester.makepyfile(
        BELL
        + """
    @pytest.mark.fakeqpu(max_jobs=1)
    def test_too_many_jobs(fake_backend, bell):
        for _ in range(2):
            Sampler(mode=fake_backend).run([bell]).result()

    @pytest.mark.fakeqpu(max_qpu_seconds=15, job_duration=10)
    def test_too_much_qpu_time(fake_backend, bell):
        for _ in range(2):
            Sampler(mode=fake_backend).run([bell]).result()

    @pytest.mark.fakeqpu(max_jobs=2, max_qpu_seconds=20, job_duration=10)
    def test_within_budget(fake_backend, bell):
        for _ in range(2):
            Sampler(mode=fake_backend).run([bell]).result()
    """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        ["*max_jobs=1 exceeded: 2 jobs submitted:*", "*sampler on ibm_torino: Completed*"]
    )
    result.stdout.fnmatch_lines(["*max_qpu_seconds=15 exceeded: 20.0 s of QPU time used:*"])


def test_budget_options_are_validated(pytester):
    pytester.makepyfile("""
    import pytest

    @pytest.mark.fakeqpu(max_jobs=-1)
    def test_bad(fake_runtime):
        pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stderr.fnmatch_lines(["*max_jobs must be an integer >= 0*"])


def test_auto_tick_from_the_command_line(pytester):
    pytester.makepyfile("""
    def test_latency(fake_runtime, fake_service):
        start = fake_runtime.now()
        fake_service.backends()
        runtime = [r for r in fake_runtime.requests() if "/api/v1/" in r.path]
        assert runtime and all(r.seconds == 2.0 for r in runtime)
        assert all(r.seconds == 0.0 for r in fake_runtime.requests() if r not in runtime)  # IAM: no latency
        assert (fake_runtime.now() - start).total_seconds() == 2.0 * len(runtime)
    """)
    pytester.runpytest("-p", "no:cacheprovider", "--fakeqpu-auto-tick=2").assert_outcomes(passed=1)


FAILING = (
    BELL
    + """
    @pytest.mark.fakeqpu(job_duration=5)
    def test_fails_after_a_job(fake_session, bell, qpu_clock):
        Sampler(mode=fake_session).run([bell]).result()
        assert False, "the app under test broke"

    def test_passes(fake_runtime):
        pass
"""
)


def test_a_failed_test_gets_its_timeline_and_picture(pytester):
    pytester.makepyfile(FAILING)
    folder = pytester.path / "timelines"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--fakeqpu-timeline-dir={folder}")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*- fakeqpu timeline -*", "*session *open", "*job *Completed"])
    pictures = sorted(folder.iterdir())
    assert [p.name for p in pictures] == [
        "test_a_failed_test_gets_its_timeline_and_picture.py_test_fails_after_a_job.svg"
    ]
    svg = pictures[0].read_text()
    assert svg.startswith("<svg") and "ibm_torino" in svg and "#2ca02c" in svg  # a Completed bar


def test_the_summary_line_counts_jobs_sessions_and_qpu_time(pytester):
    pytester.makepyfile(
        BELL
        + """
    @pytest.mark.fakeqpu(job_duration=30)
    def test_heavy(fake_session, bell):
        Sampler(mode=fake_session).run([bell]).result()
        Sampler(mode=fake_session).run([bell]).result()

    @pytest.mark.fakeqpu(job_duration=5)
    def test_light(fake_backend, bell):
        Sampler(mode=fake_backend).run([bell]).result()

    def test_no_fake():
        pass
    """
    )
    for extra in ((), ("-n", "2")):
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *extra)
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines(
            [
                "fakeqpu: 3 jobs, 1 sessions, 65.0 s simulated QPU time in 2 tests; top by QPU time: "
                "test_the_summary_line_counts_jobs_sessions_and_qpu_time.py::test_heavy (60.0 s), "
                "test_the_summary_line_counts_jobs_sessions_and_qpu_time.py::test_light (5.0 s)"
            ]
        )


def test_no_summary_line_when_no_test_used_the_fake(pytester):
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert "simulated QPU time" not in result.stdout.str()
