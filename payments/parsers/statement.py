"""The dataclasses every bank parser returns, and the checks they share."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.money import format_decimal
from core.problems import Problem


@dataclass(slots=True)
class BankLine:
    """One movement. `amount` is signed: credit (money in) positive."""

    booking_date: date
    value_date: date | None
    amount: Decimal
    label: str
    bank_reference: str | None  # the bank's own id for the line (CFONB ref, AcctSvcrRef, FITID)
    details: dict = field(default_factory=dict)  # complements, e.g. {"NPY": "...", "LIB": [...]}
    # Index among lines of the statement with the same (booking_date, amount, label):
    # with the account, the natural key of a line that has no bank reference.
    position: int = 0
    source_line: int | None = None  # line in the file, for messages (None for XML)


@dataclass(slots=True)
class BankStatement:
    account_id: str  # IBAN, or "bank/guichet/account" for CFONB, or OFX BANKID/BRANCHID/ACCTID
    currency: str | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    start_date: date | None
    end_date: date | None
    lines: list[BankLine] = field(default_factory=list)


_FRENCH_IBAN = re.compile(r"FR\d{2}(\d{5})(\d{5})([0-9A-Z]{11})\d{2}")
_RIB = re.compile(r"(\d{5})/(\d{5})/([0-9A-Z]{1,11})")


def account_key(account_id: str) -> str:
    """One name for one account whatever the format says: a French IBAN and the
    CFONB/OFX "bank/branch/account" of the same account give the same key."""
    compact = "".join(account_id.split()).upper()
    if match := _FRENCH_IBAN.fullmatch(compact):
        return "/".join(match.groups())
    if match := _RIB.fullmatch(compact):
        bank, branch, number = match.groups()
        return f"{bank}/{branch}/{number.rjust(11, '0')}"
    return compact


def _period_problems(statement: BankStatement) -> list[Problem]:
    """A line booked outside the period the file itself gives its statement."""
    start, end = statement.start_date, statement.end_date
    problems = []
    for bank_line in statement.lines:
        booked = bank_line.booking_date
        if (start and booked < start) or (end and booked > end):
            problems.append(
                Problem(
                    bank_line.source_line,
                    None,
                    f"opération du {booked:%d/%m/%Y} hors de la période du relevé du compte "
                    f"{statement.account_id} ({_day(start)} au {_day(end)})",
                )
            )
    return problems


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "…"


def finish_statement(
    statement: BankStatement, *, line: int | None = None, check_period: bool = False
) -> list[Problem]:
    """Number identical lines, fill missing dates, and check that balances add up.

    `line` is where to point a balance problem (the closing record in CFONB).
    `check_period`: a line booked outside the period the file gives is a problem. CAMT
    (FrToDt, or its balances' dates) and OFX (DTSTART/DTEND) state a period; CFONB's
    balance dates are not one in real files (akretion's movements are booked a month
    before both its balances, pennylane's a day before its old balance), so it is not asked.
    """
    seen: Counter = Counter()
    for bank_line in statement.lines:
        key = (bank_line.booking_date, bank_line.amount, bank_line.label)
        bank_line.position = seen[key]
        seen[key] += 1
    problems = _period_problems(statement) if check_period else []
    dates = [bank_line.booking_date for bank_line in statement.lines]
    if dates:
        statement.start_date = statement.start_date or min(dates)
        statement.end_date = statement.end_date or max(dates)
    if statement.opening_balance is None or statement.closing_balance is None:
        return problems
    movements = sum((bank_line.amount for bank_line in statement.lines), Decimal(0))
    expected = statement.opening_balance + movements
    if expected == statement.closing_balance:
        return problems
    fr = format_decimal
    return problems + [
        Problem(
            line,
            None,
            f"compte {statement.account_id} : les soldes ne concordent pas — ancien solde "
            f"{fr(statement.opening_balance)} + mouvements {fr(movements)} = {fr(expected)}, "
            f"nouveau solde {fr(statement.closing_balance)} "
            f"(écart {fr(statement.closing_balance - expected)})",
        )
    ]
