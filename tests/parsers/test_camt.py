"""CAMT.053: the real OCA statement read by hand; unsafe XML is refused, never expanded."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from core.problems import ImportFileError
from payments.parsers.camt import _parser, parse_camt

from .conftest import SHARED_DATA


def test_the_real_statement():
    result = parse_camt((SHARED_DATA / "camt" / "oca-test-camt053.xml").read_bytes())
    (statement,) = result.rows
    assert (statement.account_id, statement.currency) == ("NL77ABNA0574908765", "EUR")
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("15568.27"),
        Decimal("15121.12"),
    )
    assert (statement.start_date, statement.end_date) == (date(2014, 1, 5), date(2014, 1, 5))
    debit, reversal, credit = statement.lines
    assert [bl.amount for bl in statement.lines] == [
        Decimal("-754.25"),
        Decimal("-664.05"),
        Decimal("1405.31"),
    ]
    assert {(bl.booking_date, bl.value_date) for bl in statement.lines} == {
        (date(2014, 1, 5), date(2014, 1, 5))
    }
    assert debit.label == "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014"
    assert debit.details["NPY"] == "INSURANCE COMPANY TESTX"
    assert debit.details["RCN"] == "435005714488-ABNO33052620"
    assert reversal.details["RvslInd"] is True
    assert reversal.details["LIB"] == ["Direct Debit S14 0410", "Direct Debit S14 0410"]
    assert "RvslInd" not in debit.details
    # No Ustrd on the credit: its label comes from AddtlTxInf, its payer from Dbtr.
    assert credit.label == "#RD PARTY MEDIA CUSNO 90782 4210773"
    assert credit.details["NPY"] == "3rd party Media"
    # The sample's balances do not add up (15 568,27 − 12,99 ≠ 15 121,12): said, not hidden.
    (problem,) = result.problems
    assert "compte NL77ABNA0574908765" in problem.message
    assert "écart -434,16" in problem.message


def camt(entries: str, ns: str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}"><BkToCstmrStmt><Stmt><Id>1</Id>
<Acct><Id><IBAN>FR7630002004470000888899H12</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2024-01-05</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-06</Dt></Dt></Bal>
{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


ENTRY = """<Ntry><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2024-01-06T10:00:00</DtTm></BookgDt><ValDt><Dt>2024-01-07</Dt></ValDt>
<AcctSvcrRef>BANKREF-1</AcctSvcrRef><NtryDtls>
<TxDtls><Amt Ccy="EUR">100.00</Amt><RltdPties><Dbtr><Nm>CPAM DU RHONE</Nm></Dbtr></RltdPties><RmtInf><Ustrd>BORDEREAU 123</Ustrd></RmtInf></TxDtls>
<TxDtls><Amt Ccy="EUR">{second}</Amt><RmtInf><Ustrd>BORDEREAU 124</Ustrd></RmtInf></TxDtls>
</NtryDtls></Ntry>"""


def test_a_later_version_with_another_namespace_and_signed_balances():
    result = parse_camt(camt(ENTRY.format(second="50.00")))
    assert result.problems == []  # −100 + 150 = 50
    (statement,) = result.rows
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("-100.00"),
        Decimal("50.00"),
    )
    (line,) = statement.lines
    assert (line.amount, line.booking_date, line.value_date) == (
        Decimal("150.00"),
        date(2024, 1, 6),
        date(2024, 1, 7),
    )
    assert (line.bank_reference, line.label) == ("BANKREF-1", "BORDEREAU 123 BORDEREAU 124")
    assert line.details["NPY"] == "CPAM DU RHONE"


def test_an_entry_whose_details_do_not_sum_is_a_problem():
    result = parse_camt(camt(ENTRY.format(second="40.00")))
    messages = [p.message for p in result.problems]
    assert "écriture de 150,00 : ses 2 détails totalisent 140,00 (écart 10,00)" in messages
    assert result.problems[0].line == 6


def test_the_bank_transaction_codes_are_kept_for_the_bank_sort():
    codes = ("<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>CCRD</Cd><SubFmlyCd>POSD</SubFmlyCd></Fmly>"
             "</Domn><Prtry><Cd>A1</Cd><Issr>CFONB</Issr></Prtry></BkTxCd>")
    entry = ENTRY.format(second="50.00").replace("<NtryDtls>", codes + "<NtryDtls>")
    (statement,) = parse_camt(camt(entry)).rows
    (line,) = statement.lines
    assert (line.details["BkTxCd"], line.details["BkTxCdPrtry"], line.details["BkTxCdIssr"]) == (
        "PMNT/CCRD/POSD", "A1", "CFONB")
    (plain,) = parse_camt(camt(ENTRY.format(second="50.00"))).rows[0].lines
    assert not {"BkTxCd", "BkTxCdPrtry", "BkTxCdIssr"} & set(plain.details)


def test_a_pending_entry_is_not_a_movement():
    pending = ENTRY.format(second="50.00").replace("<Cd>BOOK</Cd>", "<Cd>PDNG</Cd>")
    (statement,) = parse_camt(camt(pending)).rows
    assert statement.lines == []


def test_an_external_entity_is_refused_before_parsing(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = f"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>
<Document><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>""".encode()
    with pytest.raises(ImportFileError, match="DOCTYPE ou ENTITY") as error:
        parse_camt(data)
    assert "TOP SECRET" not in str(error.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>"""


def test_billion_laughs_is_refused_not_expanded():
    with pytest.raises(ImportFileError, match="DOCTYPE ou ENTITY"):
        parse_camt(BILLION_LAUGHS)


def test_the_parser_itself_does_not_read_external_entities_either(tmp_path):
    # Second line of defence, should a declaration ever slip past the scan.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = f"""<!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]><d>&xxe;</d>""".encode()
    root = etree.fromstring(data, parser=_parser())
    assert "TOP SECRET" not in etree.tostring(root, encoding="unicode")


def test_a_doctype_hidden_in_utf16_is_refused():
    data = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY a "b">]><Document/>'.encode(
            "utf-16"
        )
    )
    with pytest.raises(ImportFileError, match="DOCTYPE"):
        parse_camt(data)


def test_malformed_xml_is_an_import_error():
    with pytest.raises(ImportFileError, match="XML mal formé"):
        parse_camt(b"<Document><BkToCstmrStmt></Document>")


def test_other_xml_is_refused():
    with pytest.raises(ImportFileError, match="pas un relevé CAMT.053"):
        parse_camt(b"<Document><Other/></Document>")


STRUCTURED = ENTRY.replace(
    "<RmtInf><Ustrd>BORDEREAU 124</Ustrd></RmtInf>",
    "<Refs><EndToEndId>E2E-124</EndToEndId></Refs>"
    "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
    "<Ref>RSP2024010500124</Ref></CdtrRefInf></Strd></RmtInf>",
)


def test_the_structured_remittance_reference_is_kept_one_line_per_entry():
    (statement,) = parse_camt(camt(STRUCTURED.format(second="50.00"))).rows
    (line,) = statement.lines  # one line per entry, its two transactions as evidence
    assert line.details["REF"] == "RSP2024010500124"
    assert line.details["TxDtls"] == [
        {"Amt": "100.00", "Ustrd": "BORDEREAU 123", "Nm": "CPAM DU RHONE"},
        {"Amt": "50.00", "EndToEndId": "E2E-124", "Ref": "RSP2024010500124"},
    ]


def test_a_structured_reference_alone_names_the_line():
    entry = STRUCTURED.replace("<RmtInf><Ustrd>BORDEREAU 123</Ustrd></RmtInf>", "").replace(
        "<RltdPties><Dbtr><Nm>CPAM DU RHONE</Nm></Dbtr></RltdPties>", ""
    )
    (line,) = parse_camt(camt(entry.format(second="50.00"))).rows[0].lines
    assert line.label == "RSP2024010500124"
