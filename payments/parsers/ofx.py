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
the file is a problem and the repeated line is left out; a transaction without
DTPOSTED, TRNAMT or FITID is a problem on its line (the import is refused).

Untrusted input, two front ends feeding one reader: an OFX 2 file (it starts
with `<?xml` or `<?OFX`) is parsed as XML with CAMT's hardening
(`camt.parse_xml`: no DOCTYPE/ENTITY, no network, comments and processing
instructions dropped, CDATA and character references decoded by the XML
parser); an OFX 1 (SGML) file goes through the tolerant tokenizer after its
comments and processing instructions are blanked (line numbers kept) and its
CDATA sections turned into text, and every value is unescaped
(`html.unescape`: `&#201;`, `&#xC9;`, `&eacute;`).
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Iterator
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
from payments.parsers.camt import parse_xml, refuse_declarations
from payments.parsers.statement import BankLine, BankStatement, finish_statement

_TOKEN = re.compile(r"<(/?)([A-Za-z0-9._]+)[^>]*>([^<]*)")
# What SGML OFX must not read as data: comments, processing instructions, and CDATA
# (whose text is data, but may hold a `<`).
_HIDDEN = re.compile(r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_UNCLOSED = (
    ("<!--", "commentaire <!-- sans -->"),
    ("<?", "instruction <? sans ?>"),
    ("<![CDATA[", "section <![CDATA[ sans ]]>"),
)
_XML_START = re.compile(rb"\s*(\xef\xbb\xbf)?\s*<\?(xml|OFX)\b", re.IGNORECASE)
_REQUIRED = ("DTPOSTED", "TRNAMT", "FITID")
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
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
    tokens = _xml_tokens(data) if _XML_START.match(data) else _sgml_tokens(data)

    result: ParseResult[BankStatement] = ParseResult()
    stack: list[str] = []
    statement: dict | None = None
    transaction: dict | None = None
    fitid_lines: dict[str, int] = {}

    for line, closing, tag, value in tokens:
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
        if value is None:  # an aggregate opens
            stack.append(tag)
            if tag in _STATEMENTS:
                statement = {"lines": [], "line": line}
            elif tag == "STMTTRN":
                transaction = {"line": line}
            continue
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
    if missing := [tag for tag in _REQUIRED if not tx.get(tag)]:
        absent = (
            "élément obligatoire absent" if len(missing) == 1 else "éléments obligatoires absents"
        )
        problems.append(Problem(line, None, f"opération sans {', '.join(missing)} : {absent}"))
        return
    try:
        amount = parse_decimal(tx.get("TRNAMT", ""))
        booking = parse_ofx_date(tx.get("DTPOSTED", ""))
        value_date = parse_ofx_date(tx["DTAVAIL"]) if tx.get("DTAVAIL") else None
    except ValueError as e:
        problems.append(
            Problem(line, None, f"opération {tx.get('FITID', '')} : {e}".replace("  ", " "))
        )
        return
    fitid = tx["FITID"]
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
    parts = [str(statement[key]) for key in ("BANKID", "BRANCHID", "ACCTID") if statement.get(key)]
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
    problems.extend(finish_statement(result, check_period=True))
    return result


# A token: (line, closing, TAG, value); value is None when the tag opens an aggregate.
Token = tuple[int, bool, str, str | None]


def _sgml_tokens(data: bytes) -> Iterator[Token]:
    text = _reveal(decode_bytes(data))
    start = text.upper().find("<OFX>")
    if start < 0:
        raise ImportFileError("Ce fichier n'est pas un relevé OFX (balise <OFX> absente).")
    line, scanned = text.count("\n", 0, start) + 1, start
    for match in _TOKEN.finditer(text, start):
        line += text.count("\n", scanned, match.start())
        scanned = match.start()
        closing, tag, value = match.group(1), match.group(2).upper(), match.group(3).strip()
        if closing:
            yield line, True, tag, None
        elif not value and tag not in _LEAVES:
            yield line, False, tag, None
        else:
            yield line, False, tag, html.unescape(value).strip()


def _reveal(text: str) -> str:
    """Blank comments and processing instructions (keeping their line breaks, so lines
    stay right) and turn CDATA into escaped text, before the tokenizer sees the file."""

    def replace(match: re.Match) -> str:
        if match.group(0).startswith("<![CDATA["):
            return html.escape(match.group(1), quote=False)
        return "\n" * match.group(0).count("\n")

    text = _HIDDEN.sub(replace, text)
    for opening, what in _UNCLOSED:
        if (at := text.find(opening)) >= 0:
            raise ImportFileError(
                Problem(text.count("\n", 0, at) + 1, None, f"{what} : le fichier est incomplet")
            )
    return text


def _xml_tokens(data: bytes) -> Iterator[Token]:
    # Banks write HTML's named entities (`&eacute;`) in OFX 2 too; XML knows five: the
    # others become character references first (no DTD can define them: refused above).
    data = _NAMED_ENTITY.sub(_character_reference, data)
    root = parse_xml(data)  # DOCTYPE/ENTITY refused; comments, PIs dropped; CDATA decoded
    if root.tag.upper() != "OFX":
        raise ImportFileError("Ce fichier n'est pas un relevé OFX (balise <OFX> absente).")

    def walk(element) -> Iterator[Token]:
        tag = element.tag.upper()
        children = [child for child in element if isinstance(child.tag, str)]
        if children or (tag not in _LEAVES and not (element.text or "").strip()):
            yield element.sourceline, False, tag, None
            for child in children:
                yield from walk(child)
            yield element.sourceline, True, tag, None
        else:
            yield element.sourceline, False, tag, "".join(element.itertext()).strip()

    yield from walk(root)


def _character_reference(match: re.Match) -> bytes:
    name = match.group(1)
    point = html.entities.name2codepoint.get(name.decode())
    if name in _XML_ENTITIES or point is None:
        return match.group(0)  # XML's own, or unknown: the XML parser says so
    return b"&#%d;" % point
