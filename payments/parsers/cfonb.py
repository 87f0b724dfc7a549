"""CFONB 120 bank statements (relevé de compte 120 caractères) → `BankStatement`.

Records: `01` old balance, `04` movement, `05` complement of the `04` above
(qualifier + 70 characters), `07` new balance. Positions are those of the
CFONB brochure (1-based in comments, 0-based in slices). Amounts are 14
characters, the last one over-punched with the sign and last digit, the
number of decimals at position 20.

Liberal on layout (blank lines, `\\r\\n`, no line breaks at all with or without
a final newline, `01`/`07` without currency or decimals), exact on structure and
length: every record is 120 characters (a shorter one, even by trailing blanks,
is refused: its missing end would be read as blanks, a cut reference would make
a later complete file create the line again); each account's statement is
`01` … `04`/`05` … `07` (a `04` or `07` outside a statement, a `01` before the
previous one is closed, a file ending inside a statement are refused, naming
the line); an unknown record or a `05` with no `04` refuses the file; a bad
amount or date is a problem on its line; balances that do not add up are a
problem naming the account and the gap.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.money import quantize_money
from core.problems import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    ParseResult,
    Problem,
    check_size,
)
from core.text import decode_bytes
from payments.parsers.statement import BankLine, BankStatement, finish_statement

RECORD_LENGTH = 120
RECORD_CODES = frozenset({"01", "04", "05", "07"})

_OVERPUNCH = {"{": (1, 0), "}": (-1, 0)}
_OVERPUNCH.update({chr(ord("A") + i): (1, i + 1) for i in range(9)})
_OVERPUNCH.update({chr(ord("J") + i): (-1, i + 1) for i in range(9)})
_OVERPUNCH.update({str(i): (1, i) for i in range(10)})  # unsigned last digit: some banks


def split_records(text: str) -> list[tuple[int, str]]:
    """(line number, record) for every non-blank line; a file without line breaks is cut every 120.

    One final line break (or several) does not make a one-line file a file of lines.
    """
    text = text.rstrip("\r\n")
    if "\n" not in text and "\r" not in text and len(text) > RECORD_LENGTH:
        return [
            (i // RECORD_LENGTH + 1, text[i : i + RECORD_LENGTH])
            for i in range(0, len(text), RECORD_LENGTH)
            if text[i : i + RECORD_LENGTH].strip()
        ]
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def decode_amount(field: str, decimals: str) -> Decimal:
    """14 characters, sign over-punched on the last one: `0000000001904}` with 2 decimals → -190.40.

    A fixed-point decoder of the CFONB layout, not a reader of typed amounts (that is
    core.money.parse_amount); its value is rounded like every amount (quantize_money).
    """
    digits, punch = field[:-1], field[-1:]
    if len(field) != 14 or not (digits.isascii() and digits.isdigit()) or punch not in _OVERPUNCH:
        raise ValueError(f"montant illisible « {field} »")
    sign, last = _OVERPUNCH[punch]
    # Position 20 is blank in some 01/07 records (seen in real files): euros have 2.
    places = int(decimals) if decimals in "0123456789" and decimals else 2
    return quantize_money(sign * Decimal(f"{digits}{last}").scaleb(-places))


def parse_date(field: str) -> date:
    """`JJMMAA` → date (20AA)."""
    try:
        if len(field) == 6 and field.isascii() and field.isdigit():
            return date(2000 + int(field[4:6]), int(field[2:4]), int(field[0:2]))
    except ValueError:
        pass
    raise ValueError(f"date invalide « {field} » (attendu JJMMAA)")


def _account(record: str) -> tuple[str, str]:
    """(display id bank/guichet/account, account number alone)."""
    number = record[21:32].strip()
    return f"{record[2:7]}/{record[11:16]}/{number}", number


def parse_cfonb(data: bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> ParseResult[BankStatement]:
    check_size(len(data), max_bytes=max_bytes)
    records = split_records(decode_bytes(data))
    if not records:
        raise ImportFileError("Le fichier est vide.")

    result: ParseResult[BankStatement] = ParseResult()
    problems = result.problems
    current: BankStatement | None = None  # the statement opened by a 01, until its 07
    current_number = ""
    opened_at = 0  # line of the open statement's 01
    closed_at = 0  # line of the last 07
    last_line: BankLine | None = None
    after_bad_movement = False  # its 05 complements are skipped, not refused

    def refuse(n: int, message: str) -> ImportFileError:
        return ImportFileError(Problem(n, None, message))

    for n, raw in records:
        record = raw.rstrip("\r\n")
        code = record[:2]
        if code not in RECORD_CODES:
            raise refuse(
                n,
                f"enregistrement « {code} » inconnu (attendu 01, 04, 05 ou 07) : "
                "ce n'est pas un relevé CFONB 120",
            )
        if len(record) > RECORD_LENGTH:
            if record[RECORD_LENGTH:].strip():
                raise refuse(n, f"{len(record)} caractères au lieu de 120")
            record = record[:RECORD_LENGTH]
        if len(record) < RECORD_LENGTH:
            raise refuse(n, f"ligne tronquée : {len(record)} caractères au lieu de 120")
        account_id, number = _account(record)
        currency = record[16:19].strip() or None
        decimals = record[19]

        if code == "01":
            if current is not None:
                raise refuse(
                    n,
                    f"ancien solde (01) du compte {account_id} alors que le relevé du compte "
                    f"{current.account_id} ouvert ligne {opened_at} n'est pas clos par un "
                    "nouveau solde (07)",
                )
            last_line, after_bad_movement = None, False
            current_number, opened_at = number, n
            current = BankStatement(account_id, currency, None, None, None, None)
            try:
                current.opening_balance = decode_amount(record[90:104], decimals)
                current.start_date = parse_date(record[34:40])
            except ValueError as e:
                problems.append(Problem(n, None, f"ancien solde : {e}"))

        elif code == "04":
            if current is None:
                where = (
                    f"après le nouveau solde (07) ligne {closed_at} qui a clos le relevé"
                    if closed_at
                    else "sans ancien solde (01) avant lui"
                )
                raise refuse(n, f"mouvement (04) du compte {account_id} hors relevé : {where}")
            if number != current_number:
                raise refuse(
                    n,
                    f"mouvement (04) du compte {account_id} dans le relevé du compte "
                    f"{current.account_id} ouvert ligne {opened_at}",
                )
            current.currency = current.currency or currency
            last_line, after_bad_movement = None, False
            try:
                amount = decode_amount(record[90:104], decimals)
                booking = parse_date(record[34:40])
                value = parse_date(record[42:48]) if record[42:48].strip() else None
            except ValueError as e:
                problems.append(Problem(n, None, str(e)))
                after_bad_movement = True
                continue
            details: dict = {"operation_code": record[32:34].strip()}
            if reject := record[40:42].strip():
                details["reject_code"] = reject
            last_line = BankLine(
                booking_date=booking,
                value_date=value,
                amount=amount,
                label=" ".join(record[48:79].split()),
                bank_reference=record[104:120].strip() or None,
                details=details,
                source_line=n,
            )
            current.lines.append(last_line)

        elif code == "05":
            if last_line is None:
                if after_bad_movement:
                    continue
                raise refuse(n, "complément (05) sans mouvement (04) avant lui")
            qualifier, info = record[45:48].strip(), record[48:118].strip()
            if not info:
                continue
            if qualifier == "LIB":
                last_line.details.setdefault("LIB", []).append(info)
            elif qualifier in last_line.details:
                # A long value goes on in the next 05 with the same qualifier.
                last_line.details[qualifier] += " " + info
            else:
                last_line.details[qualifier] = info

        else:  # 07
            if current is None:
                raise refuse(
                    n, f"nouveau solde (07) du compte {account_id} sans ancien solde (01) avant lui"
                )
            if number != current_number:
                raise refuse(
                    n,
                    f"nouveau solde (07) du compte {account_id} pour le relevé du compte "
                    f"{current.account_id} ouvert ligne {opened_at}",
                )
            current.currency = current.currency or currency
            try:
                current.closing_balance = decode_amount(record[90:104], decimals)
                current.end_date = parse_date(record[34:40])
            except ValueError as e:
                problems.append(Problem(n, None, f"nouveau solde : {e}"))
            problems.extend(finish_statement(current, line=n))
            result.rows.append(current)
            current, current_number, closed_at = None, "", n
            last_line, after_bad_movement = None, False

    if current is not None:
        raise refuse(
            opened_at,
            f"relevé du compte {current.account_id} sans nouveau solde (07) : "
            "le fichier est incomplet",
        )
    return result
