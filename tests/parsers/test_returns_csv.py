"""The `retours` CSV: statuses and the columns each one requires."""

from datetime import date
from decimal import Decimal

import pytest

from claims.parsers.returns_csv import parse_returns
from core.problems import ImportFileError

from .conftest import FILES

FINESS = "690001235"
HEADER = "finess;facture;payeur;organisme;statut;montant_paye;code_rejet;libelle_rejet;bordereau;date_paiement;date_retour"
PAID = "690001235;000123456;AMO;016912345;PAYE;23,40;;;B1;10/01/2024;09/01/2024"


def returns(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def columns_of(result) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in result.problems]


def test_it_reads_the_round_trip_fixture():
    result = parse_returns((FILES / "retours.csv").read_bytes(), expected_finess=FINESS)
    assert result.problems == []
    paid, partial, rejected, recovery = result.rows
    assert (paid.status, paid.amount_paid, paid.slip_reference) == (
        "PAYE",
        Decimal("23.40"),
        "B2024-0001",
    )
    assert (paid.payment_date, paid.return_date) == (date(2024, 1, 10), date(2024, 1, 9))
    assert (partial.status, partial.organism_code, partial.amount_paid) == (
        "PARTIEL",
        "0007123456",
        Decimal("1000.00"),
    )
    assert (rejected.status, rejected.reject_code, rejected.reject_label) == (
        "REJETE",
        "0450 072",
        "DROITS AMO FERMES",
    )
    assert (rejected.amount_paid, rejected.payment_date, rejected.slip_reference) == (
        None,
        None,
        "",
    )
    assert (recovery.status, recovery.amount_paid) == ("INDU", Decimal("-12.50"))


def test_an_accented_status_is_read():
    assert (
        parse_returns(returns(PAID.replace("PAYE", "Payé")), expected_finess=FINESS).rows[0].status
        == "PAYE"
    )


def test_a_paid_return_needs_amount_slip_and_payment_date():
    result = parse_returns(
        returns("690001235;000123456;AMO;016912345;PAYE;;;;;;09/01/2024"), expected_finess=FINESS
    )
    assert result.rows == []
    assert columns_of(result) == [(2, "montant_paye"), (2, "bordereau"), (2, "date_paiement")]
    assert "obligatoire pour le statut PAYE" in result.problems[0].message


def test_a_rejection_needs_a_code():
    result = parse_returns(
        returns("690001235;000123456;AMO;016912345;REJETE;;;;;;09/01/2024"), expected_finess=FINESS
    )
    assert columns_of(result) == [(2, "code_rejet")]


def test_a_recovery_must_be_negative():
    result = parse_returns(
        returns(PAID.replace("PAYE;23,40", "INDU;12,50")), expected_finess=FINESS
    )
    assert columns_of(result) == [(2, "montant_paye")]
    assert "négatif" in result.problems[0].message


def test_a_payment_cannot_be_negative():
    result = parse_returns(returns(PAID.replace("23,40", "-23,40")), expected_finess=FINESS)
    assert columns_of(result) == [(2, "montant_paye")]


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("PAYE", "PAYEE", "statut"),
        ("690001235", "750000010", "finess"),
        (";AMO;", ";RO;", "payeur"),
        ("09/01/2024", "32/01/2024", "date_retour"),
        ("10/01/2024", "2024-13-01", "date_paiement"),
    ],
)
def test_each_field_rule_is_checked(old, new, column):
    result = parse_returns(returns(PAID.replace(old, new)), expected_finess=FINESS)
    assert columns_of(result) == [(2, column)]


def test_a_missing_status_column_refuses_the_file():
    with pytest.raises(ImportFileError, match="colonne statut"):
        parse_returns(
            b"finess;facture;payeur;organisme;date_retour\n690001235;000123456;AMO;016912345;09/01/2024",
            expected_finess=FINESS,
        )
