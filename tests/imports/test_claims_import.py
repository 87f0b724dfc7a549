"""Claims (`factures`) through the pipeline: COPY, upsert, idempotency, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from claims.imports.services import ImportRefused
from claims.models import Claim, ClaimStatus, ImportBatch, Organism
from pharmacies.models import Pharmacy
from reports.statistics import rejection_rates_by_month
from tests.factories import RejectionFactory
from tests.imports.helpers import (
    CLAIMS_HEADER,
    CPAM_RHONE,
    claim_line,
    claims_text,
    nir,
    run_import,
    snapshot,
    write,
)

pytestmark = pytest.mark.django_db


def test_it_imports_claims_with_their_values(pharmacy_a, titulaire_a, tmp_path):
    path = write(tmp_path, "factures.csv", claims_text(pharmacy_a.finess, 2, amount="1 234,56 €"))
    batch = run_import(pharmacy_a, path, user=titulaire_a)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.counts["created"] == 2 and batch.counts["updated"] == 0
    assert batch.created_by == titulaire_a and batch.committed_at is not None
    claim = Claim.objects.get(pharmacy=pharmacy_a, invoice_number="100000001", payer_kind="AMO")
    assert claim.amount_claimed == Decimal("1234.56")
    assert claim.care_date == dt.date(2026, 1, 5)
    assert claim.transmission_date == dt.date(2026, 1, 6)
    assert claim.nir + claim.nir_key == nir()
    assert claim.organism.code == CPAM_RHONE and claim.organism.name == "CPAM DU RHONE"
    assert claim.status == ClaimStatus.TRANSMITTED
    assert claim.import_batch == batch
    assert claim.lot_number == "L0042" and claim.prescriber_rpps == "10001234567"


def test_the_preview_counts_what_the_commit_does_and_writes_nothing(pharmacy_a, tmp_path):
    from claims.imports.services import import_batch_analyse, import_batch_create
    from claims.imports.storage import file_fingerprint

    path = write(tmp_path, "factures.csv", claims_text(pharmacy_a.finess, 3))
    with open(path, "rb") as source:
        sha, size = file_fingerprint(source)
    before = snapshot()
    batch = import_batch_create(pharmacy=pharmacy_a, path=path, file_name="f.csv", sha256=sha, size=size)
    batch = import_batch_analyse(batch=batch, path=path)
    assert batch.status == ImportBatch.Status.PREVIEW
    assert batch.counts["created"] == 3
    assert snapshot() == before


def test_the_same_file_twice_is_refused_naming_the_earlier_import(pharmacy_a, titulaire_a, tmp_path):
    path = write(tmp_path, "factures-janvier.csv", claims_text(pharmacy_a.finess))
    run_import(pharmacy_a, path, user=titulaire_a)
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        run_import(pharmacy_a, path, user=titulaire_a)
    message = refused.value.message
    assert "déjà été importé le" in message
    assert "factures-janvier.csv" in message
    assert titulaire_a.get_full_name() in message
    assert snapshot() == before


def test_the_same_rows_in_another_file_change_nothing(pharmacy_a, tmp_path):
    first = run_import(pharmacy_a, write(tmp_path, "a.csv", claims_text(pharmacy_a.finess, 3)))
    stamps = dict(Claim.objects.values_list("invoice_number", "updated_at"))
    before = snapshot()
    # Same rows, another name and a blank line more: another SHA-256.
    again = run_import(pharmacy_a, write(tmp_path, "b.csv", claims_text(pharmacy_a.finess, 3) + "\n\n"))
    assert again.status == ImportBatch.Status.COMMITTED
    assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 3)
    assert snapshot() == before
    assert dict(Claim.objects.values_list("invoice_number", "updated_at")) == stamps
    assert set(Claim.objects.values_list("import_batch", flat=True)) == {first.pk}


def test_a_changed_row_updates_the_claim_but_not_what_payers_said(pharmacy_a, tmp_path):
    run_import(pharmacy_a, write(tmp_path, "a.csv", claims_text(pharmacy_a.finess, 2)))
    Claim.objects.filter(invoice_number="100000001").update(status=ClaimStatus.PAID, amount_paid=10)
    batch = run_import(pharmacy_a, write(tmp_path, "b.csv", claims_text(pharmacy_a.finess, 2, amount="30,00")))
    assert (batch.counts["created"], batch.counts["updated"]) == (0, 2)
    claim = Claim.objects.get(invoice_number="100000001")
    assert claim.amount_claimed == Decimal("30.00")
    assert (claim.status, claim.amount_paid) == (ClaimStatus.PAID, Decimal("10.00"))


def test_a_corrected_transmission_date_moves_the_claim_in_the_monthly_rates(pharmacy_a, tmp_path):
    run_import(pharmacy_a, write(tmp_path, "a.csv", claims_text(pharmacy_a.finess, 1, sent="06/01/2026")))
    claim = Claim.objects.get(invoice_number="100000001")
    rejection = RejectionFactory(claim=claim, rejected_on=dt.date(2026, 2, 10))
    assert rejection.claim_sent_on == dt.date(2026, 1, 6)

    run_import(pharmacy_a, write(tmp_path, "b.csv", claims_text(pharmacy_a.finess, 1, sent="03/02/2026")))

    rejection.refresh_from_db()
    assert rejection.claim_sent_on == dt.date(2026, 2, 3)
    rates = rejection_rates_by_month(pharmacies=Pharmacy.objects.filter(pk=pharmacy_a.pk),
                                     first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 2, 1))
    assert [(m.claims, m.rejected) for m in rates[pharmacy_a.pk]] == [(0, 0), (1, 1)]


def test_an_unknown_payer_is_created_from_the_file(pharmacy_a, tmp_path):
    text = claims_text(pharmacy_a.finess, 1, payer="AMC", organism="7123456", name="MUTUELLE EXEMPLE")
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", text))
    organism = Organism.objects.get(kind="AMC", code="0007123456")
    assert organism.name == "MUTUELLE EXEMPLE"
    assert batch.counts["organisms_created"] == 1
    assert "MUTUELLE EXEMPLE" in batch.counts["notes"][0]


def test_a_file_with_a_bad_row_imports_nothing_and_says_where(pharmacy_a, tmp_path):
    good = claim_line(pharmacy_a.finess, "100000001")
    bad_date = claim_line(pharmacy_a.finess, "100000002", care="31/02/2026")
    bad_amount = claim_line(pharmacy_a.finess, "100000003", amount="douze")
    path = write(tmp_path, "f.csv", "\n".join([CLAIMS_HEADER, good, bad_date, bad_amount]) + "\n")
    before = snapshot()
    batch = run_import(pharmacy_a, path)
    assert batch.status == ImportBatch.Status.FAILED
    assert snapshot() == before
    assert [(e["line"], e["column"]) for e in batch.errors] == [(3, "date_soins"), (4, "montant")]
    assert "date invalide" in batch.errors[0]["message"]


def test_an_invoice_twice_in_a_file_is_refused(pharmacy_a, tmp_path):
    line = claim_line(pharmacy_a.finess, "100000001")
    path = write(tmp_path, "f.csv", "\n".join([CLAIMS_HEADER, line, line]) + "\n")
    batch = run_import(pharmacy_a, path)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors == [
        {"line": 3, "column": "facture", "message": "facture 100000001 (AMO) en double : déjà présente ligne 2"}
    ]
    assert not Claim.objects.exists()


def test_a_value_longer_than_its_column_is_a_problem_not_a_crash(pharmacy_a, tmp_path):
    line = claim_line(pharmacy_a.finess, "100000001", operator="X" * 31)
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", f"{CLAIMS_HEADER}\n{line}\n"))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["column"] == "operateur" and "trop longue" in batch.errors[0]["message"]


def test_an_amount_too_large_for_the_database_is_a_problem_not_a_crash(pharmacy_a, tmp_path):
    line = claim_line(pharmacy_a.finess, "100000001", amount="12345678901,00")
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", f"{CLAIMS_HEADER}\n{line}\n"))
    assert batch.status == ImportBatch.Status.FAILED
    assert (batch.errors[0]["line"], batch.errors[0]["column"]) == (2, "montant")
    assert "hors limites" in batch.errors[0]["message"]


def test_claims_of_another_pharmacy_are_refused(pharmacy_a, pharmacy_b, tmp_path):
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", claims_text(pharmacy_b.finess, 2)))
    assert batch.status == ImportBatch.Status.FAILED
    assert snapshot() == before
    assert {e["column"] for e in batch.errors} == {"finess"}
    assert pharmacy_b.finess in batch.errors[0]["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "vide"),
        ("   \n\n", "vide"),
        (CLAIMS_HEADER + "\n", "que l'en-tête"),
    ],
    ids=["empty", "blank-lines", "header-only"],
)
def test_an_empty_file_is_refused_with_a_message(pharmacy_a, tmp_path, content, message):
    before = snapshot()
    path = write(tmp_path, "f.csv", content)
    try:
        batch = run_import(pharmacy_a, path)
    except ImportRefused as refused:
        assert message in refused.message
    else:
        assert batch.status == ImportBatch.Status.FAILED
        assert message in batch.errors[0]["message"]
    assert snapshot() == before


def test_a_file_with_an_unknown_separator_is_refused(pharmacy_a, tmp_path):
    text = claims_text(pharmacy_a.finess, 2).replace(";", "|")
    with pytest.raises(ImportRefused) as refused:
        run_import(pharmacy_a, write(tmp_path, "f.csv", text))
    assert "non reconnu" in refused.value.message
    assert not Claim.objects.exists()


def test_a_comma_separated_file_is_read(pharmacy_a, tmp_path):
    text = claims_text(pharmacy_a.finess, 2, amount="23.40").replace(";", ",")
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", text))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Claim.objects.count() == 2


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_windows_1252_and_utf8_with_bom_are_read(pharmacy_a, tmp_path, encoding):
    text = claims_text(pharmacy_a.finess, 1, patient="CÉLESTIN Hélène")
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", text, encoding=encoding))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Claim.objects.get().patient_name == "CÉLESTIN Hélène"


def test_a_file_over_the_size_limit_is_refused_before_reading(pharmacy_a, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportRefused) as refused:
        run_import(pharmacy_a, write(tmp_path, "f.csv", claims_text(pharmacy_a.finess, 5)))
    assert "trop volumineux" in refused.value.message
    assert not ImportBatch.objects.exists()


def test_claims_tenancy_the_same_invoice_in_two_pharmacies_is_two_claims(pharmacy_a, pharmacy_b, tmp_path):
    run_import(pharmacy_a, write(tmp_path, "a.csv", claims_text(pharmacy_a.finess, 1)))
    run_import(pharmacy_b, write(tmp_path, "b.csv", claims_text(pharmacy_b.finess, 1)))
    assert Claim.objects.filter(invoice_number="100000001").count() == 2


def test_a_twin_upload_committed_first_makes_the_other_fail_naming_it(pharmacy_a, titulaire_a, tmp_path):
    from claims.imports.services import (
        import_batch_analyse,
        import_batch_commit,
        import_batch_create,
    )
    from claims.imports.storage import file_fingerprint

    path = write(tmp_path, "f.csv", claims_text(pharmacy_a.finess, 2))
    with open(path, "rb") as source:
        sha, size = file_fingerprint(source)
    first, second = (
        import_batch_analyse(
            batch=import_batch_create(pharmacy=pharmacy_a, path=path, file_name=name, sha256=sha,
                                      size=size, user=titulaire_a),
            path=path,
        )
        for name in ("premier.csv", "second.csv")
    )
    assert import_batch_commit(batch=first, path=path).status == ImportBatch.Status.COMMITTED
    before = snapshot()
    second = import_batch_commit(batch=second, path=path)
    assert second.status == ImportBatch.Status.FAILED
    assert "premier.csv" in second.errors[0]["message"]
    assert snapshot() == before


# --- in chunks: the file goes through in several upserts inside one transaction ---


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Two rows per chunk, so that a few rows cross several chunk boundaries."""
    from claims.imports import claims_sql

    monkeypatch.setattr(claims_sql, "CHUNK_ROWS", 2)


