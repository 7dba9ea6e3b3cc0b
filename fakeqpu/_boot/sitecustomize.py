"""`fakeqpu run`'s bootstrap, imported by Python at start-up in every process of the command.

`fakeqpu run` puts this folder first on PYTHONPATH and sets FAKEQPU_RUN=1 (the same mechanism as
coverage's COVERAGE_PROCESS_START). Without FAKEQPU_RUN it does nothing but run the sitecustomize it
shadows. With it, it only registers an import hook, from the standard library alone: fakeqpu itself
is imported when the process first imports `requests`, `httpx` or `qiskit_ibm_runtime`, so a Python
process that never talks to IBM pays microseconds. A Python where fakeqpu is not importable warns once
and goes on: its client still finds the fake through the environment's URLs.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds to import, at every start of every Python process
    from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
_TRIGGERS = frozenset({"requests", "httpx", "qiskit_ibm_runtime"})
_warned: list[bool] = []


class _OnImport:
    """A meta path finder that calls `fakeqpu.child.imported(name)` once a trigger module is loaded."""

    def __init__(self) -> None:
        self.pending = set(_TRIGGERS)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        self.pending.discard(name)
        if not self.pending:
            sys.meta_path.remove(self)
        spec.loader = _Loader(loader, name)  # type: ignore[assignment]
        return spec


class _Loader:
    def __init__(self, loader: Any, name: str) -> None:
        self.loader, self.name = loader, name

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        spec = module.__spec__
        spec.loader = module.__loader__ = self.loader  # the module keeps its own loader (resources)
        self.loader.exec_module(module)
        _started(self.name)


def _started(name: str) -> None:
    try:
        from fakeqpu.child import imported

        imported(name)
    except Exception as error:  # another Python, another fakeqpu: the environment still leads to the fake
        if not _warned:
            _warned.append(True)
            print(
                f"fakeqpu run: fakeqpu is not usable in {sys.executable} ({error!r}); this process "
                "reaches the fake only through the environment's URLs, on real time",
                file=sys.stderr,
            )


def _chain() -> None:
    """Run the sitecustomize this one shadows (a distribution's or a virtualenv's), if any."""
    from importlib.machinery import PathFinder

    rest = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    from importlib.util import module_from_spec

    module = module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


if os.environ.get("FAKEQPU_RUN"):
    already = _TRIGGERS & sys.modules.keys()
    finder = _OnImport()
    finder.pending -= already
    if finder.pending:
        sys.meta_path.insert(0, finder)
    for _name in sorted(already):
        _started(_name)
_chain()
