"""`state_dir`: the account survives a restart — jobs, sessions, results, the clock, its history."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

import fakeqpu
from fakeqpu import RuntimeOptions, StateDirError
from fakeqpu.cli import main
from fakeqpu.state.journal import FILE

from .state_helpers import START, Rest, isa_circuit, job_body


def _serve(state_dir: Path, **options: object) -> fakeqpu.FakeServer:
    return fakeqpu.serve(state_dir=str(state_dir), **options).start()


def _rest(server: fakeqpu.FakeServer) -> Rest:
    return Rest(server.url, server.crn, server.control_token)


def test_a_restarted_server_lists_and_returns_an_earlier_job(tmp_path):
    with _serve(tmp_path, seed=4, start=START) as server:
        rest = _rest(server)
        job = rest.submit()
        assert rest.wait(job) == "Completed"
        result = rest.call("GET", f"/jobs/{job}/results").content
        before = rest.state()
        records = [(j.id, j.status, j.created, j.finished) for j in server.jobs()]
    with _serve(tmp_path) as again:  # a new process would do the same: the options are recorded
        rest = rest.moved(again.url, again.control_token)
        assert again.options.seed == 4 and again.options.start == START
        assert rest.state() == before  # jobs, sessions, timeline, clock
        assert [(j.id, j.status, j.created, j.finished) for j in again.jobs()] == records
        assert rest.job_ids() == [job]
        assert rest.call("GET", f"/jobs/{job}/results").content == result


def _session_scenario(state_dir: Path, restart: bool) -> tuple[tuple[str, ...], list[str], str]:
    """A dedicated session with a job, 30 s, [a restart], a second job in it, then past its TTL."""
    server = _serve(state_dir, seed=11, start=START, interactive_ttl=60)
    rest = _rest(server)
    session = rest.call("POST", "/sessions", json={"mode": "dedicated", "backend": "ibm_torino"}).json()["id"]
    first = rest.submit(session)
    assert rest.wait(first) == "Completed"
    rest.control("POST", "/clock/advance", json={"seconds": 30})
    seen = [rest.call("GET", f"/sessions/{session}").json()["state"]]
    if restart:
        server.stop()
        server = _serve(state_dir)
        rest = rest.moved(server.url, server.control_token)
    seen.append(rest.call("GET", f"/sessions/{session}").json()["state"])
    second = rest.submit(session)  # runs in the session opened before the restart
    assert rest.wait(second) == "Completed"
    jobs = rest.call("GET", "/jobs").json()["jobs"]
    assert {j["id"]: j["session_id"] for j in jobs} == {first: session, second: session}
    rest.control("POST", "/clock/advance", json={"seconds": 30})  # the TTL runs in virtual time
    seen.append(rest.call("GET", f"/sessions/{session}").json()["state"])
    rest.control("POST", "/clock/advance", json={"seconds": 40})
    seen.append(rest.call("GET", f"/sessions/{session}").json()["state"])
    state = rest.state()
    server.stop()
    return state, seen, session


def test_a_restart_in_the_middle_of_a_session_changes_nothing(tmp_path):
    state, seen, _ = _session_scenario(tmp_path / "restarted", restart=True)
    uninterrupted, seen_once, _ = _session_scenario(tmp_path / "once", restart=False)
    assert seen == seen_once == ["active", "active", "active", "inactive"]  # its TTL, timed across it
    assert state == uninterrupted  # same ids, states, timestamps, timeline and clock


def test_controls_from_python_and_over_http_are_kept(tmp_path):
    with _serve(tmp_path, seed=2, start=START, auto_tick=0) as server:
        rest = _rest(server)
        server.add_background_load("ibm_torino", jobs=2, duration=100)
        assert rest.control("POST", "/fail_jobs", json={"code": 1517, "at": "start"}).status_code == 200
        server.set_backend_status("ibm_fez", "paused", "maintenance", until=3600)
        failed = rest.submit()
        server.clock.advance(seconds=400)
        assert rest.status(failed) == "Failed"
        with pytest.raises(StateDirError, match="callable"):
            server.fail_jobs(1517, match=lambda job: True)  # refused before it applies
        assert server.faults() == []
        before = rest.state()
    with _serve(tmp_path) as again:
        rest = rest.moved(again.url, again.control_token)
        assert rest.state() == before
        assert again.now() == START.replace(minute=6, second=40)  # the clock's last move, kept
        status = rest.call("GET", "/backends/ibm_fez/status").json()
        assert status["state"] is False  # still paused until its scheduled end


def _seen(fake: fakeqpu.FakeRuntime) -> list[tuple[object, ...]]:
    return [(j.id, j.status, j.created, j.finished) for j in fake.jobs()]


def test_mock_runtime_keeps_its_state_in_process(tmp_path):
    from qiskit_ibm_runtime import SamplerV2

    with fakeqpu.mock_runtime(state_dir=tmp_path, seed=5, start=START) as fake:
        backend = fake.service().backend("ibm_torino")
        job = SamplerV2(mode=backend).run([isa_circuit()], shots=64)
        counts = job.result()[0].data.meas.get_counts()
        records, now = _seen(fake), fake.now()
    with fakeqpu.mock_runtime(state_dir=tmp_path) as fake:
        assert _seen(fake) == records and fake.now() == now  # sleeps of the client's polls, kept at stop
        again = fake.service().job(job.job_id())
        assert again.result()[0].data.meas.get_counts() == counts


def test_an_accounts_history_survives_a_restart(tmp_path):
    with fakeqpu.mock_runtime(state_dir=tmp_path, seed=5, start=START, backends=["ibm_torino"]) as fake:
        made = fake.add_history(jobs=3, sessions=1, jobs_per_session=2)
        records = _seen(fake)
    assert len(made["jobs"]) == 5 and len(records) == 5
    with fakeqpu.mock_runtime(state_dir=tmp_path) as fake:
        assert _seen(fake) == records  # the control was recorded and replayed: same ids, same times
        listed = {job.job_id() for job in fake.service().jobs(limit=10)}
        assert set(made["jobs"]) <= listed


def test_the_options_it_was_made_with_apply_and_others_are_refused(tmp_path):
    _serve(tmp_path, seed=7, plan="open", backends="ibm_torino").stop()
    with pytest.raises(StateDirError, match=r"seed=8 \(recorded: 7\)"):
        fakeqpu.serve(state_dir=str(tmp_path), seed=8)
    with pytest.raises(StateDirError, match="plan='flex'"):
        fakeqpu.serve(state_dir=str(tmp_path), plan="flex")
    server = fakeqpu.serve(state_dir=str(tmp_path), seed=7)  # the same, or left out: fine
    assert (server.options.plan, server.options.backends) == ("open", ("ibm_torino",))
    server.stop()
    with pytest.raises(StateDirError, match="callable"):
        fakeqpu.serve(state_dir=str(tmp_path / "new"), job_duration=lambda job: 1.0)


def test_one_fake_at_a_time_keeps_an_account(tmp_path):
    server = fakeqpu.serve(state_dir=str(tmp_path))
    try:
        with pytest.raises(StateDirError, match="in use"):
            fakeqpu.serve(state_dir=str(tmp_path))
    finally:
        server.stop()
    fakeqpu.serve(state_dir=str(tmp_path)).stop()  # released by stop()


def test_reset_starts_the_account_again_and_reset_to_opens_it(tmp_path):
    with _serve(tmp_path, seed=1, start=START) as server:
        rest = _rest(server)
        job = rest.submit()
        server.reset_to(RuntimeOptions.from_kwargs({"state_dir": str(tmp_path)}))  # the pytest fixture's way
        assert rest.job_ids() == [job]  # opened as `mock_runtime(state_dir=...)` opens it
        assert rest.control("POST", "/reset", json={"seed": 9}).status_code == 204
        assert rest.job_ids() == []
    with _serve(tmp_path) as again:
        assert again.jobs() == [] and again.options.seed == 9


def _corrupt_middle(journal: Path) -> None:
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1][:20] + b"X" + lines[1][21:]
    journal.write_bytes(b"\n".join(lines))


def _newer_version(journal: Path) -> None:
    header = {"format": "fakeqpu-state", "version": 99, "fakeqpu": "9.0", "options": {}}
    from fakeqpu.state.journal import encode

    journal.write_bytes(encode(header))


def _not_a_journal(journal: Path) -> None:
    journal.write_text("hello\n")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_corrupt_middle, "line 2 of journal.jsonl is damaged"),
        (_newer_version, "format version 99, written by a newer fakeqpu"),
        (_not_a_journal, "no readable header"),
    ],
)
def test_a_damaged_or_newer_state_dir_is_a_clear_error(tmp_path, capsys, damage, message):
    with _serve(tmp_path, seed=1) as server:
        rest = _rest(server)
        rest.submit()
        rest.submit()
    damage(tmp_path / FILE)
    assert main(["serve", "--state-dir", str(tmp_path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fakeqpu serve: state dir") and message in err
    assert "Traceback" not in err


def test_the_journal_is_appended_not_rewritten(tmp_path):
    """Each change appends one line: the cost of a request does not grow with the jobs served."""
    with _serve(tmp_path, seed=1, auto_tick=0) as server:
        rest = _rest(server)
        sizes = []
        for _ in range(3):
            rest.submit()
            sizes.append((tmp_path / FILE).stat().st_size)
        rest.call("GET", "/jobs")  # a read at the same instant writes nothing
        assert (tmp_path / FILE).stat().st_size == sizes[-1]
    steps = [b - a for a, b in itertools.pairwise(sizes)]
    assert steps[0] == steps[1] > len(json.dumps(job_body()))  # one record: the request, whole


def test_a_stopped_fake_refuses_changes_it_cannot_keep_and_start_reopens_the_account(tmp_path):
    server = _serve(tmp_path, seed=3, start=START)
    rest = _rest(server)
    job = rest.submit()
    server.stop()
    server.clock.advance(seconds=5)  # the clock of a stopped fake: moved, not kept
    with pytest.raises(StateDirError, match="closed"):
        server.add_background_load("ibm_torino", jobs=1)
    server.start()  # a restart in place: the state dir replayed
    rest = rest.moved(server.url, server.control_token)
    try:
        assert server.now() == START.replace(second=1)  # the submission's tick; not the 5 s after stop
        assert rest.job_ids() == [job]
    finally:
        server.stop()


def test_a_private_jobs_result_read_before_a_restart_stays_deleted(tmp_path):
    with _serve(tmp_path, seed=5, start=START) as server:
        rest = _rest(server)
        job = rest.call("POST", "/jobs", json={**job_body(), "private": True}).json()["id"]
        assert rest.wait(job) == "Completed"
        assert rest.call("GET", f"/jobs/{job}/results").status_code == 200  # IBM serves it once
        gone = rest.call("GET", f"/jobs/{job}/results")
        before = rest.state()
    with _serve(tmp_path) as again:
        rest = rest.moved(again.url, again.control_token)
        assert rest.state() == before
        after = rest.call("GET", f"/jobs/{job}/results")
        assert (after.status_code, after.content) == (gone.status_code, gone.content)


def test_a_request_answered_by_an_injected_fault_is_not_replayed(tmp_path):
    with _serve(tmp_path, seed=5, start=START) as server:
        rest = _rest(server)
        fault = {"status": 503, "method": "POST", "path": "/jobs"}
        assert rest.control("POST", "/http_fault", json=fault).status_code == 200
        assert rest.call("POST", "/jobs", json=job_body()).status_code == 503  # never reached the model
        kept = rest.submit()
        before = rest.state()
    with _serve(tmp_path) as again:
        rest = rest.moved(again.url, again.control_token)
        assert rest.state() == before and rest.job_ids() == [kept]


def test_refused_submissions_leave_the_replay_exact(tmp_path):
    """A 400 changes nothing, except a `fail_jobs(at="submit")` fault it uses up: that one is replayed."""
    with _serve(tmp_path, seed=5, start=START) as server:
        rest = _rest(server)
        assert rest.call("POST", "/jobs", json={**job_body(), "backend": "ibm_nowhere"}).status_code == 404
        assert rest.control("POST", "/fail_jobs", json={"code": 1517, "at": "submit"}).status_code == 200
        assert rest.call("POST", "/jobs", json=job_body()).status_code == 400  # the fault, used up
        kept = rest.submit()
        before = rest.state()
    with _serve(tmp_path) as again:
        rest = rest.moved(again.url, again.control_token)
        assert rest.state() == before and rest.job_ids() == [kept]
        assert again.faults() == []


def test_concurrent_clients_are_recorded_in_the_order_they_were_applied(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with _serve(tmp_path, seed=12, start=START) as server:
        rest = _rest(server)
        session = rest.call("POST", "/sessions", json={"mode": "batch", "backend": "ibm_torino"}).json()["id"]

        def client(index: int) -> list[str]:  # each thread its own connection, as separate processes
            return [rest.submit(session if index % 2 else None, shots=10 + index) for _ in range(4)]

        with ThreadPoolExecutor(4) as pool:
            submitted = [job for jobs in pool.map(client, range(4)) for job in jobs]
        rest.control("POST", "/clock/advance", json={"seconds": 120})
        before = rest.state()
    with _serve(tmp_path) as again:
        rest = rest.moved(again.url, again.control_token)
        assert rest.state() == before  # the same ids, queue order, timestamps and timeline
        assert sorted(rest.job_ids()) == sorted(submitted)


def test_a_write_the_disk_refuses_fails_closed_until_a_restart(tmp_path, monkeypatch):
    with _serve(tmp_path, seed=3, start=START) as server:
        rest = _rest(server)
        kept = rest.submit()
        account = server.runtime.account
        assert account is not None

        def disk_full(record: object, *, durable: bool) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(account.journal, "append", disk_full)
        refused = rest.call("POST", "/jobs", json=job_body())
        assert refused.status_code == 500 and "could not write its state dir" in refused.text  # not kept
        monkeypatch.undo()
        assert rest.call("GET", "/jobs").status_code == 500  # nothing more until a restart
        with pytest.raises(StateDirError, match="No space left"):
            server.add_background_load("ibm_torino")
    with _serve(tmp_path) as again:
        rest = rest.moved(again.url, again.control_token)
        assert rest.job_ids() == [kept]  # as it was at its last answered change
        rest.submit()  # and working again
