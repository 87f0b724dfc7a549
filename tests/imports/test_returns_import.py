"""Returns (`retours`) through the pipeline: slips with SQL totals, returns before claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from claims.models import Claim, ClaimStatus, ImportBatch, ReturnLine
from payments.models import PaymentSlip
from tests.imports.helpers import (
    CPAM_RHONE,
    RETURNS_HEADER,
    claims_text,
    run_import,
    snapshot,
    write,
)
from tiers_payant.night import night_returns

pytestmark = pytest.mark.django_db


def returns_text(finess: str, rows: list[str]) -> str:
    return "\n".join([RETURNS_HEADER] + [f"{finess};{row}" for row in rows]) + "\n"


ROWS = [
    f"100000001;AMO;{CPAM_RHONE};PAYE;23,40;;;B2026-0001;10/01/2026;09/01/2026",
    f"100000002;AMO;{CPAM_RHONE};PARTIEL;20,00;;;B2026-0001;10/01/2026;09/01/2026",
    f"100000003;AMO;{CPAM_RHONE};REJETE;;0450 072;DROITS AMO FERMES;;;09/01/2026",
    f"100000009;AMO;{CPAM_RHONE};INDU;-12,50;;;B2026-0001;10/01/2026;09/01/2026",
    "100000001;AMC;7123456;PAYE;5,00;;;M-778;12/01/2026;11/01/2026",
]


def test_returns_make_their_slips_with_totals_computed_in_sql(pharmacy_a, tmp_path):
    batch = run_import(pharmacy_a, write(tmp_path, "retours.csv", returns_text(pharmacy_a.finess, ROWS)))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.kind == ImportBatch.Kind.RETURNS
    assert (batch.counts["created"], batch.counts["slips_created"]) == (5, 2)
    slips = {s.reference: s for s in PaymentSlip.objects.filter(pharmacy=pharmacy_a)}
    assert set(slips) == {"B2026-0001", "M-778"}
    cpam = slips["B2026-0001"]
    assert (cpam.total, cpam.line_count) == (Decimal("30.90"), 3)  # 23.40 + 20.00 - 12.50
    assert cpam.payment_date == dt.date(2026, 1, 10)
    assert cpam.organism.code == CPAM_RHONE
    assert (slips["M-778"].total, slips["M-778"].line_count) == (Decimal("5.00"), 1)
    rejection = ReturnLine.objects.get(status="REJETE")
    assert (rejection.slip, rejection.amount_paid, rejection.reject_code) == (None, None, "0450 072")


def test_a_return_before_its_claim_is_kept_and_a_known_claim_is_linked(pharmacy_a, tmp_path):
    run_import(pharmacy_a, write(tmp_path, "factures.csv", claims_text(pharmacy_a.finess, 2)))
    batch = run_import(pharmacy_a, write(tmp_path, "retours.csv", returns_text(pharmacy_a.finess, ROWS)))
    linked = ReturnLine.objects.filter(claim__isnull=False)
    assert sorted(linked.values_list("invoice_number", flat=True)) == ["100000001", "100000002"]
    waiting = ReturnLine.objects.filter(claim__isnull=True)
    assert waiting.count() == 3
    assert batch.counts["waiting_for_claim"] == 3
    batch.refresh_from_db()
    assert batch.applied_at is None  # the nightly job applies


def test_the_same_returns_in_another_file_change_nothing(pharmacy_a, tmp_path):
    run_import(pharmacy_a, write(tmp_path, "a.csv", returns_text(pharmacy_a.finess, ROWS)))
    before = snapshot()
    slips = list(PaymentSlip.objects.values_list("reference", "total", "line_count"))
    again = run_import(pharmacy_a, write(tmp_path, "b.csv", returns_text(pharmacy_a.finess, ROWS) + "\n"))
    assert again.status == ImportBatch.Status.COMMITTED
    assert (again.counts["created"], again.counts["updated"], again.counts["slips_created"],
            again.counts["slips_updated"]) == (0, 0, 0, 0)
    assert snapshot() == before
    assert list(PaymentSlip.objects.values_list("reference", "total", "line_count")) == slips


def test_the_night_applies_each_returns_import_once_without_rewriting_its_lines(
        pharmacy_a, tmp_path):
    run_import(pharmacy_a, write(tmp_path, "factures.csv", claims_text(pharmacy_a.finess, 2)))
    first = run_import(pharmacy_a, write(tmp_path, "a.csv", returns_text(pharmacy_a.finess, ROWS)))
    # The same lines in another file: nothing of its own, still an import to close.
    again = run_import(pharmacy_a, write(tmp_path, "b.csv", returns_text(pharmacy_a.finess, ROWS) + "\n"))
    versions = line_versions()

    result = night_returns(pharmacy_id=pharmacy_a.id)

    first.refresh_from_db()
    again.refresh_from_db()
    assert first.applied_at is not None and again.applied_at is not None
    assert result.lines_applied == 2  # the two lines whose claim is known; 3 still wait
    assert Claim.objects.exclude(status=ClaimStatus.TRANSMITTED).count() == 2
    assert line_versions() == versions  # no return line was rewritten
    assert night_returns(pharmacy_id=pharmacy_a.id).lines_applied == 0


def line_versions() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xmin::text FROM claims_returnline ORDER BY id")
        return cursor.fetchall()


def test_a_later_file_adding_a_line_to_a_slip_updates_its_total(pharmacy_a, tmp_path):
    run_import(pharmacy_a, write(tmp_path, "a.csv", returns_text(pharmacy_a.finess, ROWS[:2])))
    more = [f"100000005;AMO;{CPAM_RHONE};PAYE;7,10;;;B2026-0001;10/01/2026;09/01/2026"]
    batch = run_import(pharmacy_a, write(tmp_path, "b.csv", returns_text(pharmacy_a.finess, more)))
    assert (batch.counts["slips_created"], batch.counts["slips_updated"]) == (0, 1)
    slip = PaymentSlip.objects.get(reference="B2026-0001")
    assert (slip.total, slip.line_count) == (Decimal("50.50"), 3)


def test_a_bad_return_row_imports_nothing(pharmacy_a, tmp_path):
    rows = ROWS + [f"100000004;AMO;{CPAM_RHONE};PAYE;;;;;;09/01/2026"]
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "r.csv", returns_text(pharmacy_a.finess, rows)))
    assert batch.status == ImportBatch.Status.FAILED
    assert snapshot() == before
    assert {(e["line"], e["column"]) for e in batch.errors} == {
        (7, "montant_paye"), (7, "bordereau"), (7, "date_paiement")
    }


def test_a_return_line_twice_in_a_file_is_refused(pharmacy_a, tmp_path):
    batch = run_import(pharmacy_a, write(tmp_path, "r.csv", returns_text(pharmacy_a.finess, [ROWS[0], ROWS[0]])))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["line"] == 3 and "en double" in batch.errors[0]["message"]
    assert not ReturnLine.objects.exists()


def test_returns_for_another_pharmacy_are_refused(pharmacy_a, pharmacy_b, tmp_path):
    batch = run_import(pharmacy_a, write(tmp_path, "r.csv", returns_text(pharmacy_b.finess, ROWS)))
    assert batch.status == ImportBatch.Status.FAILED
    assert {e["column"] for e in batch.errors} == {"finess"}
    assert not PaymentSlip.objects.exists()


def test_a_returns_file_of_another_pharmacy_one_message_and_counts(pharmacy_a, pharmacy_b, tmp_path):
    rows = [r.replace("100000001", str(100000001 + i), 1) for i in range(10) for r in ROWS[:1]]
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "retours.csv", returns_text(pharmacy_b.finess, rows)))
    assert batch.status == ImportBatch.Status.FAILED
    assert (batch.counts["rows"], batch.counts["refused"]) == (10, 10)
    assert [(e["line"], e["column"]) for e in batch.errors] == [(2, "finess")]
    assert batch.errors[0]["message"].endswith(
        "— sur toutes les lignes du fichier (10), dont les lignes 2, 3, 4, 5, 6 …")
    assert snapshot() == before