def test_a_file_in_several_chunks_imports_every_row_with_one_report(pharmacy_a, tmp_path, tiny_chunks):
    text = claims_text(pharmacy_a.finess, 4) + "\n".join(
        claim_line(pharmacy_a.finess, str(200000001 + i), payer="AMC", organism="7123456",
                   name="MUTUELLE EXEMPLE", amount="1,50", sent="20/01/2026")
        for i in range(3)
    ) + "\n"
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", text))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert (batch.counts["rows"], batch.counts["created"], batch.counts["unchanged"]) == (7, 7, 0)
    assert batch.counts["amount"] == "98.10"  # 4 × 23,40 + 3 × 1,50
    assert (batch.counts["first_date"], batch.counts["last_date"]) == ("2026-01-06", "2026-01-20")
    assert batch.counts["organisms_created"] == 1
    assert Claim.objects.filter(pharmacy=pharmacy_a, import_batch=batch).count() == 7
    again = run_import(pharmacy_a, write(tmp_path, "g.csv", text + "\n"))
    assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 7)


def test_a_bad_row_in_a_later_chunk_undoes_the_chunks_already_written(pharmacy_a, tmp_path, tiny_chunks):
    lines = [claim_line(pharmacy_a.finess, str(100000001 + i)) for i in range(5)]
    lines.append(claim_line(pharmacy_a.finess, "100000009", amount="douze"))
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", "\n".join([CLAIMS_HEADER, *lines]) + "\n"))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["column"]) for e in batch.errors] == [(7, "montant")]
    assert snapshot() == before


