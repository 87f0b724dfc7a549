"""A file a machine deposits (`claims.api`): the page's pipeline in one call, answered at once.

The very same steps as a person's upload (`claims.views.imports`, then `confirm`): the
file is stored and hashed, `import_batch_create` checks its size, whether it was already
imported and its format, `import_batch_analyse` runs the import and rolls it back (the
preview), and when the preview asks nothing of a person the batch is confirmed and
committed (`import_batch_confirm`, `import_batch_commit`). What the preview asks a person
today is whether a bank account the pharmacy does not have is one of its own
(`counts["new_accounts"]`, payments.statement_import): such a file waits "à confirmer" in
the preview, on the import's page and on the pharmacy's dashboard
(`imports_awaiting_confirmation`), and nothing is written until a person confirms.

Run inline in the request, not on the workers: a script wants the outcome in the answer,
and a day's file takes well under a second (docs/benchmarks.md: 33,600 claims/s).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from claims.imports.services import (
    ImportAlreadyDone,
    ImportRefused,
    import_batch_analyse,
    import_batch_commit,
    import_batch_confirm,
    import_batch_create,
    import_batch_earlier,
    import_batch_release,
    import_file_release,
)
from claims.imports.storage import import_file_store
from claims.models import ImportBatch
from pharmacies.models import ApiToken, Pharmacy

IMPORTED = "importé"
ALREADY_IMPORTED = "déjà importé"
REFUSED = "refusé"
TO_CONFIRM = "à confirmer"


@dataclass(frozen=True)
class Deposit:
    """The outcome: `status` (one of the four above), a French sentence, and the import it is
    about (the new one, the earlier one for "déjà importé", none when refused before one exists)."""

    status: str
    message: str
    batch: ImportBatch | None = None


def import_batch_questions(*, batch: ImportBatch) -> list[str]:
    """What the preview asks a person before it may be committed: the new bank accounts."""
    return [account["account_id"] for account in batch.counts.get("new_accounts", [])]


def import_deposit(
    *, pharmacy: Pharmacy, api_token: ApiToken, file_name: str, chunks: Iterable[bytes]
) -> Deposit:
    """Store, check, analyse and (if nobody needs to be asked) commit one deposited file."""
    path, sha256, size = import_file_store(pharmacy_id=pharmacy.pk, chunks=chunks)
    waiting = (
        ImportBatch.objects.filter(
            pharmacy=pharmacy, sha256=sha256, status=ImportBatch.Status.PREVIEW, api_token__isnull=False
        )
        .order_by("created_at")
        .first()
    )
    if waiting is not None:  # deposited again before anyone confirmed it: one waiting import
        return Deposit(TO_CONFIRM, _to_confirm_message(waiting), waiting)
    try:
        batch = import_batch_create(
            pharmacy=pharmacy, path=path, file_name=file_name, sha256=sha256, size=size, api_token=api_token
        )
    except ImportAlreadyDone as done:
        import_file_release(pharmacy_id=pharmacy.pk, sha256=sha256)
        return Deposit(ALREADY_IMPORTED, done.message, done.earlier)
    except ImportRefused as refused:
        import_file_release(pharmacy_id=pharmacy.pk, sha256=sha256)
        return Deposit(REFUSED, refused.message)
    batch = import_batch_analyse(batch=batch, path=path)
    if batch.status == ImportBatch.Status.PREVIEW and import_batch_questions(batch=batch):
        return Deposit(TO_CONFIRM, _to_confirm_message(batch), batch)  # the file stays for the page
    if batch.status == ImportBatch.Status.PREVIEW and import_batch_confirm(batch=batch):
        batch.refresh_from_db()
        batch = import_batch_commit(batch=batch, path=path)
    import_batch_release(batch=batch)
    if batch.status == ImportBatch.Status.COMMITTED:
        return Deposit(IMPORTED, "Fichier importé.", batch)
    earlier = import_batch_earlier(pharmacy=pharmacy, sha256=sha256)
    if earlier is not None:  # a twin deposit committed it first
        return Deposit(ALREADY_IMPORTED, ImportAlreadyDone(earlier).message, earlier)
    return Deposit(
        REFUSED, "Fichier refusé : rien n'a été enregistré. Corrigez le fichier puis déposez-le à nouveau.",
        batch,
    )


def _to_confirm_message(batch: ImportBatch) -> str:
    accounts = ", ".join(import_batch_questions(batch=batch))
    return (
        f"Fichier en attente de confirmation : le compte {accounts} n'est pas encore un compte de "
        f"la pharmacie. Le titulaire ou le gestionnaire doit confirmer l'import sur sa page "
        "(rien n'est enregistré avant)."
    )
