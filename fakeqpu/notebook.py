"""`%load_ext fakeqpu`: a fake IBM Quantum Platform for a Jupyter kernel (or any IPython shell).

Loading starts an in-process fake, as `mock_runtime()` does: an unmodified `QiskitRuntimeService()`
finds it, requests to IBM's hosts are answered by it, and `time.sleep` and the client's polls run on
its virtual clock. `%unload_ext fakeqpu` stops it and restores the kernel's environment and time.

    %fakeqpu                       now, jobs, sessions and QPU time so far
    %fakeqpu now                   the clock's instant
    %fakeqpu advance 8h            move the clock: 90s, 30m, 8h, 2d, 1h30m, or seconds
    %fakeqpu timeline              the timeline as an inline SVG Gantt chart (`timeline text`: as text)
    %fakeqpu reset seed=7 ...      a fresh fake with these options (those of `fakeqpu serve`)
    %fakeqpu runtime               the `FakeRuntime` itself, for its whole toolkit
    %fakeqpu help                  this list
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fakeqpu.mock import FakeRuntime
from fakeqpu.options import RuntimeOptions
from fakeqpu.run import usage

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SPAN = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([smhd])")
_RUNNING: dict[int, FakeRuntime] = {}  # id(shell) → the shell's fake
USAGE = __doc__.split("\n\n", 2)[2] if __doc__ else ""


def duration(text: str) -> timedelta:
    """`8h`, `1h30m`, `90s`, `2d`, `0.5h` or a number of seconds."""
    text = text.strip().lower()
    try:
        return timedelta(seconds=float(text))
    except ValueError:
        pass
    parts = _SPAN.findall(text)
    if not parts or _SPAN.sub("", text).strip():
        raise ValueError(f"not a duration: {text!r} (try 90s, 30m, 8h, 2d or 1h30m)")
    return timedelta(seconds=sum(float(number) * _UNITS[unit] for number, unit in parts))


def options(words: list[str]) -> RuntimeOptions:
    """`name=value` words as runtime options, read as `fakeqpu serve` reads its flags."""
    from fakeqpu.cli import RUNTIME_FLAGS

    given: dict[str, Any] = {}
    for word in words:
        name, equals, raw = word.partition("=")
        name = name.strip().replace("-", "_")
        if not equals or name not in RUNTIME_FLAGS:
            raise ValueError(f"not an option: {word!r} (name=value; the names: {', '.join(RUNTIME_FLAGS)})")
        given[name] = RUNTIME_FLAGS[name][0](raw)
    return RuntimeOptions.from_kwargs(given)


def runtime(shell: Any) -> FakeRuntime:
    """The fake that `%load_ext fakeqpu` started in this shell."""
    found = _RUNNING.get(id(shell))
    if found is None:
        raise RuntimeError("no fake in this kernel: run `%load_ext fakeqpu` first")
    return found


def load_ipython_extension(shell: Any) -> None:
    if id(shell) not in _RUNNING:
        _RUNNING[id(shell)] = FakeRuntime(RuntimeOptions.from_kwargs({})).start()

    def fakeqpu(line: str) -> Any:
        return magic(shell, line)

    fakeqpu.__doc__ = USAGE
    shell.register_magic_function(fakeqpu, magic_kind="line", magic_name="fakeqpu")


def unload_ipython_extension(shell: Any) -> None:
    fake = _RUNNING.pop(id(shell), None)
    if fake is not None:
        fake.stop()
    shell.magics_manager.magics["line"].pop("fakeqpu", None)


def magic(shell: Any, line: str) -> Any:
    """What `%fakeqpu LINE` does in `shell`; its value is what the cell shows."""
    words = line.split()
    command, rest = (words[0], words[1:]) if words else ("status", [])
    if command == "help":
        print(USAGE)
        return None
    fake = runtime(shell)
    if command == "now":
        return fake.clock.now()
    if command == "advance":
        return fake.clock.advance(duration(" ".join(rest)))
    if command == "timeline":
        timeline = fake.timeline()
        if rest[:1] == ["text"]:
            print(timeline.render())
            return None
        from IPython.display import SVG

        return SVG(data=timeline.to_svg())  # type: ignore[no-untyped-call]
    if command == "reset":
        fresh = FakeRuntime(options(rest))
        fake.stop()
        _RUNNING[id(shell)] = fresh.start()
        return None
    if command == "runtime":
        return fake
    if command == "status":
        print(f"fakeqpu: {fake.clock.now():%Y-%m-%d %H:%M:%S} UTC; {usage(fake)}")
        return None
    raise ValueError(f"%fakeqpu {command}: unknown ({USAGE.strip()})")
