"""The life of an import batch: create → analyse (preview) → commit, or cancel.

Both `import_batch_analyse` and `import_batch_commit` run the whole import in
one transaction: the preview rolls it back (so its counts are exactly what the
commit will do), the commit keeps it unless the file had any problem. A file
with a bad row imports nothing (docs/decisions.md, "Imports").
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from audit.context import audit_job
from claims.expected_files import expected_file_alerts_close
from claims.imports.claims_sql import claims_import
from claims.imports.followers import IMPORTERS, importer_register
from claims.imports.formats import detect_kind
from claims.imports.progress import BatchProgress, open_with_progress
from claims.imports.result import ImportResult
from claims.imports.returns_sql import returns_import
from claims.imports.storage import file_fingerprint, import_file_discard, import_file_path
from claims.models import ImportBatch
from core.problems import MAX_IMPORT_BYTES, ImportFileError, Problem, check_size
from pharmacies.models import ApiToken, Pharmacy, User

# Claims' own kinds; bank statements are payments' (registered by payments.apps).
importer_register(kind=ImportBatch.Kind.CLAIMS, importer=claims_import)
importer_register(kind=ImportBatch.Kind.RETURNS, importer=returns_import)
logger = logging.getLogger(__name__)
OPEN_STATUSES = (ImportBatch.Status.PENDING, ImportBatch.Status.PREVIEW)
# `counts["accounts_confirmed"]` of a batch a script commits: every new bank account.
ALL_ACCOUNTS = "*"


class ImportRefused(Exception):
    """The file is refused before any parsing (already imported, too large, unknown format)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class ImportAlreadyDone(ImportRefused):
    """The very same file was imported before (`earlier`): refused, but nothing is wrong."""

    def __init__(self, earlier: ImportBatch):
        self.earlier = earlier
        super().__init__(earlier_import_message(earlier))


def import_max_bytes() -> int:
    """Size limit of an imported file (settings.IMPORT_MAX_BYTES, else the parsers' limit)."""
    return getattr(settings, "IMPORT_MAX_BYTES", MAX_IMPORT_BYTES)


def import_size_check(*, size: int, max_bytes: int | None = None) -> None:
    """Refuse a file by its size alone, before reading it."""
    try:
        check_size(size, max_bytes=max_bytes or import_max_bytes())
    except ImportFileError as error:
        raise ImportRefused(str(error.problems[0].message)) from None


def earlier_import_message(batch: ImportBatch) -> str:
    when = timezone.localtime(batch.committed_at or batch.created_at)
    user = batch.created_by
    if user:
        who = user.get_full_name() or user.username
    elif batch.api_token_id:
        who = f"le dépôt automatique « {batch.api_token.name} »"
    else:
        who = "un script"
    return (
        f"Ce fichier a déjà été importé le {when:%d/%m/%Y à %H:%M} "
        f"(« {batch.file_name} », par {who}) : il n'est pas importé une seconde fois."
    )


def import_batch_create(
    *,
    pharmacy: Pharmacy,
    path: Path,
    file_name: str,
    sha256: str,
    size: int,
    user: User | None = None,
    max_bytes: int | None = None,
    api_token: ApiToken | None = None,
) -> ImportBatch:
    """Check the file (size, already imported, format) and record it as pending."""
    import_size_check(size=size, max_bytes=max_bytes)
    earlier = import_batch_earlier(pharmacy=pharmacy, sha256=sha256)
    if earlier is not None:
        raise ImportAlreadyDone(earlier)
    with open(path, "rb") as stream:
        try:
            kind, file_format = detect_kind(stream.read(64 * 1024))
        except ImportFileError as error:
            raise ImportRefused("; ".join(p.message for p in error.problems)) from None
    return ImportBatch.objects.create(
        pharmacy=pharmacy,
        kind=kind,
        file_format=file_format,
        file_name=file_name[:255],
        sha256=sha256,
        size_bytes=size,
        created_by=user,
        api_token=api_token,
    )


def import_batch_earlier(*, pharmacy: Pharmacy, sha256: str) -> ImportBatch | None:
    """The committed import of this very file in this pharmacy, if any."""
    return (
        ImportBatch.objects.filter(pharmacy=pharmacy, sha256=sha256, status=ImportBatch.Status.COMMITTED)
        .select_related("created_by", "api_token")
        .first()
    )


def import_batch_analyse(*, batch: ImportBatch, path: Path) -> ImportBatch:
    """Run the import and roll it back: the preview's counts, or the file's problems."""
    if batch.status != ImportBatch.Status.PENDING or batch.counts.get("step") == "commit":
        return batch  # already analysed, or confirmed since (a redelivered task)
    result = _run(batch, path, commit=False)
    status = ImportBatch.Status.PREVIEW if result.ok else ImportBatch.Status.FAILED
    ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
        status=status, progress=100, counts=_counts(result), errors=_errors(result)
    )
    batch.refresh_from_db()
    return batch


def import_batch_confirm(*, batch: ImportBatch, accounts: list[str] | tuple = ()) -> bool:
    """Compare-and-swap preview → pending (commit step); False when someone was first.

    `accounts`: the new bank accounts the person ticked "Créer le compte …" for (only
    those the preview listed count).
    """
    listed = {a["account_id"] for a in batch.counts.get("new_accounts", [])}
    counts = {**batch.counts, "step": "commit",
              "accounts_confirmed": [a for a in accounts if a in listed]}
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        status=ImportBatch.Status.PENDING, progress=0, counts=counts
    )
    return bool(updated)


