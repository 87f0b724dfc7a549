"""Bank statement as CSV: `date;libelle;montant` (credit positive), the CSV rules of
`core.text` (encoding, separator, headers, French numbers and dates).

Optional columns read when present: `date_valeur`, `reference`, `compte`.
The file carries no balances: one statement per `compte` value (or one).
"""

from __future__ import annotations

from core.money import parse_decimal
from core.problems import MAX_IMPORT_BYTES, ParseResult, Problem, check_size
from core.text import CsvFile, parse_date
from payments.parsers.statement import BankLine, BankStatement, finish_statement

BANK_CSV_COLUMNS = {
    "date": True,
    "libelle": True,
    "montant": True,
    "date_valeur": False,
    "reference": False,
    "compte": False,
}


def parse_bank_csv(data: bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> ParseResult[BankStatement]:
    check_size(len(data), max_bytes=max_bytes)
    csv_file = CsvFile(data, columns=BANK_CSV_COLUMNS)
    ix = csv_file.index
    # The required columns have a position: CsvFile refused a header without one.
    at = {name: ix[name] or 0 for name in ("date", "montant", "libelle")}
    result: ParseResult[BankStatement] = ParseResult()
    statements: dict[str, BankStatement] = {}

    for row in csv_file.rows():
        if isinstance(row, Problem):
            result.problems.append(row)
            continue
        line, f = row
        problems = []
        try:
            booking = parse_date(f[at["date"]])
        except ValueError as e:
            problems.append(Problem(line, "date", str(e)))
        try:
            amount = parse_decimal(f[at["montant"]])
        except ValueError as e:
            problems.append(Problem(line, "montant", str(e)))
        value_date = None
        if (value_at := ix["date_valeur"]) is not None and f[value_at].strip():
            try:
                value_date = parse_date(f[value_at])
            except ValueError as e:
                problems.append(Problem(line, "date_valeur", str(e)))
        label = " ".join(f[at["libelle"]].split())
        if not label:
            problems.append(Problem(line, "libelle", "valeur obligatoire manquante"))
        if problems:
            result.problems.extend(problems)
            continue
        account = f[ix["compte"]].strip() if ix["compte"] is not None else ""
        statement = statements.setdefault(
            account, BankStatement(account, None, None, None, None, None)
        )
        reference = f[ix["reference"]].strip() if ix["reference"] is not None else ""
        statement.lines.append(
            BankLine(
                booking_date=booking,
                value_date=value_date,
                amount=amount,
                label=label,
                bank_reference=reference or None,
                source_line=line,
            )
        )

    for statement in statements.values():
        result.problems.extend(finish_statement(statement))
        result.rows.append(statement)
    return result
