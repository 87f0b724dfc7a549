"""OFX bank statements, 1.x (SGML, unclosed leaf tags) and 2.x (XML) → `BankStatement`.

A small tolerant tokenizer rather than `ofxtools`: ofxtools 1.1.1 validates
against the OFX schema and refuses real files (it rejects the OCA sample,
which repeats `BANKTRANLIST` inside one `STMTRS`), and we only need a dozen
elements. One reader serves both versions: a tag followed by text is a leaf
(its closing tag, present in XML and absent in SGML, is ignored); a tag
followed by another tag opens an aggregate.

Reads `STMTRS` and `CCSTMTRS`: `CURDEF`, `BANKACCTFROM`/`CCACCTFROM`,
`BANKTRANLIST` (`DTSTART`, `DTEND`, `STMTTRN`: `DTPOSTED`, `DTAVAIL`,
`TRNAMT`, `FITID`, `NAME`, `MEMO`, `TRNTYPE`), `LEDGERBAL` (closing balance;
OFX gives no opening balance, so nothing to reconcile). A FITID repeated in
the file is a problem and the repeated line is left out.
"""

from __future__ import annotations

import re
from datetime import date

from core.money import parse_decimal
from core.problems import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    ParseResult,
    Problem,
    check_size,
)
from core.text import decode_bytes
from payments.parsers.camt import refuse_declarations
from payments.parsers.statement import BankLine, BankStatement, finish_statement

_TOKEN = re.compile(r"<(/?)([A-Za-z0-9._]+)[^>]*>([^<]*)")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&nbsp;": " "}
_ENTITY = re.compile("|".join(_ENTITIES))
_LEAVES = frozenset(  # known leaves: empty in SGML they must not open an aggregate
    {
        "TRNTYPE",
        "DTPOSTED",
        "DTUSER",
        "DTAVAIL",
        "TRNAMT",
        "FITID",
        "NAME",
        "MEMO",
        "CHECKNUM",
        "REFNUM",
        "BANKID",
        "BRANCHID",
        "ACCTID",
        "ACCTTYPE",
        "CURDEF",
        "DTSTART",
        "DTEND",
        "BALAMT",
        "DTASOF",
        "CODE",
        "SEVERITY",
        "MESSAGE",
        "TRNUID",
        "DTSERVER",
        "LANGUAGE",
    }
)
_STATEMENTS = frozenset({"STMTRS", "CCSTMTRS"})
_ACCOUNT_PARENTS = frozenset({"BANKACCTFROM", "CCACCTFROM"})
_TRANSACTION_FIELDS = frozenset(
    {
        "TRNTYPE",
        "DTPOSTED",
        "DTUSER",
        "DTAVAIL",
        "TRNAMT",
        "FITID",
        "NAME",
        "MEMO",
        "CHECKNUM",
        "REFNUM",
    }
)


def parse_ofx_date(value: str) -> date:
    """`20130831165153.000[-8:PST]` → 2013-08-31 (the day is what the bank booked)."""
    try:
        return date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise ValueError(f"date invalide « {value} » (attendu AAAAMMJJ)") from None


