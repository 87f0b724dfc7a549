"""CAMT.053 (ISO 20022 `BkToCstmrStmt`, versions .001.02 and later) → `BankStatement`.

Untrusted XML: a document declaring a DOCTYPE or an entity is refused before
parsing (billion laughs, external entities), and lxml runs with entities,
DTD loading, network access and huge trees off anyway.

Namespace-agnostic (the version changes the namespace, not the elements we
read). Signs follow `CdtDbtInd` (a reversal, `RvslInd`, is booked with its own
indicator and only flagged in `details`). Entries with status pending or
information only are not movements and are skipped.

`details` uses the CFONB qualifiers where they mean the same, so matching
reads one vocabulary: `LIB` remittance texts (`Ustrd`), `REF` the structured
remittance references (`Strd/CdtrRefInf/Ref`: where some payers put the slip
number; the matching finds a slip's reference in a line's complements),
`NPY` counterparty name, `RCN` end-to-end id; plus `AddtlNtryInf`, `AddtlTxInf`, `BkTxCd`
(Domn/Fmly/SubFmly), `BkTxCdPrtry` and `BkTxCdIssr` (a proprietary code and its
issuer, "CFONB" for the French operation codes), `RvslInd`, `NtryRef`.
One bank line per entry (`Ntry`, what the account moved by); a batch entry's
transactions (`TxDtls`) are kept in `details["TxDtls"]` as evidence, one
small dict each (amount, references, remittance, counterparty).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from core.money import format_decimal as fr
from core.problems import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    ParseResult,
    Problem,
    check_size,
)
from payments.parsers.statement import BankLine, BankStatement, finish_statement

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UNSAFE_MESSAGE = (
    "Fichier XML refusé : il contient une déclaration DOCTYPE ou ENTITY, "
    "interdite dans un relevé CAMT.053."
)
_SKIPPED_STATUSES = frozenset({"PDNG", "INFO"})


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def refuse_declarations(data: bytes) -> None:
    """Raise if the document declares a DOCTYPE or an entity (in any encoding we read)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        probe = data.decode("utf-16", errors="replace").encode("utf-8")
    else:
        probe = data
    if _DECLARATION.search(probe):
        raise ImportFileError(_UNSAFE_MESSAGE)


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML safely; root with namespaces stripped from every tag."""
    refuse_declarations(data)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as e:
        raise ImportFileError(Problem(e.lineno, None, f"XML mal formé : {e.msg}")) from None
    if root.getroottree().docinfo.doctype:
        raise ImportFileError(_UNSAFE_MESSAGE)
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    return root


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _texts(element: etree._Element, path: str) -> list[str]:
    return [e.text.strip() for e in element.iterfind(path) if e.text and e.text.strip()]


def _amount(element: etree._Element, path: str) -> Decimal | None:
    raw = _text(element, path)
    if raw is None:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"montant illisible « {raw} »") from None


def _date(element: etree._Element | None) -> date | None:
    """`<Dt>` or `<DtTm>` under `element`."""
    raw = _text(element, "Dt") or _text(element, "DtTm")
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(f"date invalide « {raw} »") from None


def _signed(amount: Decimal, indicator: str | None) -> Decimal:
    if indicator == "DBIT":
        return -amount
    if indicator == "CRDT":
        return amount
    raise ValueError(f"sens « {indicator} » inconnu (attendu CRDT ou DBIT)")


def parse_camt(data: bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> ParseResult[BankStatement]:
    check_size(len(data), max_bytes=max_bytes)
    if not data.strip():
        raise ImportFileError("Le fichier est vide.")
    root = parse_xml(data)
    statements = root.findall("BkToCstmrStmt/Stmt")
    if root.tag != "Document" or root.find("BkToCstmrStmt") is None:
        raise ImportFileError("Ce fichier XML n'est pas un relevé CAMT.053 (BkToCstmrStmt absent).")

    result: ParseResult[BankStatement] = ParseResult()
    for stmt in statements:
        problems: list[Problem] = []
        account = stmt.find("Acct")
        account_id = (
            _text(account, "Id/IBAN") or _text(account, "Id/Othr/Id") or _text(stmt, "Id") or "?"
        )
        currency = _text(account, "Ccy")
        statement = BankStatement(account_id, currency, None, None, None, None)
        try:
            statement.start_date = _date_of(stmt.find("FrToDt"), "FrDtTm")
            statement.end_date = _date_of(stmt.find("FrToDt"), "ToDtTm")
        except ValueError as e:
            problems.append(Problem(stmt.sourceline, None, str(e)))

        for bal in stmt.iterfind("Bal"):
            code = _text(bal, "Tp/CdOrPrtry/Cd") or _text(bal, "Tp/CdOrPrtry/Prtry")
            try:
                amount = _signed(_amount(bal, "Amt") or Decimal(0), _text(bal, "CdtDbtInd"))
                when = _date(bal.find("Dt"))
            except ValueError as e:
                problems.append(Problem(bal.sourceline, None, f"solde {code} : {e}"))
                continue
            statement.currency = statement.currency or bal.find("Amt").get("Ccy")
            # OPBD is the booked opening balance; PRCD (previous closing) stands in for it.
            if code == "OPBD" or (code == "PRCD" and statement.opening_balance is None):
                statement.opening_balance = amount
                statement.start_date = statement.start_date or when
            elif code == "CLBD":
                statement.closing_balance = amount
                statement.end_date = statement.end_date or when

        for entry in stmt.iterfind("Ntry"):
            status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
            if status in _SKIPPED_STATUSES:
                continue
            try:
                bank_line = _entry(entry, problems)
            except ValueError as e:
                problems.append(Problem(entry.sourceline, None, f"écriture : {e}"))
                continue
            statement.lines.append(bank_line)

        problems.extend(finish_statement(statement, line=stmt.sourceline, check_period=True))
        result.rows.append(statement)
        result.problems.extend(problems)
    return result


def _date_of(element: etree._Element | None, tag: str) -> date | None:
    raw = _text(element, tag)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(f"date invalide « {raw} »") from None


def _entry(entry: etree._Element, problems: list[Problem]) -> BankLine:
    raw_amount = _amount(entry, "Amt")
    if raw_amount is None:
        raise ValueError("montant absent")
    amount = _signed(raw_amount, _text(entry, "CdtDbtInd"))
    booking = _date(entry.find("BookgDt")) or _date(entry.find("ValDt"))
    if booking is None:
        raise ValueError("date de comptabilisation absente")
    credit = amount >= 0

    details: dict = {}
    transactions = entry.findall("NtryDtls/TxDtls")
    remittance = [t for tx in transactions for t in _texts(tx, "RmtInf/Ustrd")]
    if remittance:
        details["LIB"] = remittance
    structured = list(
        dict.fromkeys(r for tx in transactions for r in _texts(tx, "RmtInf/Strd/CdtrRefInf/Ref"))
    )
    if structured:
        details["REF"] = " / ".join(structured)
    party = "Dbtr" if credit else "Cdtr"
    names = list(
        dict.fromkeys(n for tx in transactions for n in _texts(tx, f"RltdPties/{party}/Nm"))
    )
    if names:
        details["NPY"] = " / ".join(names)
    end_to_end = [
        r for tx in transactions for r in _texts(tx, "Refs/EndToEndId") if r != "NOTPROVIDED"
    ]
    if end_to_end:
        details["RCN"] = " / ".join(dict.fromkeys(end_to_end))
    if info := _text(entry, "AddtlNtryInf"):
        details["AddtlNtryInf"] = info
    tx_info = [t for tx in transactions for t in _texts(tx, "AddtlTxInf")]
    if tx_info:
        details["AddtlTxInf"] = tx_info
    if (reversal := _text(entry, "RvslInd")) and reversal.lower() in ("true", "1"):
        details["RvslInd"] = True
    family = [
        _text(entry, "BkTxCd/Domn/Cd"),
        _text(entry, "BkTxCd/Domn/Fmly/Cd"),
        _text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd"),
    ]
    if all(family):
        details["BkTxCd"] = "/".join(code or "" for code in family)
    # French banks also give (or only give) the CFONB operation code, as a proprietary
    # code issued by "CFONB": the bank sort reads it as the CFONB 120's.
    if proprietary := _text(entry, "BkTxCd/Prtry/Cd"):
        details["BkTxCdPrtry"] = proprietary
        if issuer := _text(entry, "BkTxCd/Prtry/Issr"):
            details["BkTxCdIssr"] = issuer
    if ref := _text(entry, "NtryRef"):
        details["NtryRef"] = ref
    if evidence := [_transaction_evidence(tx, party) for tx in transactions]:
        details["TxDtls"] = evidence

    # The entry amount must be what its transactions add up to (when all give one).
    tx_amounts = [
        _amount(tx, "AmtDtls/TxAmt/Amt")
        if tx.find("AmtDtls/TxAmt/Amt") is not None
        else _amount(tx, "Amt")
        for tx in transactions
    ]
    known = [amount for amount in tx_amounts if amount is not None]
    if tx_amounts and len(known) == len(tx_amounts):
        total = sum(known, Decimal(0))
        if total != raw_amount:
            problems.append(
                Problem(
                    entry.sourceline,
                    None,
                    f"écriture de {fr(raw_amount)} : ses {len(tx_amounts)} détails totalisent "
                    f"{fr(total)} (écart {fr(raw_amount - total)})",
                )
            )

    label = (
        " ".join(remittance)
        or details.get("AddtlNtryInf")
        or " ".join(tx_info)
        or details.get("REF")
        or details.get("NPY", "")
    )
    return BankLine(
        booking_date=booking,
        value_date=_date(entry.find("ValDt")),
        amount=amount,
        label=" ".join(label.split()),
        bank_reference=_text(entry, "AcctSvcrRef"),
        details=details,
        source_line=entry.sourceline,
    )


def _transaction_evidence(tx: etree._Element, party: str) -> dict:
    """What one transaction of an entry says, for a person checking a batch credit."""
    amount = _text(tx, "AmtDtls/TxAmt/Amt") or _text(tx, "Amt")
    fields = {
        "Amt": amount,
        "EndToEndId": _text(tx, "Refs/EndToEndId"),
        "Ref": " / ".join(_texts(tx, "RmtInf/Strd/CdtrRefInf/Ref")) or None,
        "Ustrd": " ".join(_texts(tx, "RmtInf/Ustrd")) or None,
        "Nm": _text(tx, f"RltdPties/{party}/Nm"),
    }
    return {key: value for key, value in fields.items() if value and value != "NOTPROVIDED"}
