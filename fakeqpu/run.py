"""`fakeqpu run -- COMMAND ...`: one fake server for a command and every process it starts.

Like `coverage run` and moto's server mode: the fake is served on a free loopback port (serving.py),
the command runs with the environment of a client process plus two variables that reach every
Python process it starts, however deep:

- PYTHONPATH gets `_boot/` in front, whose `sitecustomize` runs at each Python start-up (and then the
  sitecustomize it shadows). It acts only when FAKEQPU_RUN is set, and loads `fakeqpu.child` only once
  the process imports `requests`, `httpx` or `qiskit_ibm_runtime`: that process then sends requests
  to IBM's hosts to the fake and runs on the fake's one clock (see child.py).
- Anything else (curl, a shell, a Python without fakeqpu) sees the client environment
  (`QISKIT_IBM_URL`, `IAM_URL`, ..., `FAKEQPU_URL`, `FAKEQPU_CONTROL_TOKEN`), as with `fakeqpu serve`.

The command's exit status is the run's; a summary line goes to stderr, the timeline to `--timeline`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType

from fakeqpu.controls import Controls
from fakeqpu.mock import _CLEARED_ENV
from fakeqpu.serving import FakeServer

BOOT_DIR = Path(__file__).parent / "_boot"
RUN_FLAG = "FAKEQPU_RUN"


def child_env(server: FakeServer, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the command: `base` (os.environ), the server's client variables, the boot."""
    env = dict(os.environ if base is None else base)
    for name in _CLEARED_ENV:  # the user's own account settings would send the client elsewhere
        env.pop(name, None)
    env.update(server.env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BOOT_DIR), env.get("PYTHONPATH", "")]))
    env[RUN_FLAG] = "1"
    return env


def run_command(server: FakeServer, command: Sequence[str], timeline: str | None = None) -> int:
    """Run `command` against the started `server`; its exit status (128+N when signal N ended it)."""
    started, wall = server.now(), time.monotonic()
    try:
        child = subprocess.Popen(list(command), env=child_env(server))
    except FileNotFoundError:
        print(f"fakeqpu run: {command[0]}: command not found", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"fakeqpu run: {command[0]}: permission denied", file=sys.stderr)
        return 126

    def forward(signum: int, frame: FrameType | None) -> None:
        child.send_signal(signum)  # SIGTERM to the run reaches the command; Ctrl-C reaches both anyway

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            try:
                status = child.wait()
                break
            except KeyboardInterrupt:  # the command got the same SIGINT: wait for it to finish
                continue
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    code = 128 - status if status < 0 else status
    print(summary(server, started, time.monotonic() - wall, code), file=sys.stderr, flush=True)
    if timeline:
        server.timeline().save(timeline)
    return code


def summary(server: FakeServer, started: datetime, wall_seconds: float, code: int) -> str:
    """`fakeqpu run: 12 jobs, 1 session, 9.0 s QPU time; virtual time +0:03:12 in 2.4 s; exit 0`."""
    elapsed = (server.now() - started).total_seconds()
    span = _span(elapsed)
    return f"fakeqpu run: {usage(server)}; virtual time +{span} in {wall_seconds:.1f} s; exit {code}"


def usage(fake: Controls) -> str:
    """`3 jobs, 1 session, 9.0 s QPU time` so far."""
    jobs, sessions = len(fake.jobs()), len(fake.sessions())
    return (
        f"{jobs} job{'s' * (jobs != 1)}, {sessions} session{'s' * (sessions != 1)}, "
        f"{fake.qpu_seconds():.1f} s QPU time"
    )


def _span(seconds: float) -> str:
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    text = f"{hours}:{rest // 60:02}:{rest % 60:02}"
    return f"{days}d {text}" if days else text