def test_an_invoice_twice_in_two_chunks_is_refused(pharmacy_a, tmp_path, tiny_chunks):
    lines = [claim_line(pharmacy_a.finess, str(100000001 + i)) for i in range(4)]
    lines.append(claim_line(pharmacy_a.finess, "100000002"))  # line 6, first on line 3
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", "\n".join([CLAIMS_HEADER, *lines]) + "\n"))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors == [
        {"line": 6, "column": "facture", "message": "facture 100000002 (AMO) en double : déjà présente ligne 3"}
    ]
    assert not Claim.objects.exists()


def test_a_free_text_with_tabs_and_backslashes_is_stored_as_written(pharmacy_a, tmp_path, tiny_chunks):
    patient = "D'ARC\\Jeanne\tdite \\N"
    line = claim_line(pharmacy_a.finess, "100000001", patient=patient, operator="\\N")
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", f"{CLAIMS_HEADER}\n{line}\n"))
    assert batch.status == ImportBatch.Status.COMMITTED
    claim = Claim.objects.get(invoice_number="100000001")
    assert (claim.patient_name, claim.operator_code) == (patient, "\\N")


# --- stricter CSV and counts that mean what they say (issue 19) ----------------------------

def test_counts_say_lines_read_and_refused(pharmacy_a, tmp_path):
    good = [claim_line(pharmacy_a.finess, str(100000001 + i)) for i in range(3)]
    bad = [claim_line(pharmacy_a.finess, "100000009", amount="douze"),
           claim_line(pharmacy_a.finess, "10000001", care="31/02/2026")]  # two problems, one line
    path = write(tmp_path, "f.csv", "\n".join([CLAIMS_HEADER, *good, *bad]) + "\n")
    batch = run_import(pharmacy_a, path)
    assert batch.status == ImportBatch.Status.FAILED
    # Before: "Lignes lues" was 3 (the good rows only) for a file of 5 rows.
    assert (batch.counts["rows"], batch.counts["refused"], batch.counts["problems"]) == (5, 2, 3)


