"""The layering rule of docs/architecture.md, checked: imports inside fakeqpu go down only."""

from __future__ import annotations

import ast
from pathlib import Path

import fakeqpu

PACKAGE = Path(fakeqpu.__file__).parent

# Highest layer first. A module belongs to the longest prefix listed; same layer may import same layer.
# Every folder of the package is listed (test_every_folder_has_its_layer).
LAYERS = {
    "fakeqpu": 6,  # public API: mock, serving, controls, pytest plugin, cli, demo
    "fakeqpu.testing": 6,  # aids for downstream suites: the reference model, Hypothesis strategies
    "fakeqpu.real": 5,  # real mode: the fixtures backed by IBM, its traffic hold, cost guard, report
    "fakeqpu.options": 5,  # the one set of options, read by the fake and by real mode
    "fakeqpu.transports": 4,  # the front doors: in-process interception, the server, the guard
    "fakeqpu.api": 3,
    "fakeqpu.service": 2,
    "fakeqpu.execution": 1,
    "fakeqpu.clock": 0,
    "fakeqpu.backend_data": 0,
    "fakeqpu.memo": 0,  # bounded caches for what repeated jobs would recompute
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
    assert not any(m.startswith(("fakeqpu.api", "fakeqpu.transports")) for m in service)
    assert not any(m.startswith(("fakeqpu.service", "fakeqpu.clock")) for m in execution)


def test_every_folder_has_its_layer():
    folders = {module_name(p) for p in PACKAGE.glob("*/__init__.py")}
    assert folders - set(LAYERS) == set()


def imports_of(folder: str) -> set[str]:
    return {m for p in (PACKAGE / folder).rglob("*.py") for m in imported_modules(p)}


def test_real_mode_and_the_reference_model_know_nothing_of_the_fake():
    fake = ("fakeqpu.api", "fakeqpu.service", "fakeqpu.execution", "fakeqpu.mock", "fakeqpu.serving")
    assert not any(m.startswith(fake) for m in imports_of("real"))  # a real run talks to IBM only
    assert not any(m.startswith(fake) for m in imports_of("testing"))  # from the rules, not the engine


def test_above_execution_only_its_facade_is_imported():  # programs and simulation stay inside
    outside = [
        f"{module_name(p)} imports {m}"
        for p in PACKAGE.rglob("*.py")
        if not module_name(p).startswith("fakeqpu.execution")
        for m in imported_modules(p)
        if m.startswith("fakeqpu.execution.")
    ]
    assert outside == []
