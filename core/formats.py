"""Which kind of file an upload is, decided from its content (never its name).

    detect_format(data) -> "claims_csv" | "returns_csv" | "cfonb" | "camt053" | "ofx" | "bank_csv"

Pure: the importers (claims) and the statement import (payments) both ask it;
`payments.parsers.detect.parse_file` then hands the bytes to the right parser.
"""

from __future__ import annotations

import re

from core.problems import ImportFileError
from core.text import UTF8_BOM, normalize_header, sniff_encoding, sniff_separator

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
        len(first_line) <= 120 or b"\n" not in body.rstrip(b"\r\n")
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