def test_another_pharmacys_file_gives_one_message_with_the_first_lines(pharmacy_a, pharmacy_b, tmp_path):
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", claims_text(pharmacy_b.finess, 3338)))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["column"], e["message"]) for e in batch.errors] == [(
        2, "finess",
        f"FINESS {pharmacy_b.finess} différent de celui de la pharmacie ({pharmacy_a.finess}) — "
        "sur toutes les lignes du fichier (3\u202f338), dont les lignes 2, 3, 4, 5, 6 …",
    )]
    assert (batch.counts["rows"], batch.counts["refused"], batch.counts["problems_left_out"]) == (
        3338, 3338, 0)
    assert snapshot() == before


def test_rows_with_another_separator_than_the_header_give_one_message(pharmacy_a, tmp_path):
    lines = claims_text(pharmacy_a.finess, 40).splitlines()
    text = "\n".join([lines[0], *(line.replace(";", ",") for line in lines[1:])]) + "\n"
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", text))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["message"]) for e in batch.errors] == [(
        2, "1 champ au lieu de 14 (les colonnes de l'en-tête) : les lignes n'utilisent pas le "
        "séparateur de l'en-tête (« ; ») — sur toutes les lignes du fichier (40), dont les "
        "lignes 2, 3, 4, 5, 6 …",
    )]
    assert snapshot() == before


def test_an_unquoted_23_40_in_a_comma_file_is_refused_with_its_line(pharmacy_a, tmp_path):
    text = claims_text(pharmacy_a.finess, 2, amount="23.40").replace(";", ",")
    text = text.replace("23.40", "23,40", 1)  # the first row only: 15 fields
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", text))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["message"]) for e in batch.errors] == [(
        2, "15 champs au lieu de 14 (les colonnes de l'en-tête) : une valeur contient-elle une "
        "virgule sans guillemets (un montant « 23,40 ») ?",
    )]
    assert (batch.counts["rows"], batch.counts["refused"]) == (2, 1)
    assert snapshot() == before


def test_a_file_whose_encoding_changes_after_64_kb_is_refused_not_stored_garbled(pharmacy_a, tmp_path):
    rows = claims_text(pharmacy_a.finess, 700, patient="CÉLESTIN Hélène").encode("cp1252")
    assert len(rows) > 64 * 1024
    tail = claim_line(pharmacy_a.finess, "200000001", patient="DUPONT Hélène").encode("utf-8")
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "f.csv", rows + tail + b"\n"))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["message"]) for e in batch.errors] == [(
        702, "texte en UTF-8 alors que le début du fichier est en Windows-1252 : le fichier "
        "mélange deux encodages, ré-exportez le fichier en UTF-8 depuis votre logiciel",
    )]
    assert snapshot() == before
    assert not Claim.objects.filter(patient_name__contains="Ã").exists()
