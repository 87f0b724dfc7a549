"""core/ is Django-free and the parsers import only core (until the import contract checks it too)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def outside(modules: set[str], allowed: tuple[str, ...]) -> set[str]:
    return {
        m for m in modules
        if m.split(".")[0] not in STDLIB and not any(m == a or m.startswith(a + ".") for a in allowed)
    }


@pytest.mark.parametrize("path", sorted((ROOT / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_the_standard_library(path):
    assert outside(imported_modules(path), ("core",)) == set()


PARSERS = sorted((ROOT / "claims" / "parsers").glob("*.py")) + sorted(
    (ROOT / "payments" / "parsers").glob("*.py")
)


@pytest.mark.parametrize("path", PARSERS, ids=lambda p: f"{p.parent.parent.name}.{p.stem}")
def test_parsers_import_only_core(path):
    allowed = ("core", "stdnum", "lxml", f"{path.parent.parent.name}.parsers")
    if path.parent.parent.name == "payments" and path.stem == "detect":
        allowed += ("claims.parsers",)  # the dispatcher of every upload, claims being below payments
    assert outside(imported_modules(path), allowed) == set()
