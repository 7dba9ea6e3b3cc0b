"""The layering rule of docs/architecture.md, checked: imports inside fakeqpu go down only."""

from __future__ import annotations

import ast
from pathlib import Path

import fakeqpu

PACKAGE = Path(fakeqpu.__file__).parent

# Highest layer first. A module belongs to the longest prefix listed; same layer may import same layer.
LAYERS = {
    "fakeqpu": 5,  # public API, pytest plugin, guard, options, cli, testing aids
    "fakeqpu.transports.inprocess": 4,
    "fakeqpu.transports.server": 4,  # server mode's front door, the other transport
    "fakeqpu.api": 3,
    "fakeqpu.service": 2,
    "fakeqpu.execution": 1,
    "fakeqpu.clock": 0,
    "fakeqpu.backend_data": 0,
}


def layer(module: str) -> int:
    prefixes = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(prefixes, key=len)]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every fakeqpu module that `path` imports, at any depth (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from fakeqpu import execution` imports fakeqpu.execution
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if _exists(submodule) else node.module)
    return {name for name in found if name.split(".")[0] == "fakeqpu" and _exists(name)}


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative / "__init__.py").exists()


def test_imports_go_down_only():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for imported in imported_modules(path):
            if layer(imported) > layer(importer):
                upward.append(f"{importer} (layer {layer(importer)}) imports {imported} ({layer(imported)})")
    assert upward == []


def test_the_domain_knows_no_http_and_execution_knows_no_sessions():
    service = {m for p in (PACKAGE / "service").rglob("*.py") for m in imported_modules(p)}
    execution = {m for p in (PACKAGE / "execution").rglob("*.py") for m in imported_modules(p)}
    assert not any(m.startswith(("fakeqpu.api", "fakeqpu.transports.inprocess")) for m in service)
    assert not any(m.startswith(("fakeqpu.service", "fakeqpu.clock")) for m in execution)
