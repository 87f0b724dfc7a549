from datetime import date
from decimal import Decimal

import pytest

from claims.parsers.text import normalize_header, parse_date, parse_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56\u00a0€", "1234.56"),
        ("1\u202f234,56 €", "1234.56"),
        ("-12,5", "-12.5"),
        ("\u221212,50 €", "-12.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("0", "0"),
        ("12,50-", "-12.50"),
    ],
)
def test_it_reads_french_and_plain_decimals(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12,34,56", "1 2a", "--3"])
def test_it_refuses_unreadable_decimals_in_french(text):
    with pytest.raises(ValueError, match="montant illisible"):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/01/2024", date(2024, 1, 5)),
        ("5/1/2024", date(2024, 1, 5)),
        ("05/01/24", date(2024, 1, 5)),
        ("2024-01-05", date(2024, 1, 5)),
        ("2024-01-05 00:00:00", date(2024, 1, 5)),
    ],
)
def test_it_reads_the_three_date_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "2024/13/01", "", "05012024", "5 janvier"])
def test_it_refuses_invalid_dates_in_french(text):
    with pytest.raises(ValueError, match="date invalide"):
        parse_date(text)


def test_header_names_ignore_case_accents_and_separators():
    assert normalize_header("\ufeffDate-Soins ") == "date_soins"
    assert normalize_header("DATE SOINS") == "date_soins"
    assert normalize_header("Opérateur") == "operateur"
    assert normalize_header("montant_payé") == "montant_paye"
