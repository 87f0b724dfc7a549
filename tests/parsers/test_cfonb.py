"""CFONB 120: the three real files, values read by hand from them; then broken files."""

from datetime import date
from decimal import Decimal

import pytest

from core.formats import detect_format
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


def test_pennylane_operation_a_movement_without_its_statement_is_refused():
    # The file is one 04 and its 05s, no 01 before nor 07 after: until issue 19 it was read
    # as a statement without balances; a movement outside any statement is now refused.
    with pytest.raises(ImportFileError) as error:
        parse_cfonb((CFONB / "pennylane-operation.txt").read_bytes())
    assert str(error.value) == (
        "ligne 1 : mouvement (04) du compte 15589/00000/98765432100 hors relevé : "
        "sans ancien solde (01) avant lui"
    )


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
    lines = (CFONB / "akretion-bank_statement.cfo").read_text().splitlines()
    result = parse_cfonb("\n".join([lines[0], lines[1], lines[1], lines[1], lines[5]]).encode())
    assert [line.position for line in result.rows[0].lines] == [0, 1, 2]


def test_an_unknown_record_is_refused():
    with pytest.raises(ImportFileError, match="enregistrement « 09 » inconnu"):
        parse_cfonb(b"09" + b" " * 118)


# --- the statement structure (issue 19): each account's 01 … 04/05 … 07 -----------------

def akretion() -> list[str]:
    """01, four 04, 07 of one account (all 120 characters)."""
    return (CFONB / "akretion-bank_statement.cfo").read_text().splitlines()


def refusal(records: list[str]) -> str:
    with pytest.raises(ImportFileError) as error:
        parse_cfonb("\r\n".join(records).encode())
    return str(error.value)


def test_a_movement_before_any_opening_balance_is_refused():
    records = akretion()
    assert refusal(records[1:]) == (
        "ligne 1 : mouvement (04) du compte 30002/00447/0000888899H hors relevé : "
        "sans ancien solde (01) avant lui"
    )


def test_a_movement_after_the_closing_balance_is_refused():
    records = akretion()
    assert refusal(records + [records[2]]) == (
        "ligne 7 : mouvement (04) du compte 30002/00447/0000888899H hors relevé : "
        "après le nouveau solde (07) ligne 6 qui a clos le relevé"
    )


def test_a_closing_balance_without_an_opening_one_is_refused():
    records = akretion()
    assert refusal([records[5]]) == (
        "ligne 1 : nouveau solde (07) du compte 30002/00447/0000888899H "
        "sans ancien solde (01) avant lui"
    )


def test_an_opening_balance_before_the_previous_statement_is_closed_is_refused():
    records = akretion()
    assert refusal(records[:3] + records) == (
        "ligne 4 : ancien solde (01) du compte 30002/00447/0000888899H alors que le relevé "
        "du compte 30002/00447/0000888899H ouvert ligne 1 n'est pas clos par un nouveau solde (07)"
    )


def test_a_file_ending_inside_a_statement_is_refused():
    assert refusal(akretion()[:5]) == (
        "ligne 1 : relevé du compte 30002/00447/0000888899H sans nouveau solde (07) : "
        "le fichier est incomplet"
    )


def test_a_movement_of_another_account_inside_a_statement_is_refused():
    records = akretion()
    records[2] = records[2][:21] + "00000000001" + records[2][32:]
    assert refusal(records) == (
        "ligne 3 : mouvement (04) du compte 30002/00447/00000000001 dans le relevé du compte "
        "30002/00447/0000888899H ouvert ligne 1"
    )


@pytest.mark.parametrize("length", [104, 110, 119])
def test_a_record_cut_anywhere_short_of_120_is_refused(length):
    records = akretion()
    records[2] = records[2][:length]
    assert refusal(records) == f"ligne 3 : ligne tronquée : {length} caractères au lieu de 120"


def test_a_record_that_lost_its_trailing_blanks_is_refused():
    records = akretion()
    records[0] = records[0].rstrip()
    assert len(records[0]) < 120
    assert refusal(records) == f"ligne 1 : ligne tronquée : {len(records[0])} caractères au lieu de 120"


@pytest.mark.parametrize("end", ["", "\n", "\r\n", "\n\n"])
def test_a_file_without_line_breaks_is_read_with_or_without_a_final_newline(end):
    data = ("".join(akretion()) + end).encode()
    assert detect_format(data) == "cfonb"
    result = parse_cfonb(data)
    assert [line.label for line in result.rows[0].lines] == [
        "LCL20000000142", "LCL20000000141", "LCL20000000144", "LCL20000000143"
    ]


def test_a_file_without_line_breaks_cut_short_is_refused_at_its_last_record():
    data = "".join(akretion())[:-7].encode()
    with pytest.raises(ImportFileError) as error:
        parse_cfonb(data)
    assert str(error.value) == "ligne 6 : ligne tronquée : 113 caractères au lieu de 120"


def test_the_balance_check_is_kept_under_the_structure():
    result = parse_cfonb((CFONB / "akretion-bank_statement.cfo").read_bytes())
    assert [p.line for p in result.problems] == [6]
    assert "les soldes ne concordent pas" in result.problems[0].message
