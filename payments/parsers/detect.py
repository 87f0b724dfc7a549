"""Which parser reads an uploaded file, decided from its content (never its name).

    detect_format(data) -> "claims_csv" | "returns_csv" | "cfonb" | "camt053" | "ofx" | "bank_csv"
    parse_file(data, expected_finess=...) -> ParsedFile(format, result)

The size limit is checked first, before any byte is looked at.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from claims.parsers.claims_csv import parse_claims
from claims.parsers.errors import MAX_IMPORT_BYTES, ImportFileError, ParseResult, check_size
from claims.parsers.returns_csv import parse_returns
from claims.parsers.text import UTF8_BOM, normalize_header, sniff_encoding, sniff_separator
from payments.parsers.bank_csv import parse_bank_csv
from payments.parsers.camt import parse_camt
from payments.parsers.cfonb import parse_cfonb
from payments.parsers.ofx import parse_ofx

CLAIMS_CSV, RETURNS_CSV, CFONB, CAMT053, OFX, BANK_CSV = (
    "claims_csv",
    "returns_csv",
    "cfonb",
    "camt053",
    "ofx",
    "bank_csv",
)
# What kind of import each format feeds (claims.models.ImportBatch.Kind values).
FORMAT_KIND = {
    CLAIMS_CSV: "claims",
    RETURNS_CSV: "returns",
    CFONB: "bank",
    CAMT053: "bank",
    OFX: "bank",
    BANK_CSV: "bank",
}

_HEAD = 64 * 1024
_CFONB_RECORD = re.compile(rb"0[1457][0-9]{5}")
_UNKNOWN = (
    "Format de fichier non reconnu : attendu un export de factures ou de retours (CSV), "
    "un relevé bancaire CFONB 120, CAMT.053, OFX ou CSV (date;libelle;montant)."
)


class ParsedFile(NamedTuple):
    format: str
    result: ParseResult  # of ClaimRow, ReturnRow or BankStatement according to `format`


def detect_format(data: bytes) -> str:
    head = data[:_HEAD]
    body = head.removeprefix(UTF8_BOM).lstrip()
    if not body:
        raise ImportFileError("Le fichier est vide.")
    upper = body[:4096].upper()
    if upper.startswith(b"OFXHEADER") or b"<OFX>" in upper or b"<?OFX" in upper:
        return OFX
    if body.startswith(b"<"):
        if b"BkToCstmrStmt" in head:
            return CAMT053
        if b"BkToCstmrAcctRpt" in head or b"BkToCstmrDbtCdtNtfctn" in head:
            raise ImportFileError(
                "Relevé CAMT.052 ou CAMT.054 : seul le relevé de fin de journée CAMT.053 est accepté."
            )
        raise ImportFileError(_UNKNOWN)
    first_line = body.split(b"\n", 1)[0].rstrip(b"\r")
    if _CFONB_RECORD.match(first_line) and (
        len(first_line) >= 104 and len(first_line) <= 120 or b"\n" not in body
    ):
        return CFONB
    try:
        text = first_line.decode(sniff_encoding(head))
        names = {normalize_header(n) for n in text.split(sniff_separator(text))}
    except (ImportFileError, UnicodeDecodeError):
        raise ImportFileError(_UNKNOWN) from None
    if {"facture", "statut"} <= names:
        return RETURNS_CSV
    if {"facture", "payeur"} <= names:
        return CLAIMS_CSV
    if {"date", "libelle", "montant"} <= names:
        return BANK_CSV
    raise ImportFileError(_UNKNOWN)


def parse_file(
    data: bytes, *, expected_finess: str | None, max_bytes: int = MAX_IMPORT_BYTES
) -> ParsedFile:
    """Detect and parse a whole file. `expected_finess` is required for claims and returns.

    Raises `ImportFileError` for file-level failures; row problems are in the result.
    """
    check_size(len(data), max_bytes=max_bytes)
    fmt = detect_format(data)
    if fmt in (CLAIMS_CSV, RETURNS_CSV):
        if not expected_finess:
            raise ValueError("expected_finess is required to parse claims and returns")
        parse = parse_claims if fmt == CLAIMS_CSV else parse_returns
        return ParsedFile(fmt, parse(data, expected_finess=expected_finess, max_bytes=max_bytes))
    parse = {CFONB: parse_cfonb, CAMT053: parse_camt, OFX: parse_ofx, BANK_CSV: parse_bank_csv}[fmt]
    return ParsedFile(fmt, parse(data, max_bytes=max_bytes))
