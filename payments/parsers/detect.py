"""Which parser reads an uploaded file, decided from its content (never its name).

    parse_file(data, expected_finess=...) -> ParsedFile(format, result)

The size limit is checked first, before any byte is looked at. The format is
`core.formats.detect_format`'s; this dispatcher is the one place a bank parser
module reaches the claims parsers (both pure, claims below payments).
"""

from __future__ import annotations

from typing import NamedTuple

from claims.parsers.claims_csv import parse_claims
from claims.parsers.returns_csv import parse_returns
from core.formats import BANK_CSV, CAMT053, CFONB, CLAIMS_CSV, OFX, RETURNS_CSV, detect_format
from core.problems import MAX_IMPORT_BYTES, ParseResult, check_size
from payments.parsers.bank_csv import parse_bank_csv
from payments.parsers.camt import parse_camt
from payments.parsers.cfonb import parse_cfonb
from payments.parsers.ofx import parse_ofx


class ParsedFile(NamedTuple):
    format: str
    result: ParseResult  # of ClaimRow, ReturnRow or BankStatement according to `format`


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
    parse_statement = {CFONB: parse_cfonb, CAMT053: parse_camt, OFX: parse_ofx, BANK_CSV: parse_bank_csv}[fmt]
    return ParsedFile(fmt, parse_statement(data, max_bytes=max_bytes))
