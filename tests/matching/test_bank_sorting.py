"""The bank sort, rule by rule (payments/classification.py), the person's one-click move,
the pharmacy's rules page, and the access rule on both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.tracking import event_model_for
from payments.classification import bank_lines_classify
from payments.models import BankLine, BankRule, MatchProposal, Reconciliation
from payments.selectors import (
    bank_line_history,
    unmatched_insurer_transfers,
    unmatched_insurer_transfers_total,
)
from tests.factories import BankAccountFactory, BankLineFactory, OrganismFactory, PaymentSlipFactory
from tiers_payant.night import nightly_run


def _line(pharmacy, amount: str, label: str, **details) -> BankLine:
    """An unsorted line, as the import writes it before sorting."""
    return BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy), amount=Decimal(amount),
                           label=label, details=details, kind="", kind_source="")


def _sorted(line: BankLine) -> tuple[str, str]:
    line.refresh_from_db()
    return line.kind, line.kind_source


@pytest.mark.parametrize(("amount", "details", "expected"), [
    ("1520.30", {"operation_code": "A1"}, "card"),
    ("-812.00", {"operation_code": "B1"}, "debit"),
    ("-4.50", {"operation_code": "62"}, "fee"),
    # A card code on a debit is no remittance: the sign decides.
    ("-12.00", {"operation_code": "A1"}, "other_debit"),
])
def test_the_cfonb_operation_code(pharmacy_a, amount, details, expected):
    line = _line(pharmacy_a, amount, "OPERATION 0412", **details)
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert _sorted(line) == (expected, "code" if expected != "other_debit" else "sign")


def test_the_cfonb_code_a_camt_entry_gives_as_proprietary(pharmacy_a):
    card = _line(pharmacy_a, "640.00", "ECRITURE 57", BkTxCdPrtry="A1", BkTxCdIssr="CFONB")
    other = _line(pharmacy_a, "640.00", "ECRITURE 58", BkTxCdPrtry="A1", BkTxCdIssr="MABANQUE")
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert (_sorted(card), _sorted(other)) == (("card", "code"), ("other_credit", "sign"))


@pytest.mark.parametrize(("amount", "code", "expected"), [
    ("980.10", "PMNT/CCRD/POSD", "card"),
    ("-1750.00", "PMNT/IDDT/ESDD", "debit"),
    ("-38.20", "PMNT/CCRD/CHRG", "fee"),
    ("-45.00", "ACMT/MDOP/FEES", "fee"),
])
def test_the_camt_bank_transaction_code(pharmacy_a, amount, code, expected):
    line = _line(pharmacy_a, amount, "ECRITURE 55", BkTxCd=code)
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert _sorted(line) == (expected, "code")


@pytest.mark.parametrize(("amount", "trntype", "expected"), [
    ("-6.00", "FEE", "fee"),
    ("-9.90", "SRVCHG", "fee"),
    ("-250.00", "DIRECTDEBIT", "debit"),
])
def test_the_ofx_transaction_type(pharmacy_a, amount, trntype, expected):
    line = _line(pharmacy_a, amount, "ECRITURE 56", TRNTYPE=trntype)
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert _sorted(line) == (expected, "code")


def test_a_credit_naming_a_known_payer_is_an_insurers_transfer(pharmacy_a):
    OrganismFactory(kind="AMO", code="016910000", name="CPAM du Rhône")
    # Punctuation around a name is no part of it (as the matching reads names).
    OrganismFactory(kind="AMC", code="0352553659", name="SOLIMUT MUTUELLE DE FRANCE.",
                    operator="(Almerys)")
    named = _line(pharmacy_a, "2418.37", "VIR SEPA RECU /DE CPAM DU RHONE", operation_code="05")
    by_operator = _line(pharmacy_a, "310.00", "VIR SEPA RECU /DE ALMERYS", operation_code="05")
    by_code = _line(pharmacy_a, "77.10", "VIR 016910000250301000000123")
    unknown = _line(pharmacy_a, "120.00", "VIR SEPA RECU /DE SARL DUPONT", operation_code="05")
    debit = _line(pharmacy_a, "-50.00", "VIR SEPA EMIS /DE CPAM DU RHONE", operation_code="06")

    bank_lines_classify(pharmacy_id=pharmacy_a.pk)

    assert _sorted(named) == _sorted(by_operator) == _sorted(by_code) == ("insurer", "payer")
    assert _sorted(unknown) == ("other_credit", "sign")
    assert _sorted(debit) == ("other_debit", "sign")
    assert set(unmatched_insurer_transfers(pharmacy=pharmacy_a)) == {named, by_operator, by_code}


def test_label_words_when_the_format_has_no_code(pharmacy_a):
    card = _line(pharmacy_a, "1300.00", "REMISE CB 1234567 0203", TRNTYPE="CREDIT")
    debit = _line(pharmacy_a, "-5500.00", "PRLV SEPA URSSAF", TRNTYPE="DEBIT",
                  LIB=["COTISATIONS 03"])
    fee = _line(pharmacy_a, "-52.00", "COMMISSIONS CB", TRNTYPE="DEBIT")
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert _sorted(card) == ("card", "label")
    assert _sorted(debit) == ("debit", "label")
    assert _sorted(fee) == ("fee", "label")


def test_a_second_sort_writes_nothing(pharmacy_a):
    _line(pharmacy_a, "1300.00", "REMISE CB 1234567 0203")
    assert bank_lines_classify(pharmacy_id=pharmacy_a.pk) == 1
    assert bank_lines_classify(pharmacy_id=pharmacy_a.pk) == 0


def test_a_linked_credit_is_an_insurers_transfer(pharmacy_a):
    line = _line(pharmacy_a, "61.00", "VIREMENT 8841")
    slip = PaymentSlipFactory(pharmacy=pharmacy_a, total=Decimal("100.00"))
    Reconciliation.objects.create(pharmacy=pharmacy_a, slip=slip, bank_line=line,
                                  amount=Decimal("30.00"), source="manual")
    BankLine.objects.filter(pk=line.pk).update(matched_amount=Decimal("30.00"), status="partial")
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert _sorted(line) == ("insurer", "match")
    assert unmatched_insurer_transfers_total(pharmacy=pharmacy_a) == {
        "count": 1, "amount": Decimal("31.00")}


def test_a_pharmacy_rule_is_applied_at_once_and_only_to_its_pharmacy(
        login, titulaire_a, pharmacy_a, pharmacy_b):
    OrganismFactory(kind="AMO", code="016910000", name="CPAM du Rhône")
    # A payer's name, but the pharmacy knows better: its landlord's refunds.
    line = _line(pharmacy_a, "900.00", "VIR SEPA RECU /DE SCI CPAM DU RHONE LOYER")
    other = _line(pharmacy_b, "900.00", "VIR SEPA RECU /DE SCI CPAM DU RHONE LOYER")
    debit = _line(pharmacy_a, "-900.00", "VIR SEPA EMIS SCI CPAM DU RHONE LOYER")
    for pharmacy in (pharmacy_a, pharmacy_b):
        bank_lines_classify(pharmacy_id=pharmacy.pk)
    assert _sorted(line)[0] == _sorted(other)[0] == "insurer"

    client = login(titulaire_a)
    url = reverse("payments:rules", args=[pharmacy_a.pk])
    response = client.post(url, {"pattern": "sci cpam du rhône loyer", "kind": "other_credit"})
    assert response.status_code == 302

    assert _sorted(line) == ("other_credit", "rule")
    assert _sorted(other) == ("insurer", "payer")  # another pharmacy's rules are not its own
    assert _sorted(debit) == ("other_debit", "sign")  # a credit kind: credits only
    assert "sci cpam du rhône loyer" in client.get(url).content.decode()  # as typed
    # The night keeps it.
    nightly_run(pharmacy_id=pharmacy_a.pk, day=dt.date(2026, 10, 20))
    assert _sorted(line) == ("other_credit", "rule")

    rule = BankRule.objects.get(pharmacy=pharmacy_a)
    assert client.post(reverse("payments:rule_delete", args=[pharmacy_a.pk, rule.pk])).status_code == 302
    assert _sorted(line) == ("insurer", "payer")


def test_a_rule_needs_words_and_is_not_repeated(login, titulaire_a, pharmacy_a):
    client = login(titulaire_a)
    url = reverse("payments:rules", args=[pharmacy_a.pk])
    response = client.post(url, {"pattern": " - ", "kind": "card"})
    assert response.status_code == 400 and "au moins trois lettres" in response.content.decode()
    assert client.post(url, {"pattern": "REMISE TPE", "kind": "card"}).status_code == 302
    response = client.post(url, {"pattern": "remise tpe", "kind": "card"})
    assert response.status_code == 400 and "existe déjà" in response.content.decode()
    assert client.post(url, {"pattern": "REMISE TPE 2", "kind": "bogus"}).status_code == 400


def test_a_manual_move_survives_the_night_and_is_audited(login, preparateur_a, pharmacy_a):
    cpam = OrganismFactory(kind="AMO", code="016910000", name="CPAM du Rhône")
    line = _line(pharmacy_a, "812.40", "VIR SEPA RECU /DE CPAM DU RHONE", operation_code="05")
    # A slip of the same amount: the night would link it, were it still tiers-payant.
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal("812.40"),
                       payment_date=dt.date(2026, 10, 8))
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert _sorted(line) == ("insurer", "payer")

    client = login(preparateur_a)
    url = reverse("payments:bank_line_out", args=[pharmacy_a.pk, line.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="bank-lines"' in html and "Tous les virements des organismes sont rapprochés" in html

    assert nightly_run(pharmacy_id=pharmacy_a.pk, day=dt.date(2026, 10, 20)) == "done"
    assert _sorted(line) == ("other_credit", "manual")
    assert not Reconciliation.objects.filter(bank_line=line).exists()
    assert unmatched_insurer_transfers_total(pharmacy=pharmacy_a)["count"] == 0

    event = event_model_for(BankLine).objects.get(pgh_obj_id=line.pk, pgh_label="update",
                                                  kind="insurer")
    assert event.pgh_context["user"] == preparateur_a.pk
    assert event.pharmacy_id == pharmacy_a.pk
    latest = bank_line_history(pharmacy=pharmacy_a, bank_line=line)[0]
    assert ("Nature", "Virement d'organisme", "Autre crédit") in [
        (c.label, c.old, c.new) for c in latest.changes]

    # And back, in one click again: counted, and the night links it.
    response = client.post(reverse("payments:bank_line_in", args=[pharmacy_a.pk, line.pk]))
    assert response.status_code == 302
    assert _sorted(line) == ("insurer", "manual")
    nightly_run(pharmacy_id=pharmacy_a.pk, day=dt.date(2026, 10, 21))
    line.refresh_from_db()
    assert line.status == BankLine.Status.MATCHED and line.kind == "insurer"


def test_the_unmatched_page_counts_insurers_transfers_and_filters_the_rest(
        login, titulaire_a, pharmacy_a):
    OrganismFactory(kind="AMO", code="016910000", name="CPAM du Rhône")
    _line(pharmacy_a, "2418.37", "VIR SEPA RECU /DE CPAM DU RHONE")
    _line(pharmacy_a, "1300.00", "REMISE CB 1234567 0203", operation_code="A1")
    _line(pharmacy_a, "-5500.00", "PRLV SEPA URSSAF", operation_code="B1")
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    client = login(titulaire_a)
    url = reverse("payments:unmatched", args=[pharmacy_a.pk])

    html = client.get(url).content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert "virements d'organismes non rapprochés · 2 418,37 €" in html
    assert "Remise carte (1)" in html and "Prélèvement (1)" in html
    assert "REMISE CB 1234567 0203" in html and "PRLV SEPA URSSAF" in html

    html = client.get(url, {"nature": "card"}).content.decode()
    assert "REMISE CB 1234567 0203" in html and "PRLV SEPA URSSAF" not in html
    assert client.get(url, {"nature": "nimporte"}).status_code == 200


def test_a_line_moved_out_leaves_the_review_queue(login, titulaire_a, pharmacy_a):
    cpam = OrganismFactory(kind="AMO", code="016910000", name="CPAM du Rhône")
    line = _line(pharmacy_a, "75.00", "VIR SEPA RECU /DE CPAM DU RHONE")
    for day in (7, 9):  # two slips of the same amount: the night can only propose
        PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal("75.00"),
                           payment_date=dt.date(2026, 10, day))
    nightly_run(pharmacy_id=pharmacy_a.pk, day=dt.date(2026, 10, 20))
    assert MatchProposal.objects.filter(bank_line=line, status="open").count() == 2

    client = login(titulaire_a)
    client.post(reverse("payments:bank_line_out", args=[pharmacy_a.pk, line.pk]))
    assert not MatchProposal.objects.filter(bank_line=line, status="open").exists()
    nightly_run(pharmacy_id=pharmacy_a.pk, day=dt.date(2026, 10, 21))
    assert not MatchProposal.objects.filter(bank_line=line).exists()


def test_another_pharmacys_line_or_rule_is_not_found(login, titulaire_a, pharmacy_a, pharmacy_b):
    line_b = _line(pharmacy_b, "100.00", "VIR SEPA RECU /DE CPAM DU RHONE")
    rule_b = BankRule.objects.create(pharmacy=pharmacy_b, pattern="REMISE TPE", kind="card")
    client = login(titulaire_a)
    for name in ("payments:bank_line_out", "payments:bank_line_in"):
        # Under its own pharmacy's URL (not visible) and under pharmacy A's (not A's line).
        assert client.post(reverse(name, args=[pharmacy_b.pk, line_b.pk])).status_code == 404
        assert client.post(reverse(name, args=[pharmacy_a.pk, line_b.pk])).status_code == 404
    assert client.get(reverse("payments:rules", args=[pharmacy_b.pk])).status_code == 404
    assert client.post(reverse("payments:rule_delete", args=[pharmacy_a.pk, rule_b.pk])).status_code == 404
    line_b.refresh_from_db()
    assert (line_b.kind, BankRule.objects.filter(pk=rule_b.pk).exists()) == ("", True)


def test_the_reconciliation_export_says_hors_tiers_payant_and_the_kind(pharmacy_a):
    from reports.exports import bank_reconciliation_sheet

    OrganismFactory(kind="AMO", code="016910000", name="CPAM du Rhône")
    _line(pharmacy_a, "2418.37", "VIR SEPA RECU /DE CPAM DU RHONE")
    _line(pharmacy_a, "1300.00", "REMISE CB 1234567 0203", operation_code="A1")
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    sheet = bank_reconciliation_sheet(BankLine.objects.filter(pharmacy=pharmacy_a))
    headers = [c.header for c in sheet.columns]
    rows = {row[headers.index("Libellé")]: row for row in sheet.rows}
    status, kind = headers.index("Statut"), headers.index("Nature")
    assert (rows["VIR SEPA RECU /DE CPAM DU RHONE"][status],
            rows["VIR SEPA RECU /DE CPAM DU RHONE"][kind]) == ("Non rapprochée", "Virement d'organisme")
    assert (rows["REMISE CB 1234567 0203"][status],
            rows["REMISE CB 1234567 0203"][kind]) == ("Hors tiers-payant", "Remise carte")


def test_a_line_written_by_sql_without_a_kind_is_sorted_by_the_night(pharmacy_a):
    from django.db import connection

    account = BankAccountFactory(pharmacy=pharmacy_a)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO payments_bankline (pharmacy_id, account_id, natural_key, booking_date,
                   amount, label, bank_reference, details, matched_amount, status, created_at)
               VALUES (%s, %s, 'sql-1', '2026-10-12', 900, 'REMISE CB 7654321 1110', '',
                       '{}', 0, 'unmatched', now())""",
            [pharmacy_a.pk, account.pk],
        )
    line = BankLine.objects.get(natural_key="sql-1")
    assert (line.kind, line.kind_source) == ("", "")
    nightly_run(pharmacy_id=pharmacy_a.pk, day=dt.date(2026, 10, 20))
    assert _sorted(line) == ("card", "label")


def test_a_payers_code_digits_inside_a_longer_number_name_no_payer(pharmacy_a):
    """A card merchant's number or a SIRET may hold a payer's 9 digits: only a reference
    opening with them (as insurers write theirs) names the payer."""
    OrganismFactory(kind="AMO", code="016910000", name="CPAM du Rhône")
    merchant = _line(pharmacy_a, "640.00", "VIR SIRET 80016910000123")
    bank_lines_classify(pharmacy_id=pharmacy_a.pk)
    assert _sorted(merchant) == ("other_credit", "sign")