def parse_ofx(data: bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> ParseResult[BankStatement]:
    check_size(len(data), max_bytes=max_bytes)
    if not data.strip():
        raise ImportFileError("Le fichier est vide.")
    refuse_declarations(data)
    text = decode_bytes(data)
    start = text.upper().find("<OFX>")
    if start < 0:
        raise ImportFileError("Ce fichier n'est pas un relevé OFX (balise <OFX> absente).")

    result: ParseResult[BankStatement] = ParseResult()
    stack: list[str] = []
    statement: dict | None = None
    transaction: dict | None = None
    fitid_lines: dict[str, int] = {}
    line, scanned = text.count("\n", 0, start) + 1, start

    for match in _TOKEN.finditer(text, start):
        line += text.count("\n", scanned, match.start())
        scanned = match.start()
        closing, tag, value = match.group(1), match.group(2).upper(), match.group(3).strip()
        if closing:
            if tag not in stack:
                continue  # the closing tag of a leaf (XML) or a stray one
            while stack:
                done = stack.pop()
                if done == "STMTTRN" and transaction is not None and statement is not None:
                    _add_transaction(transaction, statement, fitid_lines, result.problems)
                    transaction = None
                elif done in _STATEMENTS and statement is not None:
                    result.rows.append(_finish(statement, result.problems))
                    statement = None
                if done == tag:
                    break
            continue
        if not value and tag not in _LEAVES:  # an aggregate opens
            stack.append(tag)
            if tag in _STATEMENTS:
                statement = {"lines": [], "line": line}
            elif tag == "STMTTRN":
                transaction = {"line": line}
            continue
        value = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], value)
        parent = stack[-1] if stack else ""
        if statement is None:
            continue
        if parent == "STMTTRN" and tag in _TRANSACTION_FIELDS and transaction is not None:
            transaction[tag] = value
        elif parent == "PAYEE" and tag == "NAME" and transaction is not None:
            transaction.setdefault("NAME", value)
        elif parent in _ACCOUNT_PARENTS and tag in ("BANKID", "BRANCHID", "ACCTID"):
            statement[tag] = value
        elif tag == "CURDEF":
            statement["CURDEF"] = value
        elif parent == "BANKTRANLIST" and tag in ("DTSTART", "DTEND"):
            # A file may repeat BANKTRANLIST: keep the widest period.
            statement.setdefault(tag, []).append(value)
        elif parent == "LEDGERBAL" and tag in ("BALAMT", "DTASOF"):
            statement[tag] = value

    if statement is not None:  # an SGML file cut before its closing tags
        result.rows.append(_finish(statement, result.problems))
    if not result.rows:
        raise ImportFileError("Relevé OFX sans compte (ni STMTRS ni CCSTMTRS).")
    return result


def _add_transaction(
    tx: dict, statement: dict, fitid_lines: dict[str, int], problems: list[Problem]
) -> None:
    line = tx["line"]
    try:
        amount = parse_decimal(tx.get("TRNAMT", ""))
        booking = parse_ofx_date(tx.get("DTPOSTED", ""))
        value_date = parse_ofx_date(tx["DTAVAIL"]) if tx.get("DTAVAIL") else None
    except ValueError as e:
        problems.append(
            Problem(line, None, f"opération {tx.get('FITID', '')} : {e}".replace("  ", " "))
        )
        return
    fitid = tx.get("FITID") or None
    if fitid is not None:
        first = fitid_lines.setdefault(fitid, line)
        if first != line:
            problems.append(
                Problem(
                    line,
                    "FITID",
                    f"identifiant d'opération {fitid} en double : déjà présent ligne {first}",
                )
            )
            return
    details = {
        key: tx[key] for key in ("TRNTYPE", "NAME", "MEMO", "CHECKNUM", "REFNUM") if tx.get(key)
    }
    label = " ".join(v for v in (tx.get("NAME"), tx.get("MEMO")) if v)
    statement["lines"].append(
        BankLine(
            booking_date=booking,
            value_date=value_date,
            amount=amount,
            label=" ".join(label.split()),
            bank_reference=fitid,
            details=details,
            source_line=line,
        )
    )


def _finish(statement: dict, problems: list[Problem]) -> BankStatement:
    parts = [statement.get(key) for key in ("BANKID", "BRANCHID", "ACCTID") if statement.get(key)]
    closing = None
    try:
        if statement.get("BALAMT"):
            closing = parse_decimal(statement["BALAMT"])
        starts = [parse_ofx_date(v) for v in statement.get("DTSTART", [])]
        ends = [parse_ofx_date(v) for v in statement.get("DTEND", [])]
    except ValueError as e:
        problems.append(Problem(statement["line"], None, str(e)))
        starts, ends = [], []
    result = BankStatement(
        account_id="/".join(parts) or "?",
        currency=statement.get("CURDEF"),
        opening_balance=None,
        closing_balance=closing,
        start_date=min(starts, default=None),
        end_date=max(ends, default=None),
        lines=statement["lines"],
    )
    problems.extend(finish_statement(result))
    return result