def import_batch_commit(*, batch: ImportBatch, path: Path) -> ImportBatch:
    """Run the import and keep it, in one transaction; nothing is written if a row is bad."""
    if batch.status not in OPEN_STATUSES:
        return batch
    # In a worker no request says who: the batch's owner does.
    with audit_job("import", pharmacy_id=batch.pharmacy_id, import_batch=batch.pk,
                   user=batch.created_by_id):
        result = _run(batch, path, commit=True)
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.COMMITTED:
        ImportBatch.objects.filter(pk=batch.pk, status__in=OPEN_STATUSES).update(
            status=ImportBatch.Status.FAILED, progress=100, counts=_counts(result), errors=_errors(result)
        )
        batch.refresh_from_db()
    return batch


def import_batch_cancel(*, batch: ImportBatch) -> bool:
    updated = ImportBatch.objects.filter(pk=batch.pk, status__in=OPEN_STATUSES).update(
        status=ImportBatch.Status.CANCELLED
    )
    return bool(updated)


def import_file_run(
    *, pharmacy: Pharmacy, path: Path, commit: bool, user: User | None = None, max_bytes: int | None = None
) -> ImportBatch:
    """A file on disk through the pipeline (scripts, demo, bench): committed in one pass, or previewed."""
    with open(path, "rb") as stream:
        sha256, size = file_fingerprint(stream)
    batch = import_batch_create(
        pharmacy=pharmacy, path=path, file_name=path.name, sha256=sha256, size=size, user=user,
        max_bytes=max_bytes,
    )
    if commit:
        # The operator's own file: its new bank accounts are confirmed (a person's upload
        # confirms each one in the preview).
        ImportBatch.objects.filter(pk=batch.pk).update(
            counts={"step": "commit", "accounts_confirmed": ALL_ACCOUNTS}
        )
        batch.refresh_from_db()
        return import_batch_commit(batch=batch, path=path)
    return import_batch_analyse(batch=batch, path=path)


def import_batch_file(*, batch: ImportBatch) -> Path:
    """Where an uploaded file waits for its analysis and commit."""
    return import_file_path(pharmacy_id=batch.pharmacy_id, sha256=batch.sha256)


def import_file_release(*, pharmacy_id: int, sha256: str) -> None:
    """Remove a stored upload once no open batch of the pharmacy needs it (it holds NIRs)."""
    still_needed = ImportBatch.objects.filter(
        pharmacy_id=pharmacy_id, sha256=sha256, status__in=OPEN_STATUSES
    ).exists()
    if not still_needed:
        import_file_discard(pharmacy_id=pharmacy_id, sha256=sha256)


def import_batch_release(*, batch: ImportBatch) -> None:
    import_file_release(pharmacy_id=batch.pharmacy_id, sha256=batch.sha256)


def _run(batch: ImportBatch, path: Path, *, commit: bool) -> ImportResult:
    importer = IMPORTERS[batch.kind]
    progress = BatchProgress(batch.pk)
    try:
        with (
            open_with_progress(str(path), size=batch.size_bytes, report=progress.report) as source,
            transaction.atomic(),
        ):
            with connection.cursor() as cursor:
                result = importer(cursor=cursor, pharmacy=batch.pharmacy, batch_id=batch.pk, source=source)
            if not commit or not result.ok:
                transaction.set_rollback(True)
            elif not _mark_committed(batch, result):
                transaction.set_rollback(True)  # another run committed this batch first
    except ImportFileError as error:
        result = ImportResult()
        result.add_problems(error.problems)
    except FileNotFoundError:
        result = ImportResult()
        result.add_problems([Problem(None, None, "Le fichier n'est plus disponible : déposez-le à nouveau.")])
    except DatabaseError as error:
        # The unique constraint on (pharmacy, sha256) of committed files: a twin upload won.
        earlier = import_batch_earlier(pharmacy=batch.pharmacy, sha256=batch.sha256)
        result = ImportResult()
        if isinstance(error, IntegrityError) and earlier is not None:
            result.add_problems([Problem(None, None, earlier_import_message(earlier))])
        else:
            # Whatever else the database refused, the transaction is rolled back: say so, never a 500.
            logger.exception("import %s: database error", batch.pk)
            result.add_problems([Problem(None, None, "La base de données a refusé ce fichier : rien "
                                         "n'a été enregistré. Signalez-le au support avec le nom du fichier.")])
    finally:
        progress.close()
    return result


def _mark_committed(batch: ImportBatch, result: ImportResult) -> bool:
    committed = bool(
        ImportBatch.objects.filter(pk=batch.pk, status__in=OPEN_STATUSES).update(
            status=ImportBatch.Status.COMMITTED,
            progress=100,
            counts=_counts(result),
            errors=[],
            committed_at=timezone.now(),
        )
    )
    if committed:
        # The file that was awaited has come: its "fichier attendu" alert ends now, not tonight.
        expected_file_alerts_close(pharmacy_id=batch.pharmacy_id)
    return committed


def _counts(result: ImportResult) -> dict:
    _, left_out = result.report()
    return {**result.counts, "problems": result.problem_count, "problems_left_out": left_out,
            "notes": result.notes}


def _errors(result: ImportResult) -> list[dict]:
    shown, _ = result.report()
    return [{"line": p.line, "column": p.column, "message": p.message} for p in shown]
