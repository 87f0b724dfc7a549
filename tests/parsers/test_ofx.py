"""OFX 2.x (the real OCA file) and 1.x SGML with one tolerant reader."""

from datetime import date
from decimal import Decimal

import pytest

from core.problems import ImportFileError
from payments.parsers.ofx import parse_ofx

from .conftest import SHARED_DATA

SGML = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240105<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>0<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>30002<BRANCHID>00447<ACCTID>0000888899H<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20240101<DTEND>20240105
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240103<TRNAMT>1234,56<FITID>A1<NAME>VIR CPAM DU RHONE<MEMO>BORDEREAU 123 &amp; 124</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240104120000<TRNAMT>-12.50<FITID>{second}<NAME>FRAIS TENUE DE COMPTE</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>100.00<DTASOF>20240105</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_the_real_ofx2_file():
    result = parse_ofx((SHARED_DATA / "ofx" / "oca-test_ofx.ofx").read_bytes())
    assert result.problems == []
    bank, card = result.rows
    assert (bank.account_id, bank.currency) == ("000000123/123456", "USD")
    assert (bank.opening_balance, bank.closing_balance) == (None, Decimal("2156.56"))
    assert (bank.start_date, bank.end_date) == (date(2013, 8, 1), date(2013, 8, 31))
    assert [bl.amount for bl in bank.lines] == [
        Decimal("-80"),
        Decimal("-90"),
        Decimal("-100"),
        Decimal("-90"),
    ]
    assert [bl.bank_reference for bl in bank.lines] == ["219378", "219379", "219380", "219381"]
    assert [bl.label for bl in bank.lines] == [
        "Agrolait",
        "China Export",
        "Axelor Scuba",
        "China Scuba",
    ]
    assert {bl.booking_date for bl in bank.lines} == {date(2013, 8, 24)}
    assert (card.account_id, card.closing_balance, card.lines) == (
        "123412341234",
        Decimal("-562.00"),
        [],
    )


def test_an_ofx1_sgml_file():
    result = parse_ofx(SGML.format(second="A2").encode("cp1252"))
    assert result.problems == []
    (statement,) = result.rows
    assert (statement.account_id, statement.currency) == ("30002/00447/0000888899H", "EUR")
    credit, fee = statement.lines
    assert (credit.amount, credit.booking_date, credit.bank_reference) == (
        Decimal("1234.56"),
        date(2024, 1, 3),
        "A1",
    )
    assert credit.label == "VIR CPAM DU RHONE BORDEREAU 123 & 124"
    assert credit.details["MEMO"] == "BORDEREAU 123 & 124"
    assert (fee.amount, fee.booking_date) == (Decimal("-12.50"), date(2024, 1, 4))


def test_duplicate_fitids_are_a_problem_and_the_copy_is_left_out():
    result = parse_ofx(SGML.format(second="A1").encode())
    (problem,) = result.problems
    assert (
        str(problem)
        == "ligne 18, colonne FITID : identifiant d'opération A1 en double : déjà présent ligne 17"
    )
    assert [bl.bank_reference for bl in result.rows[0].lines] == ["A1"]


def test_a_doctype_in_ofx_is_refused():
    with pytest.raises(ImportFileError, match="DOCTYPE"):
        parse_ofx(b'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x "y">]><OFX>&x;</OFX>')


def test_a_file_without_ofx_tag_is_refused():
    with pytest.raises(ImportFileError, match="pas un relevé OFX"):
        parse_ofx(b"OFXHEADER:100\nnothing here")


# --- hostile and odd files (issue 19) ---------------------------------------------------

REAL = SHARED_DATA / "ofx" / "oca-test_ofx.ofx"


def labels(result):
    return [[bl.label for bl in statement.lines] for statement in result.rows]


def test_a_commented_out_account_and_transaction_are_not_read_sgml():
    text = SGML.format(second="A2").replace(
        "<STMTTRN><TRNTYPE>DEBIT",
        "<!-- ancien compte\n</BANKTRANLIST></STMTRS><STMTRS><CURDEF>EUR<BANKACCTFROM>"
        "<BANKID>99999<ACCTID>666</BANKACCTFROM><BANKTRANLIST>\n<STMTTRN><TRNTYPE>DEBIT",
    ).replace("FRAIS TENUE DE COMPTE</STMTTRN>", "FRAIS TENUE DE COMPTE</STMTTRN> -->")
    result = parse_ofx(text.encode())
    assert result.problems == []
    assert [s.account_id for s in result.rows] == ["30002/00447/0000888899H"]
    assert labels(result) == [["VIR CPAM DU RHONE BORDEREAU 123 & 124"]]
    assert result.rows[0].closing_balance == Decimal("100.00")  # lines after the comment: right


