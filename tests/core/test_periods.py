"""core.periods: month arithmetic and `AAAA-MM` reading (pure, no database)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.periods import (
    add_months,
    first_of_month,
    last_of_month,
    month_range,
    parse_month,
    previous_month,
)

D = dt.date


def test_month_arithmetic_crosses_years():
    assert first_of_month(D(2026, 10, 17)) == D(2026, 10, 1)
    assert add_months(D(2026, 11, 1), 2) == D(2027, 1, 1)
    assert add_months(D(2026, 1, 1), -1) == D(2025, 12, 1)
    assert add_months(D(2026, 3, 1), -27) == D(2023, 12, 1)
    assert previous_month(D(2026, 1, 15)) == D(2025, 12, 1)
    assert last_of_month(D(2024, 2, 1)) == D(2024, 2, 29)
    assert last_of_month(D(2026, 12, 1)) == D(2026, 12, 31)
    assert last_of_month(D(9999, 12, 1)) == D(9999, 12, 31)
    assert month_range(D(2025, 11, 20), D(2026, 2, 3)) == [
        D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)
    ]
    assert month_range(D(2026, 3, 1), D(2026, 2, 1)) == []
    assert month_range(D(9999, 11, 1), D(9999, 12, 31)) == [D(9999, 11, 1), D(9999, 12, 1)]


@pytest.mark.parametrize(("month", "count"), [(D(1, 1, 1), -1), (D(9999, 12, 1), 1)])
def test_leaving_the_calendar_is_a_french_value_error(month, count):
    with pytest.raises(ValueError, match="mois hors du calendrier"):
        add_months(month, count)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-10", D(2026, 10, 1)), (" 2026-01 ", D(2026, 1, 1)), ("2026-1", D(2026, 1, 1)),
     ("0001-01", D(1, 1, 1)), ("9999-12", D(9999, 12, 1))],
)
def test_it_reads_a_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["", "2026", "2026-13", "2026-00", "0000-05", "26-10", "2026-10-01",
                                  "octobre", "２０２６-10", "2026-1O"])
def test_an_unreadable_month_is_a_french_value_error(text):
    with pytest.raises(ValueError, match="illisible"):
        parse_month(text)


@given(st.dates(min_value=D(2, 1, 1), max_value=D(9998, 12, 31)), st.integers(-12, 12))
def test_adding_then_removing_months_comes_back(day, count):
    month = first_of_month(day)
    assert add_months(add_months(month, count), -count) == month
    assert parse_month(f"{month.year:04d}-{month.month:02d}") == month
    assert add_months(month, 1) == last_of_month(month) + dt.timedelta(days=1)


def test_a_month_outside_what_can_be_shown_is_a_french_value_error():
    from core.periods import FIRST_MONTH, check_month

    today = D(2026, 11, 23)
    assert check_month(D(2026, 11, 1), latest=today) == D(2026, 11, 1)
    assert check_month(FIRST_MONTH, latest=today) == FIRST_MONTH
    for month in (parse_month("0001-01"), parse_month("9999-12"), D(2026, 12, 1), D(1999, 12, 1)):
        with pytest.raises(ValueError, match=r"hors de la période possible \(de 01/2000 à 11/2026\)"):
            check_month(month, latest=today)
