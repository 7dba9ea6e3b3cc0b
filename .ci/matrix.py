"""The client-version matrix: every supported qiskit-ibm-runtime release against fakeqpu's wheel.

Run by `make matrix` (and so by `.ci/run`). For each version of MATRIX it keeps one environment in
`.matrix/<version>` built by uv from the wheel of this checkout, and rebuilds it only when
pyproject.toml, downstream/pyproject.toml or this file change. In each one it runs the client-facing
tests of the project, the acceptance suite when `../shared/acceptance` exists, and the downstream
project (downstream/: a separate project that installs fakeqpu from the wheel). The newest version
runs the whole project suite in `.venv` (`make test`), so its row here is the downstream project only.

Prints one table line per version (passed / skipped / failed, seconds) and the total wall time; exits
non-zero when any run fails. Only the standard library: it runs with any Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ("0.40.1", "0.43.1", "0.45.1", "0.48.0", "0.50.0", "0.51.0")
NEWEST = MATRIX[-1]
# The tests a client version can change the outcome of: what the client sends, parses and refuses.
CLIENT_FACING = ("tests/client", "tests/contract", "tests/transport", "docs/examples")
# Old releases' metadata needs an sdist of ibm-platform-services built, whose setup.py imports
# pkg_resources (gone from setuptools 81).
BUILD_CONSTRAINTS = "setuptools<81\n"
WORKERS = os.environ.get("WORKERS", "2")
SUMMARY = re.compile(r"(\d+) (passed|skipped|failed|errors?|deselected|xfailed|xpassed)")


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload]


def uv() -> str:
    found = Path(sys.executable).parent / "uv"
    return str(found) if found.exists() else "uv"


def build_wheel() -> Path:
    dist = ROOT / ".matrix" / "dist"
    for old in dist.glob("*.whl"):
        old.unlink()
    run([uv(), "build", "--wheel", "--quiet", "--out-dir", str(dist), str(ROOT)])
    return next(dist.glob("fakeqpu-*.whl"))


def env_key(version: str) -> str:
    digest = hashlib.sha256(version.encode())
    for name in ("pyproject.toml", "downstream/pyproject.toml", ".ci/matrix.py"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def environment(version: str, wheel: Path) -> Path:
    """`.matrix/<version>` with this wheel: built once, dependencies kept while the key holds."""
    home = ROOT / ".matrix" / version
    python = home / "bin" / "python"
    stamp = home / ".fakeqpu-key"
    constraints = ROOT / ".matrix" / "build-constraints.txt"
    constraints.write_text(BUILD_CONSTRAINTS)
    base = [
        uv(),
        "pip",
        "install",
        "--quiet",
        "--python",
        str(python),
        "--build-constraint",
        str(constraints),
    ]
    wanted = [
        f"fakeqpu[test] @ {wheel.as_uri()}",
        f"qiskit-ibm-runtime=={version}",
        f"quantum-app[test] @ {(ROOT / 'downstream').as_uri()}",
    ]
    if not (python.exists() and stamp.exists() and stamp.read_text() == env_key(version)):
        run([uv(), "venv", "--quiet", "--clear", "--python", sys.executable, str(home)])
        run([*base, *wanted])
        stamp.write_text(env_key(version))
    else:  # same dependencies: only this checkout's code is new
        run(
            [
                *base,
                "--no-deps",
                "--reinstall-package",
                "fakeqpu",
                "--reinstall-package",
                "quantum-app",
                *wanted,
            ]
        )
    return python


def pytest(python: Path, paths: list[str], cwd: Path, log: Path) -> tuple[dict[str, int], int]:
    cmd = [str(python), "-m", "pytest", "-q", "-n", WORKERS, "-p", "no:cacheprovider", *paths]
    print("+", " ".join(cmd), f"(in {cwd.relative_to(ROOT.parent)}, log {log.relative_to(ROOT)})", flush=True)
    with log.open("w") as out:
        code = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    text = log.read_text()
    tail = text.strip().splitlines()[-1] if text.strip() else ""
    counts: dict[str, int] = {}
    for number, word in SUMMARY.findall(tail):
        counts[word.rstrip("s") if word.startswith("error") else word] = int(number)
    if code != 0:
        print(text[-6000:], flush=True)
    return counts, code


def main() -> int:
    versions = sys.argv[1:] or list(MATRIX)
    acceptance = ROOT.parent / "shared" / "acceptance"
    started = time.monotonic()
    wheel = build_wheel()
    rows: list[tuple[str, dict[str, int], float, int]] = []
    for version in versions:
        began = time.monotonic()
        python = environment(version, wheel)
        logs = ROOT / ".matrix" / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        total: dict[str, int] = {}
        worst = 0
        runs: list[tuple[list[str], Path, str]] = []
        if version != NEWEST:
            paths = ["-c", "pyproject.toml", "--rootdir=.", *CLIENT_FACING]
            if acceptance.is_dir():
                paths.append(str(acceptance))
            runs.append((paths, ROOT, "project"))
        runs.append((["tests"], ROOT / "downstream", "downstream"))
        for paths, cwd, name in runs:
            counts, code = pytest(python, paths, cwd, logs / f"{version}-{name}.log")
            for word, number in counts.items():
                total[word] = total.get(word, 0) + number
            worst = worst or code
        rows.append((version, total, time.monotonic() - began, worst))
    if not acceptance.is_dir():
        print(f"matrix: {acceptance} does not exist here: the acceptance suite was not run", flush=True)
    print("\n| qiskit-ibm-runtime | passed | skipped | failed | seconds |")
    print("|---|---|---|---|---|")
    for version, total, seconds, _ in rows:
        failed = total.get("failed", 0) + total.get("error", 0)
        print(
            f"| {version} | {total.get('passed', 0)} | {total.get('skipped', 0)} | {failed} | {seconds:.0f} |"
        )
    print(f"\nmatrix wall time: {time.monotonic() - started:.0f} s", flush=True)
    return 1 if any(code for *_, code in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