def test_a_commented_out_transaction_is_not_read_xml():
    text = REAL.read_text()
    start = text.index("          <STMTTRN>", text.index("219378"))
    end = text.index("</STMTTRN>", start) + len("</STMTTRN>")
    result = parse_ofx((text[:start] + "<!--" + text[start:end] + "-->" + text[end:]).encode())
    assert result.problems == []
    assert result.rows[0].account_id == "000000123/123456"
    assert [bl.bank_reference for bl in result.rows[0].lines] == ["219378", "219380", "219381"]


def test_processing_instructions_are_skipped_sgml():
    text = SGML.format(second="A2").replace("<STMTRS>", '<STMTRS><?banque version="2"?>')
    result = parse_ofx(text.encode())
    assert result.problems == [] and len(result.rows[0].lines) == 2


@pytest.mark.parametrize("entity", ["&#201;", "&#xC9;", "&#xc9;", "&Eacute;"])
def test_entities_are_decoded_sgml(entity):
    text = SGML.format(second="A2").replace("VIR CPAM DU RHONE", f"VIR CPAM DU RH{entity}NE")
    result = parse_ofx(text.encode())
    assert result.rows[0].lines[0].details["NAME"] == "VIR CPAM DU RHÉNE"


def test_entities_are_decoded_xml():
    text = REAL.read_text().replace("China Export", "H&#233;l&#xE8;ne &amp; fils &Eacute;MILE")
    result = parse_ofx(text.encode())
    assert result.rows[0].lines[1].label == "Hélène & fils ÉMILE"


def test_a_name_in_cdata_is_read_sgml():
    text = SGML.format(second="A2").replace(
        "<NAME>VIR CPAM DU RHONE", "<NAME><![CDATA[VIR <CPAM> & RHONE]]>"
    )
    result = parse_ofx(text.encode())
    assert result.rows[0].lines[0].details["NAME"] == "VIR <CPAM> & RHONE"


def test_a_name_in_cdata_is_read_xml():
    text = REAL.read_text().replace("China Export", "<![CDATA[China <Export> & co]]>")
    result = parse_ofx(text.encode())
    assert result.rows[0].lines[1].label == "China <Export> & co"


def test_an_unclosed_comment_is_refused_with_its_line():
    text = SGML.format(second="A2").replace("<STMTTRN><TRNTYPE>DEBIT", "<!-- <STMTTRN><TRNTYPE>DEBIT")
    with pytest.raises(ImportFileError) as error:
        parse_ofx(text.encode())
    assert str(error.value) == "ligne 18 : commentaire <!-- sans --> : le fichier est incomplet"


def test_ofx2_is_parsed_as_xml_a_broken_one_is_refused_with_its_line():
    text = REAL.read_text().replace("<TRNAMT>-90</TRNAMT>", "<TRNAMT>-90", 1)
    with pytest.raises(ImportFileError) as error:
        parse_ofx(text.encode())
    assert str(error.value).startswith("ligne 48 : XML mal formé")


def test_ofx2_with_an_external_entity_is_refused():
    text = REAL.read_text().replace(
        '<?OFX', '<!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]><?OFX'
    ).replace("China Export", "&x;")
    with pytest.raises(ImportFileError, match="DOCTYPE ou ENTITY"):
        parse_ofx(text.encode())


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("<DTPOSTED>20240104120000", "opération sans DTPOSTED : élément obligatoire absent"),
        ("<TRNAMT>-12.50", "opération sans TRNAMT : élément obligatoire absent"),
        ("<FITID>A2", "opération sans FITID : élément obligatoire absent"),
    ],
)
def test_a_transaction_missing_a_required_element_is_a_problem_on_its_line(drop, message):
    result = parse_ofx(SGML.format(second="A2").replace(drop, "").encode())
    assert [str(p) for p in result.problems] == [f"ligne 18 : {message}"]


def test_a_transaction_missing_several_required_elements_xml():
    text = REAL.read_text()
    text = text.replace("<FITID>219380</FITID>", "").replace("<TRNAMT>-100</TRNAMT>", "")
    result = parse_ofx(text.encode())
    assert [str(p) for p in result.problems] == [
        "ligne 53 : opération sans TRNAMT, FITID : éléments obligatoires absents"
    ]
