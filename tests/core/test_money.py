"""core.money: the one French amount parser and formatter (pure, no database)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import (
    MONEY_MAX,
    format_decimal,
    format_euros,
    format_percent,
    parse_amount,
    parse_decimal,
    quantize_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56\u00a0€", "1234.56"),
        ("1\u202f234,56 €", "1234.56"),
        ("1 234,56 €", "1234.56"),
        ("-12,5", "-12.5"),
        ("-12,30", "-12.30"),
        ("+3", "3"),
        ("1234,5", "1234.5"),
        ("\u221212,50 €", "-12.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567", "1234567"),
        ("1.234", "1.234"),  # one separator is always the decimal mark (see core/money.py)
        ("(12,00)", "-12.00"),
        ("0", "0"),
        ("12,50-", "-12.50"),
        ("12,50 EUR", "12.50"),
    ],
)
def test_it_reads_french_and_plain_decimals(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "  ", "abc", "12,34,56", "1 2a", "--3", "NaN", "Infinity", "1e5", "12.34.5", "€"]
)
def test_it_refuses_unreadable_amounts_in_french(text):
    with pytest.raises(ValueError, match="montant illisible"):
        parse_decimal(text)
    with pytest.raises(ValueError, match="montant illisible"):
        parse_amount(text)


def test_a_typed_amount_accepts_thousands_dots():
    """The manual link form used to refuse `1.234,56` (bug fixed by the one parser)."""
    assert parse_amount("1.234,56") == Decimal("1234.56")
    assert parse_amount("1 234,56 €") == Decimal("1234.56")


@pytest.mark.parametrize("text", ["0,125", "2,675", "1,234", "-0,005", "12,3456", "0.125"])
def test_a_typed_amount_finer_than_the_cent_is_refused_not_rounded(text):
    """A person's 0,125 is not silently made 0,13: they say which cent they mean."""
    with pytest.raises(ValueError, match="au centime près"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1.234", "12.500", "-3.000"])
def test_a_typed_amount_that_may_be_thousands_is_refused_as_ambiguous(text):
    """A French user's `1.234` may mean 1 234 €: it is neither read as 1,23 € nor guessed."""
    with pytest.raises(ValueError, match="montant ambigu"):
        parse_amount(text)


def test_an_import_file_still_reads_a_lone_separator_as_the_decimal_mark():
    assert parse_decimal("1.234") == Decimal("1.234")
    assert quantize_money(parse_decimal("0,125")) == Decimal("0.13")


def test_a_typed_amount_must_fit_the_money_column():
    assert parse_amount("9 999 999 999,99") == MONEY_MAX
    with pytest.raises(ValueError, match="montant trop grand"):
        parse_amount("10 000 000 000,00")


def test_the_formatter_writes_french_text():
    assert format_euros(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert format_euros(Decimal("-1234567.005")) == "-1\u202f234\u202f567,01\u00a0€"
    assert format_euros(Decimal("-0.004")) == "0,00\u00a0€"  # no "-0,00"
    assert format_euros("abc") == "" and format_euros(None) == ""
    assert format_euros(Decimal("NaN")) == ""
    assert format_decimal(2100, 0) == "2\u202f100"
    assert format_decimal(Decimal("12.25"), 1) == "12,3"
    assert format_percent(0.025) == "2,5\u00a0%"
    assert format_percent(Decimal("0.12345"), 2) == "12,35\u00a0%"


def test_quantize_money_is_half_up_away_from_zero():
    assert quantize_money(Decimal("2.345")) == Decimal("2.35")
    assert quantize_money(Decimal("-2.345")) == Decimal("-2.35")


cents = st.integers(min_value=-int(MONEY_MAX * 100), max_value=int(MONEY_MAX * 100))


@given(cents)
def test_format_then_parse_gives_the_amount_back(n):
    amount = Decimal(n).scaleb(-2)
    assert parse_amount(format_euros(amount)) == amount
    assert parse_decimal(format_decimal(amount)) == amount


@given(st.decimals(min_value=-MONEY_MAX, max_value=MONEY_MAX, allow_nan=False, places=2))
def test_a_typed_amount_is_kept_as_the_screen_shows_it(value):
    """Whatever a person types to the cent, the amount kept is the one the screen shows."""
    typed = format_decimal(value, 2)
    amount = parse_amount(typed)
    assert amount == value
    assert format_euros(amount) == format_euros(value)
