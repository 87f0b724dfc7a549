"""What the apps above claims write when a file is imported, in the import's transaction.

Claims may not import those apps (they sit above it, docs/architecture.md): each
registers here, when Django starts (its `AppConfig.ready`), the importer of its own
file kind and its writes that follow a claims or returns import. The import calls
them with its cursor, so they commit or roll back with it, set-based as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from claims.imports.result import ImportResult

Importer = Callable[..., ImportResult]

# ImportBatch.Kind → importer(cursor=, pharmacy=, batch_id=, source=); claims' own
# kinds are registered by claims, the bank statements' by payments.
IMPORTERS: dict[str, Importer] = {}

# After a claims file's upsert: writer(cursor, pharmacy_id=, import_batch_id=).
CLAIMS_WRITTEN: list[Callable[..., int]] = []


@dataclass(frozen=True)
class SlipsWriter:
    """The payment slips (bordereaux) of a returns file: the owner of the slips writes them.

    - `create(cursor, pharmacy_id=, batch_id=, staging=)`: one slip per (organism,
      reference) of the staging table, before the return lines point at them; returns
      how many were created;
    - `totals(cursor, pharmacy_id=, staging=)`: the totals and line counts of the slips
      the file touched, from their lines, after the lines are written; returns how many
      changed.
    """

    create: Callable[..., int]
    totals: Callable[..., int]


_slips: list[SlipsWriter] = []


def importer_register(*, kind: str, importer: Importer) -> None:
    IMPORTERS[kind] = importer


def claims_written_register(writer: Callable[..., int]) -> None:
    if writer not in CLAIMS_WRITTEN:
        CLAIMS_WRITTEN.append(writer)


def slips_writer_register(writer: SlipsWriter) -> None:
    _slips[:] = [writer]


def slips_writer() -> SlipsWriter:
    """The registered slips writer (payments'); a returns file cannot be imported without it."""
    if not _slips:
        raise LookupError("No app registered the payment slips' writer (payments.apps).")
    return _slips[0]
