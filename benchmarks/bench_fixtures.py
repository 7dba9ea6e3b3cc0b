"""Fixture cost: the setup time pytest reports for a test that uses `fake_session`.

Runs pytest in this process on 40 generated tests and reads the setup phase of each. Baseline in
the same run: the setup time of tests that use pytest's own `tmp_path` fixture.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _common  # noqa: F401  (warnings filter)
import pytest

TESTS = textwrap.dedent(
    """
    import pytest

    @pytest.mark.parametrize("n", range(40))
    def test_session(fake_session, n):
        assert fake_session.session_id

    @pytest.mark.parametrize("n", range(40))
    def test_tmp_path(tmp_path, n):
        assert tmp_path.exists()
    """
)


class SetupTimes:
    def __init__(self) -> None:
        self.by_test: dict[str, list[float]] = {"test_session": [], "test_tmp_path": []}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup":
            name = report.nodeid.split("::")[-1].split("[")[0]
            self.by_test[name].append(report.duration)


def main() -> None:
    times = SetupTimes()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "test_fixture_cost.py"
        path.write_text(TESTS)
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(path)], plugins=[times])
    assert code == 0, code
    session = times.by_test["test_session"]
    baseline = times.by_test["test_tmp_path"]
    first, warm = session[0], statistics.median(session[1:])
    base = statistics.median(baseline[1:])
    print("fixture setup, as pytest reports it (40 tests each)")
    print(f"  fake_session, first test (builds client objects): {first * 1000:7.1f} ms")
    print(f"  fake_session, median of the others:               {warm * 1000:7.1f} ms")
    print(f"  tmp_path (baseline), median:                      {base * 1000:7.1f} ms")
    print(f"  ratio fake_session / tmp_path:                    {warm / base:7.1f}x")
    if warm > 0.030:
        print("  NOTE: above the 30 ms budget of the issue")


if __name__ == "__main__":
    main()
