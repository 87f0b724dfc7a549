from datetime import date

import pytest

from core.text import normalize_header, parse_date


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
