"""Small independent readers of CFONB 120 and CAMT.053, for the tests only.

They do not use the project's parsers on purpose: the generator is checked
against the formats' rules, not against another piece of our own code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lxml import etree

POSITIVE = "{ABCDEFGHI"
NEGATIVE = "}JKLMNOPQR"


def overpunched(field_: str, decimals: int) -> Decimal:
    """'0000000000322J' with 2 decimals -> Decimal('-32.21')."""
    last = field_[-1]
    if last in POSITIVE:
        sign, digit = 1, POSITIVE.index(last)
    elif last in NEGATIVE:
        sign, digit = -1, NEGATIVE.index(last)
    else:
        raise ValueError(f"not an over-punched amount: {field_!r}")
    return sign * Decimal(int(field_[:-1] + str(digit))).scaleb(-decimals)


def ddmmyy(text: str) -> date:
    return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))


@dataclass
class CfonbMovement:
    day: date
    amount: Decimal
    label: str
    reference: str
    complements: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CfonbBlock:
    old_balance: Decimal
    old_date: date
    new_balance: Decimal | None = None
    new_date: date | None = None
    movements: list[CfonbMovement] = field(default_factory=list)


def read_cfonb(raw: bytes) -> list[CfonbBlock]:
    """Checks the record layout while reading: raises AssertionError on any deviation."""
    assert raw.endswith(b"\r\n"), "CFONB lines end with CRLF"
    lines = raw.decode("ascii").split("\r\n")[:-1]
    blocks: list[CfonbBlock] = []
    current: CfonbBlock | None = None
    for number, line in enumerate(lines, 1):
        assert len(line) == 120, f"line {number}: {len(line)} characters"
        kind, decimals = line[0:2], int(line[19])
        if kind == "01":
            assert current is None, f"line {number}: 01 inside an open block"
            current = CfonbBlock(overpunched(line[90:104], decimals), ddmmyy(line[34:40]))
        elif kind == "04":
            assert current is not None, f"line {number}: 04 outside a block"
            current.movements.append(CfonbMovement(
                ddmmyy(line[34:40]), overpunched(line[90:104], decimals),
                line[48:79].rstrip(), line[104:120].rstrip()))
        elif kind == "05":
            assert current is not None and current.movements, f"line {number}: orphan 05"
            current.movements[-1].complements.append((line[45:48], line[48:118].rstrip()))
        elif kind == "07":
            assert current is not None, f"line {number}: 07 without 01"
            current.new_balance = overpunched(line[90:104], decimals)
            current.new_date = ddmmyy(line[34:40])
            blocks.append(current)
            current = None
        else:
            raise AssertionError(f"line {number}: unknown record {kind!r}")
    assert current is None, "last block not closed by a 07"
    return blocks


NS = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"}


@dataclass
class CamtEntry:
    day: date
    amount: Decimal  # signed
    reference: str
    text: str


def read_camt(raw: bytes) -> tuple[Decimal, Decimal, list[CamtEntry]]:
    """(opening, closing, entries) of a camt.053.001.02 statement, parsed safely."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(raw, parser)
    stmt = root.find("c:BkToCstmrStmt/c:Stmt", NS)
    assert stmt is not None, "no Stmt"
    balances = {}
    for bal in stmt.findall("c:Bal", NS):
        sign = 1 if bal.findtext("c:CdtDbtInd", namespaces=NS) == "CRDT" else -1
        balances[bal.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=NS)] = sign * Decimal(
            bal.findtext("c:Amt", namespaces=NS))
    entries = []
    for ntry in stmt.findall("c:Ntry", NS):
        sign = 1 if ntry.findtext("c:CdtDbtInd", namespaces=NS) == "CRDT" else -1
        entries.append(CamtEntry(
            date.fromisoformat(ntry.findtext("c:BookgDt/c:Dt", namespaces=NS)),
            sign * Decimal(ntry.findtext("c:Amt", namespaces=NS)),
            ntry.findtext("c:AcctSvcrRef", namespaces=NS),
            ntry.findtext("c:NtryDtls/c:TxDtls/c:RmtInf/c:Ustrd", namespaces=NS) or "",
        ))
    return balances["OPBD"], balances["CLBD"], entries
