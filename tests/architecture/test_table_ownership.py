"""Each app writes only its own tables: no app's SQL writes another app's table.

An app that needs another app's rows changed asks that app's service (set-based
SQL stays set-based: the service takes ids or a staging table's name). This test
reads every string literal of each app's Python modules (docstrings aside) and
its `.sql` files, finds the tables written by INSERT / UPDATE / DELETE / COPY /
TRUNCATE, and fails if one belongs to another app. Table names and their app
come from the models (`_meta.db_table`, `app_label`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Only our apps write tables; the project package and the demo generator own none.
ROOT = Path(settings.BASE_DIR)
NO_TABLES = ("tiers_payant", "synthetic", "audit", "core")

_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?)"
    r"\s+((?:\"?\w+\"?\s*,\s*)*\"?\w+\"?)",
    re.IGNORECASE,
)


def table_owners() -> dict[str, str]:
    return {
        model._meta.db_table.lower(): model._meta.app_label
        for model in apps.get_models(include_auto_created=True)
    }


def our_apps() -> dict[str, Path]:
    """label → folder of the apps in this repository, plus the packages that own no table."""
    folders = {
        config.label: Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    }
    for package in NO_TABLES:
        folders.setdefault(package, ROOT / package)
    return folders


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _joined(node: ast.JoinedStr) -> str:
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def sql_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal of a module; an f-string's holes become `{}`."""
    if path.suffix == ".sql":
        return [(1, path.read_text())]
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    inner = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inner.update(id(part) for part in node.values)
            found.append((node.lineno, _joined(node)))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in skip and id(node) not in inner):
            found.append((node.lineno, node.value))
    return found


def written_tables(text: str) -> set[str]:
    tables = set()
    for match in _WRITE.finditer(text):
        tables.update(name.strip().strip('"').lower() for name in match.group(1).split(","))
    return tables


def foreign_writes() -> list[str]:
    owners = table_owners()
    problems = []
    for label, folder in sorted(our_apps().items()):
        for path in sorted([*folder.rglob("*.py"), *folder.rglob("*.sql")]):
            for line, text in sql_strings(path):
                for table in sorted(written_tables(text)):
                    owner = owners.get(table)
                    if owner is not None and owner != label:
                        problems.append(
                            f"{path.relative_to(ROOT)}:{line}: {label} writes {table} ({owner}'s)"
                        )
    return problems


# The ORM's writes, found by their shape: `<Model>.objects….update/create/…(…)` on a model
# imported from another app's models.
_ORM_WRITES = {"update", "create", "bulk_create", "bulk_update", "delete", "get_or_create",
               "update_or_create"}
# The demo's set-up creates the demo tenants (pharmacies, logins, staff): demo tooling.
ORM_ALLOWED = {"backoffice/demo.py"}


def foreign_orm_writes() -> list[str]:
    problems, ours = [], our_apps()
    for label, folder in sorted(ours.items()):
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts or str(path.relative_to(ROOT)) in ORM_ALLOWED:
                continue
            tree = ast.parse(path.read_text())
            foreign = {
                alias.asname or alias.name: node.module.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
                and node.module.endswith(".models") and node.module.split(".")[0] in ours
                and node.module.split(".")[0] != label
                for alias in node.names
            }
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in _ORM_WRITES):
                    continue
                chain, root = [], node.func.value
                while isinstance(root, (ast.Attribute, ast.Call)):
                    if isinstance(root, ast.Attribute):
                        chain.append(root.attr)
                    root = root.value if isinstance(root, ast.Attribute) else root.func
                if isinstance(root, ast.Name) and root.id in foreign and "objects" in chain:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {label} writes "
                                    f"{root.id} ({foreign[root.id]}'s) through the ORM")
    return problems


def test_no_app_writes_another_apps_tables():
    assert foreign_writes() == []


def test_no_app_writes_another_apps_models_through_the_orm():
    assert foreign_orm_writes() == []


def test_the_check_sees_a_write_into_another_apps_table():
    """The search itself: every write verb, a TRUNCATE of a list, an f-string, not a read."""
    assert written_tables("INSERT INTO rejections_rejection (id) SELECT 1") == {"rejections_rejection"}
    assert written_tables("update payments_paymentslip p set total = 0") == {"payments_paymentslip"}
    assert written_tables("DELETE FROM claims_claim WHERE id = 1") == {"claims_claim"}
    assert written_tables("COPY claims_returnline (id) FROM STDIN") == {"claims_returnline"}
    assert written_tables("TRUNCATE claims_claim, payments_bankline CASCADE") == {
        "claims_claim", "payments_bankline",
    }
    assert written_tables("SELECT * FROM rejections_rejection JOIN claims_claim c ON true") == set()
    module = ast.parse('f"""WITH x AS (UPDATE rejections_rejection r SET a = {value}) SELECT 1"""')
    joined = next(node for node in ast.walk(module) if isinstance(node, ast.JoinedStr))
    assert written_tables(_joined(joined)) == {"rejections_rejection"}
    owners = table_owners()
    assert owners["rejections_rejection"] == "rejections"
    assert owners["payments_paymentslip"] == "payments"
    assert {"claims", "rejections", "payments", "tiers_payant"} <= set(our_apps())
