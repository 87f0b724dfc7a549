"""Bank statements of one month in CFONB 120, CAMT.053.001.02 and OFX 1.02 (SGML).

Amounts are integer cents (exact, and fast); a movement is credited when > 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

OVERPUNCH_POSITIVE = "{ABCDEFGHI"
OVERPUNCH_NEGATIVE = "}JKLMNOPQR"


@dataclass(slots=True)
class Movement:
    day: date
    amount: int  # cents, signed: > 0 credit
    label: str  # <= 31 ASCII characters (the CFONB 04 label zone)
    bank_ref: str  # 16 characters, unique per account
    code: str  # CFONB interbank operation code (05 transfer received, B1 SEPA debit...)
    complements: list[tuple[str, str]] = field(default_factory=list)  # (NPY|LIB|RCN, text)
    # What the movement is, for the truth (the kinds of payments.models.BankLine.Kind):
    # insurer (a payer's transfer), card, debit, fee, other_credit, other_debit.
    kind: str = ""

    def complement(self, qualifier: str) -> str:
        return next((text for q, text in self.complements if q == qualifier), "")


@dataclass(slots=True)
class Account:
    iban: str
    bank_code: str
    branch_code: str
    number: str
    owner: str


def overpunch(cents: int, width: int = 14) -> str:
    """'0000000012345E' style: the last digit carries the sign."""
    digits = f"{abs(cents):0{width}d}"
    table = OVERPUNCH_POSITIVE if cents >= 0 else OVERPUNCH_NEGATIVE
    return digits[:-1] + table[int(digits[-1])]


def _ddmmyy(day: date) -> str:
    return f"{day.day:02d}{day.month:02d}{day.year % 100:02d}"


def cfonb_statement(account: Account, opening: int, opening_day: date,
                    movements: list[Movement]) -> str:
    """One 01/04/05.../07 block per bank day with movements (as French banks send them),
    balances chained from block to block. CRLF line ends."""
    head = f"{account.bank_code}    {account.branch_code}EUR2 {account.number}"
    lines: list[str] = []
    balance, balance_day = opening, opening_day
    by_day: dict[date, list[Movement]] = {}
    for m in movements:
        by_day.setdefault(m.day, []).append(m)
    if not by_day:  # a month with no movement still gets its balances
        by_day[opening_day] = []
    for day, day_movements in by_day.items():
        lines.append(f"01{head}  {_ddmmyy(balance_day)}{' ' * 50}{overpunch(balance)}{' ' * 16}")
        for m in day_movements:
            op = f"{account.bank_code}{'0000'}{account.branch_code}EUR2 {account.number}{m.code}"
            lines.append(
                f"04{op}{_ddmmyy(m.day)}  {_ddmmyy(m.day)}{m.label[:31]:<31}  0000000  "
                f"{overpunch(m.amount)}{m.bank_ref[:16]:<16}"
            )
            for qualifier, text in m.complements:
                lines.append(f"05{op}{_ddmmyy(m.day)}     {qualifier}{text[:70]:<70}  ")
            balance += m.amount
        lines.append(f"07{head}  {_ddmmyy(day)}{' ' * 50}{overpunch(balance)}{' ' * 16}")
        balance_day = day
    return "\r\n".join(lines) + "\r\n"


def _camt_amount(cents: int) -> str:
    return f"{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _camt_balance(kind: str, cents: int, day: date) -> str:
    sign = "CRDT" if cents >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{_camt_amount(cents)}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>\n"
    )


_CAMT_FAMILY = {
    "05": ("RCDT", "ESCT"),
    "06": ("ICDT", "ESCT"),
    "B1": ("IDDT", "ESDD"),
    "A1": ("CCRD", "POSD"),
    "62": ("CCRD", "CHRG"),
}


def camt_statement(account: Account, opening: int, first_day: date, last_day: date,
                   movements: list[Movement], statement_id: str) -> str:
    """A camt.053.001.02 document: opening (OPBD) and closing (CLBD) balances, one Ntry
    per movement with AcctSvcrRef, the payer in RltdPties and the text in Ustrd."""
    closing = opening + sum(m.amount for m in movements)
    created = f"{last_day.isoformat()}T23:30:00"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<BkToCstmrStmt>\n'
        f"<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>{statement_id}</Id><CreDtTm>{created}</CreDtTm>"
        f"<FrToDt><FrDtTm>{first_day.isoformat()}T00:00:00</FrDtTm>"
        f"<ToDtTm>{last_day.isoformat()}T23:59:59</ToDtTm></FrToDt>\n"
        f"<Acct><Id><IBAN>{account.iban}</IBAN></Id><Ccy>EUR</Ccy>"
        f"<Ownr><Nm>{escape(account.owner)}</Nm></Ownr></Acct>\n",
        _camt_balance("OPBD", opening, first_day),
        _camt_balance("CLBD", closing, last_day),
    ]
    for n, m in enumerate(movements, 1):
        credit = m.amount > 0
        family, sub = _CAMT_FAMILY.get(m.code, ("OTHR", "OTHR"))
        name = m.complement("NPY")
        party = ""
        if name:
            role = "Dbtr" if credit else "Cdtr"
            party = f"<RltdPties><{role}><Nm>{escape(name)}</Nm></{role}></RltdPties>"
        ustrd = " ".join(t for q, t in m.complements if q == "LIB") or m.label
        e2e = m.complement("RCN") or "NOTPROVIDED"
        out.append(
            f"<Ntry><NtryRef>{n}</NtryRef>"
            f'<Amt Ccy="EUR">{_camt_amount(m.amount)}</Amt>'
            f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{m.day.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{m.day.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{m.bank_ref}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd>"
            f"</Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{escape(e2e[:35])}</EndToEndId></Refs>"
            f"{party}<RmtInf><Ustrd>{escape(ustrd[:140])}</Ustrd></RmtInf></TxDtls></NtryDtls>"
            f"<AddtlNtryInf>{escape(m.label)}</AddtlNtryInf></Ntry>\n"
        )
    out.append("</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
    return "".join(out)


def ofx_statement(account: Account, opening: int, first_day: date, last_day: date,
                  movements: list[Movement]) -> str:
    """OFX 1.02 SGML as French banks export it: leaf elements left unclosed."""
    closing = opening + sum(m.amount for m in movements)

    def amount(cents: int) -> str:
        return ("-" if cents < 0 else "") + _camt_amount(cents)

    stamp = last_day.strftime("%Y%m%d")
    out = [
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
        "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n",
        "<OFX>\r\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        f"<DTSERVER>{stamp}233000<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>\r\n"
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\r\n"
        "<STMTRS><CURDEF>EUR<BANKACCTFROM>"
        f"<BANKID>{account.bank_code}<BRANCHID>{account.branch_code}"
        f"<ACCTID>{account.number}<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
        f"<BANKTRANLIST><DTSTART>{first_day.strftime('%Y%m%d')}<DTEND>{stamp}\r\n",
    ]
    for m in movements:
        memo = " ".join(t for q, t in m.complements if q in ("LIB", "RCN"))
        out.append(
            f"<STMTTRN><TRNTYPE>{'CREDIT' if m.amount > 0 else 'DEBIT'}"
            f"<DTPOSTED>{m.day.strftime('%Y%m%d')}<TRNAMT>{amount(m.amount)}"
            f"<FITID>{m.bank_ref}<NAME>{escape(m.label[:32])}"
            + (f"<MEMO>{escape(memo[:255])}" if memo else "")
            + "</STMTTRN>\r\n"
        )
    out.append(
        f"</BANKTRANLIST><LEDGERBAL><BALAMT>{amount(closing)}<DTASOF>{stamp}</LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\r\n</OFX>\r\n"
    )
    return "".join(out)
