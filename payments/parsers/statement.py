"""The dataclasses every bank parser returns, and the checks they share."""

from __future__ import annotations

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


def finish_statement(statement: BankStatement, *, line: int | None = None) -> list[Problem]:
    """Number identical lines, fill missing dates, and check that balances add up.

    `line` is where to point a balance problem (the closing record in CFONB).
    """
    seen: Counter = Counter()
    for bank_line in statement.lines:
        key = (bank_line.booking_date, bank_line.amount, bank_line.label)
        bank_line.position = seen[key]
        seen[key] += 1
    dates = [bank_line.booking_date for bank_line in statement.lines]
    if dates:
        statement.start_date = statement.start_date or min(dates)
        statement.end_date = statement.end_date or max(dates)
    if statement.opening_balance is None or statement.closing_balance is None:
        return []
    movements = sum((bank_line.amount for bank_line in statement.lines), Decimal(0))
    expected = statement.opening_balance + movements
    if expected == statement.closing_balance:
        return []
    fr = format_decimal
    return [
        Problem(
            line,
            None,
            f"compte {statement.account_id} : les soldes ne concordent pas — ancien solde "
            f"{fr(statement.opening_balance)} + mouvements {fr(movements)} = {fr(expected)}, "
            f"nouveau solde {fr(statement.closing_balance)} "
            f"(écart {fr(statement.closing_balance - expected)})",
        )
    ]
