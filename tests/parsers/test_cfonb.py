"""CFONB 120: the three real files, values read by hand from them; then broken files."""

from datetime import date
from decimal import Decimal

import pytest

from core.problems import ImportFileError
from payments.parsers.cfonb import decode_amount, parse_cfonb

from .conftest import SHARED_DATA

CFONB = SHARED_DATA / "cfonb"


def amounts(statement):
    return [line.amount for line in statement.lines]


@pytest.mark.parametrize(
    ("field", "decimals", "expected"),
    [
        ("0000000001904}", "2", "-190.40"),
        ("0000000000322J", "2", "-32.21"),
        ("0000000000974I", "2", "97.49"),
        ("0000000040000{", "2", "4000.00"),
        ("0000000118711D", " ", "11871.14"),  # blank decimals count: euros have 2
        ("0000000001637K", "2", "-163.72"),
        ("0000000000123R", "0", "-1239"),
    ],
)
def test_over_punched_amounts(field, decimals, expected):
    assert decode_amount(field, decimals) == Decimal(expected)


def test_akretion_file_letter_key_account_and_balance_gap():
    result = parse_cfonb((CFONB / "akretion-bank_statement.cfo").read_bytes())
    (statement,) = result.rows
    assert statement.account_id == "30002/00447/0000888899H"
    assert statement.currency == "EUR"  # from the 04 records: the 01 leaves it blank
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("0.08"),
        Decimal("11871.14"),
    )
    assert (statement.start_date, statement.end_date) == (date(2011, 9, 16), date(2011, 9, 16))
    assert amounts(statement) == [
        Decimal("-2000.00"),
        Decimal("-1000.00"),
        Decimal("4000.00"),
        Decimal("-3000.00"),
    ]
    assert [line.label for line in statement.lines] == [
        "LCL20000000142",
        "LCL20000000141",
        "LCL20000000144",
        "LCL20000000143",
    ]
    assert {line.booking_date for line in statement.lines} == {date(2011, 8, 21)}
    assert [line.value_date for line in statement.lines] == [
        date(2011, 9, 23),
        date(2011, 9, 21),
        date(2011, 10, 2),
        date(2011, 10, 1),
    ]
    # This real file's balances do not add up: 0,08 − 2 000,00 ≠ 11 871,14.
    (problem,) = result.problems
    assert problem.line == 6
    assert "compte 30002/00447/0000888899H" in problem.message
    assert "écart 13\u202f871,06" in problem.message


def test_pennylane_example_two_accounts_complements_and_blank_lines():
    result = parse_cfonb((CFONB / "pennylane-example.txt").read_bytes())
    assert result.problems == []  # both statements add up
    first, second = result.rows

    assert first.account_id == "15589/00000/98765432100"
    assert (first.opening_balance, first.closing_balance) == (
        Decimal("-190.40"),
        Decimal("-241.21"),
    )
    assert (first.start_date, first.end_date) == (date(2019, 5, 15), date(2019, 5, 16))
    assert amounts(first) == [Decimal("-32.21"), Decimal("-10.70"), Decimal("-7.90")]
    direct_debit, transfer, fee = first.lines
    assert direct_debit.label == "PRLV SEPA TEST CABINET"
    assert direct_debit.booking_date == date(2019, 5, 16)
    assert direct_debit.bank_reference is None
    assert direct_debit.details["LIB"] == ["MENSUEAUHTR13133", "MENSUEAUHTR13DUP"]
    assert direct_debit.details["NPY"] == "INTERNET SFR"
    assert direct_debit.details["REF"] == "REFERENCE"
    assert direct_debit.details["RCN"].startswith("OTHER REFERENCE")
    # Unknown qualifiers are kept too.
    assert direct_debit.details["BBB"] == "INTERNETE BBB"
    assert direct_debit.details["N Y"] == "EXAMPLE WITH EMPTY SPACE"
    assert (transfer.label, transfer.bank_reference) == ("VIR SEPA DEMONSTRATION", "REFERENCE")
    assert transfer.details["NPY"] == "ELEC ERDF"
    assert (fee.label, fee.booking_date) == ("F COMMISSION D INTERVENTION", date(2019, 5, 15))

    assert second.account_id == "18706/00000/00123456789"
    assert (second.opening_balance, second.closing_balance) == (
        Decimal("-241.21"),
        Decimal("-163.72"),
    )
    assert amounts(second) == [Decimal("97.49"), Decimal("-12.10"), Decimal("-7.90")]
    credit = second.lines[0]
    assert (credit.booking_date, credit.value_date) == (date(2019, 5, 17), date(2019, 5, 15))
    assert credit.label == "PRLV SEPA GROUPAMA CEN"
    assert credit.details["LIB"] == ["P051928612   22793301700040"]


def test_pennylane_operation_movement_without_balances():
    result = parse_cfonb((CFONB / "pennylane-operation.txt").read_bytes())
    assert result.problems == []
    (statement,) = result.rows
    assert (statement.opening_balance, statement.closing_balance) == (None, None)
    (line,) = statement.lines
    assert (line.amount, line.booking_date, line.label) == (
        Decimal("-32.21"),
        date(2019, 5, 16),
        "PRLV SEPA TEST CABINET",
    )
    assert line.details["NPY"] == "INTERNET SFR"


def test_a_file_without_line_breaks_is_cut_every_120_characters():
    lines = [bl for bl in (CFONB / "pennylane-example.txt").read_text().splitlines() if bl.strip()]
    assert all(len(bl) == 120 for bl in lines)
    result = parse_cfonb("".join(lines).encode())
    assert result.problems == []
    assert [amounts(s) for s in result.rows] == [
        [Decimal("-32.21"), Decimal("-10.70"), Decimal("-7.90")],
        [Decimal("97.49"), Decimal("-12.10"), Decimal("-7.90")],
    ]


def test_a_truncated_line_refuses_the_file_naming_the_line():
    lines = (CFONB / "akretion-bank_statement.cfo").read_text().splitlines()
    lines[2] = lines[2][:80]
    with pytest.raises(ImportFileError) as error:
        parse_cfonb("\r\n".join(lines).encode())
    assert str(error.value) == "ligne 3 : ligne tronquée : 80 caractères au lieu de 120"


def test_a_complement_before_any_movement_refuses_the_file():
    lines = (CFONB / "pennylane-example.txt").read_text().splitlines()
    with pytest.raises(ImportFileError) as error:
        parse_cfonb("\n".join([lines[0], lines[3]]).encode())
    assert str(error.value) == "ligne 2 : complément (05) sans mouvement (04) avant lui"


def test_balances_that_do_not_add_up_name_the_account_and_the_gap():
    text = (CFONB / "pennylane-example.txt").read_text()
    text = text.replace(
        "0000000002412J                \n\n\n", "0000000002413J                \n\n\n"
    )
    result = parse_cfonb(text.encode())
    (problem,) = result.problems
    assert problem.line == 21  # the 07 record
    assert problem.message == (
        "compte 15589/00000/98765432100 : les soldes ne concordent pas — ancien solde -190,40 "
        "+ mouvements -50,81 = -241,21, nouveau solde -241,31 (écart -0,10)"
    )


def test_identical_lines_get_their_position():
    lines = (CFONB / "pennylane-operation.txt").read_text().splitlines()
    result = parse_cfonb("\n".join([lines[0], lines[0], lines[0]]).encode())
    assert [line.position for line in result.rows[0].lines] == [0, 1, 2]


def test_an_unknown_record_is_refused():
    with pytest.raises(ImportFileError, match="enregistrement « 09 » inconnu"):
        parse_cfonb(b"09" + b" " * 118)
