"""Files and shortcuts for the import tests: write a file, run it through the pipeline."""

from __future__ import annotations

from pathlib import Path

from stdnum.fr import nir as stdnum_nir

from claims.imports.services import (
    import_batch_analyse,
    import_batch_commit,
    import_batch_confirm,
    import_batch_create,
)
from claims.imports.storage import file_fingerprint
from claims.models import Claim, ImportBatch, Organism, ReturnLine
from payments.models import BankAccount, BankLine, BankStatement, PaymentSlip

DATA = Path("/work/shared/data")

CLAIMS_HEADER = (
    "finess;facture;lot;date_soins;date_transmission;nir;rang;patient;payeur;organisme;"
    "organisme_nom;montant;operateur;prescripteur"
)
RETURNS_HEADER = (
    "finess;facture;payeur;organisme;statut;montant_paye;code_rejet;libelle_rejet;bordereau;"
    "date_paiement;date_retour"
)
CPAM_RHONE = "016910000"  # in claims/reference.py


def nir(stem: str = "1850775123456") -> str:
    return stem + stdnum_nir.calc_check_digits(stem)


def claim_line(finess: str, invoice: str, *, payer: str = "AMO", organism: str = CPAM_RHONE,
               amount: str = "23,40", name: str = "", care: str = "05/01/2026",
               sent: str = "06/01/2026", operator: str = "MARIE", patient: str = "DUPONT Jean") -> str:
    return (
        f"{finess};{invoice};L0042;{care};{sent};{nir()};1;{patient};{payer};{organism};{name};"
        f"{amount};{operator};10001234567"
    )


def claims_text(finess: str, count: int = 3, start: int = 100000001, **kw) -> str:
    lines = [CLAIMS_HEADER] + [claim_line(finess, str(start + i), **kw) for i in range(count)]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def run_import(
    pharmacy, path: Path, *, user=None, commit: bool = True, create_accounts: bool = True
) -> ImportBatch:
    """Create, analyse and (if the preview is clean and `commit`) confirm and commit, as the
    pages do; `create_accounts`: the person ticks "Créer le compte …" for every new account."""
    with open(path, "rb") as stream:
        sha256, size = file_fingerprint(stream)
    batch = import_batch_create(
        pharmacy=pharmacy, path=path, file_name=path.name, sha256=sha256, size=size, user=user
    )
    batch = import_batch_analyse(batch=batch, path=path)
    if commit and batch.status == ImportBatch.Status.PREVIEW:
        new = [a["account_id"] for a in batch.counts.get("new_accounts", [])]
        assert import_batch_confirm(batch=batch, accounts=new if create_accounts else [])
        batch.refresh_from_db()
        batch = import_batch_commit(batch=batch, path=path)
    return batch


def snapshot() -> dict[str, int]:
    """Row counts of every table an import writes (except ImportBatch, the report itself)."""
    models = (Claim, ReturnLine, PaymentSlip, Organism, BankAccount, BankStatement, BankLine)
    return {model.__name__: model.objects.count() for model in models}
