"""Bank statements through the pipeline: the real files of ../shared/data, overlaps, bad input.

Expected values are read by hand from the files (positions of formats.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from claims.imports.services import ImportRefused
from claims.models import ImportBatch
from payments.models import BankAccount, BankLine, BankStatement
from tests.imports.helpers import DATA, run_import, snapshot, write

pytestmark = pytest.mark.django_db

D = Decimal


def lines_of(pharmacy, account_id: str) -> list[tuple]:
    return list(
        BankLine.objects.filter(pharmacy=pharmacy, account__account_id=account_id)
        .order_by("id")
        .values_list("booking_date", "amount", "label", "bank_reference")
    )


def test_the_pennylane_cfonb_example_imports_two_accounts(pharmacy_a):
    batch = run_import(pharmacy_a, DATA / "cfonb" / "pennylane-example.txt")
    assert batch.status == ImportBatch.Status.COMMITTED
    assert (batch.kind, batch.file_format) == ("bank", "cfonb")
    assert batch.counts["created"] == 6
    assert lines_of(pharmacy_a, "15589/00000/98765432100") == [
        (dt.date(2019, 5, 16), D("-32.21"), "PRLV SEPA TEST CABINET", ""),  # 0000000000322J
        (dt.date(2019, 5, 16), D("-10.70"), "VIR SEPA DEMONSTRATION", "REFERENCE"),  # ...107}
        (dt.date(2019, 5, 15), D("-7.90"), "F COMMISSION D INTERVENTION", ""),  # ...079}
    ]
    assert lines_of(pharmacy_a, "18706/00000/00123456789") == [
        (dt.date(2019, 5, 17), D("97.49"), "PRLV SEPA GROUPAMA CEN", ""),  # 0000000000974I
        (dt.date(2019, 5, 15), D("-12.10"), "F FRAIS PRLV IMP 97 49EUR", ""),
        (dt.date(2019, 5, 16), D("-7.90"), "F COMMISSION D INTERVENTION", ""),
    ]
    statement = BankStatement.objects.get(account__account_id="15589/00000/98765432100")
    assert (statement.opening_balance, statement.closing_balance) == (D("-190.40"), D("-241.21"))
    groupama = BankLine.objects.get(amount=D("97.49"))
    assert groupama.value_date == dt.date(2019, 5, 15)
    assert groupama.details["LIB"] == ["P051928612   22793301700040"]


def test_the_akretion_cfonb_file_imports_with_its_balance_gap_reported(pharmacy_a):
    batch = run_import(pharmacy_a, DATA / "cfonb" / "akretion-bank_statement.cfo")
    assert batch.status == ImportBatch.Status.COMMITTED
    assert lines_of(pharmacy_a, "30002/00447/0000888899H") == [
        (dt.date(2011, 8, 21), D("-2000.00"), "LCL20000000142", ""),
        (dt.date(2011, 8, 21), D("-1000.00"), "LCL20000000141", ""),
        (dt.date(2011, 8, 21), D("4000.00"), "LCL20000000144", ""),
        (dt.date(2011, 8, 21), D("-3000.00"), "LCL20000000143", ""),
    ]
    assert any("les soldes ne concordent pas" in note for note in batch.counts["notes"])


def test_an_overlapping_statement_never_creates_a_line_twice(pharmacy_a, tmp_path):
    run_import(pharmacy_a, DATA / "cfonb" / "pennylane-example.txt")
    before = BankLine.objects.count()
    # The first account's statement again, with only its first movement (and fewer
    # complements): pennylane-operation.txt alone has no 01/07 and is refused since issue 19.
    example = (DATA / "cfonb" / "pennylane-example.txt").read_text().splitlines()
    operation = (DATA / "cfonb" / "pennylane-operation.txt").read_text().splitlines()
    text = "\n".join([example[0], *operation, example[20]]) + "\n"
    batch = run_import(pharmacy_a, write(tmp_path, "overlap.txt", text))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert (batch.counts["created"], batch.counts["unchanged"]) == (0, 1)
    assert BankLine.objects.count() == before


def test_identical_lines_without_reference_are_kept_apart_by_their_rank(pharmacy_a, tmp_path):
    text = (DATA / "cfonb" / "akretion-bank_statement.cfo").read_text()
    records = text.splitlines()
    twice = "\n".join([records[0], records[1], records[1], records[5]]) + "\n"
    batch = run_import(pharmacy_a, write(tmp_path, "twice.cfo", twice))
    assert batch.counts["created"] == 2
    # The same two lines inside a longer statement: still two lines.
    batch = run_import(pharmacy_a, write(tmp_path, "more.cfo", "\n".join(
        [records[0], records[1], records[1], records[2], records[5]]) + "\n"))
    assert (batch.counts["created"], batch.counts["unchanged"]) == (1, 2)
    assert BankLine.objects.filter(label="LCL20000000142").count() == 2


def test_a_reference_repeated_in_a_statement_does_not_merge_its_lines(pharmacy_a, tmp_path):
    records = (DATA / "cfonb" / "akretion-bank_statement.cfo").read_text().splitlines()
    for i in (1, 2):  # two different movements, one reference
        records[i] = records[i][:104] + "LOT0001".ljust(16)
    text = "\n".join(records) + "\n"
    batch = run_import(pharmacy_a, write(tmp_path, "ref.cfo", text))
    assert batch.counts["created"] == 4
    assert BankLine.objects.filter(bank_reference="LOT0001").count() == 2
    again = run_import(pharmacy_a, write(tmp_path, "ref-copie.cfo", text + "\n"))
    assert (again.counts["created"], again.counts["unchanged"]) == (0, 4)


def test_the_same_statement_in_another_file_changes_nothing(pharmacy_a, tmp_path):
    run_import(pharmacy_a, DATA / "cfonb" / "pennylane-example.txt")
    before = snapshot()
    content = (DATA / "cfonb" / "pennylane-example.txt").read_bytes() + b"\r\n\r\n"
    batch = run_import(pharmacy_a, write(tmp_path, "copie.txt", content))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert snapshot() == before


def test_the_camt_statement_imports_with_signs(pharmacy_a):
    batch = run_import(pharmacy_a, DATA / "camt" / "oca-test-camt053.xml")
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.file_format == "camt053"
    rows = lines_of(pharmacy_a, "NL77ABNA0574908765")
    assert [(r[0], r[1]) for r in rows] == [
        (dt.date(2014, 1, 5), D("-754.25")),  # DBIT
        (dt.date(2014, 1, 5), D("-664.05")),  # DBIT, reversal batch of two
        (dt.date(2014, 1, 5), D("1405.31")),  # CRDT
    ]
    assert rows[0][2].startswith("Insurance policy 857239")
    statement = BankStatement.objects.get()
    assert (statement.opening_balance, statement.closing_balance) == (D("15568.27"), D("15121.12"))


def test_the_ofx_statement_imports_with_its_fitids(pharmacy_a):
    batch = run_import(pharmacy_a, DATA / "ofx" / "oca-test_ofx.ofx")
    assert batch.status == ImportBatch.Status.COMMITTED
    assert lines_of(pharmacy_a, "000000123/123456") == [
        (dt.date(2013, 8, 24), D("-80"), "Agrolait", "219378"),
        (dt.date(2013, 8, 24), D("-90"), "China Export", "219379"),
        (dt.date(2013, 8, 24), D("-100"), "Axelor Scuba", "219380"),
        (dt.date(2013, 8, 24), D("-90"), "China Scuba", "219381"),
    ]
    assert BankAccount.objects.get(account_id="000000123/123456").currency == "USD"


# --- bad input: the database stays as it was, the message is French and precise ----------

def test_a_truncated_cfonb_line_is_refused(pharmacy_a, tmp_path):
    records = (DATA / "cfonb" / "pennylane-example.txt").read_text().splitlines()
    records[2] = records[2][:80]
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "cut.txt", "\n".join(records)))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["line"] == 3 and "tronquée" in batch.errors[0]["message"]
    assert snapshot() == before


def test_a_cfonb_file_without_line_breaks_is_read(pharmacy_a, tmp_path):
    records = (DATA / "cfonb" / "akretion-bank_statement.cfo").read_text().splitlines()
    assert all(len(r) == 120 for r in records)
    batch = run_import(pharmacy_a, write(tmp_path, "one-line.cfo", "".join(records)))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.counts["created"] == 4


def akretion_records() -> list[str]:
    return (DATA / "cfonb" / "akretion-bank_statement.cfo").read_text().splitlines()


@pytest.mark.parametrize(
    ("build", "line", "message"),
    [
        (lambda r: r[1:], 1, "mouvement (04) du compte 30002/00447/0000888899H hors relevé : "
         "sans ancien solde (01) avant lui"),
        (lambda r: r + [r[2]], 7, "mouvement (04) du compte 30002/00447/0000888899H hors relevé : "
         "après le nouveau solde (07) ligne 6 qui a clos le relevé"),
        (lambda r: [r[5]], 1, "nouveau solde (07) du compte 30002/00447/0000888899H "
         "sans ancien solde (01) avant lui"),
        (lambda r: r[:3] + r, 4, "ancien solde (01) du compte 30002/00447/0000888899H alors que "
         "le relevé du compte 30002/00447/0000888899H ouvert ligne 1 n'est pas clos par un "
         "nouveau solde (07)"),
        (lambda r: r[:2] + [r[2][:112]] + r[3:], 3, "ligne tronquée : 112 caractères au lieu de 120"),
    ],
    ids=["04-before-01", "04-after-07", "07-without-01", "01-inside-01", "short-record"],
)
def test_a_broken_cfonb_structure_is_refused_and_nothing_written(
    pharmacy_a, tmp_path, build, line, message
):
    run_import(pharmacy_a, DATA / "cfonb" / "pennylane-example.txt")
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "broken.cfo", "\r\n".join(build(akretion_records()))))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["message"]) for e in batch.errors] == [(line, message)]
    assert snapshot() == before


def test_a_cfonb_file_on_one_line_with_a_final_newline_is_read(pharmacy_a, tmp_path):
    batch = run_import(pharmacy_a, write(tmp_path, "one-line.cfo", "".join(akretion_records()) + "\n"))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.counts["created"] == 4


def test_a_complement_before_any_movement_is_refused(pharmacy_a, tmp_path):
    records = (DATA / "cfonb" / "pennylane-example.txt").read_text().splitlines()
    text = "\n".join([records[0], records[3], records[2]])
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "05.txt", text))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["line"] == 2 and "(05) sans mouvement (04)" in batch.errors[0]["message"]
    assert snapshot() == before


def test_an_invalid_date_in_a_movement_is_refused(pharmacy_a, tmp_path):
    records = (DATA / "cfonb" / "akretion-bank_statement.cfo").read_text().splitlines()
    records[2] = records[2][:34] + "310211" + records[2][40:]
    batch = run_import(pharmacy_a, write(tmp_path, "date.cfo", "\n".join(records)))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["line"] == 3 and "date invalide" in batch.errors[0]["message"]
    assert not BankLine.objects.exists()


CAMT_HEAD = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;'
        '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>',
    ],
    ids=["external-entity", "billion-laughs"],
)
def test_xml_with_entities_is_refused(pharmacy_a, tmp_path, prolog):
    body = f'<?xml version="1.0"?>{prolog}{CAMT_HEAD}<Stmt><Id>&xxe;&lol4;</Id></Stmt></BkToCstmrStmt></Document>'
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "evil.xml", body))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors and all("passwd" not in e["message"] for e in batch.errors)
    assert snapshot() == before


def test_an_ofx_with_a_repeated_fitid_is_refused(pharmacy_a, tmp_path):
    text = (DATA / "ofx" / "oca-test_ofx.ofx").read_text().replace("219379", "219378")
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "dup.ofx", text))
    assert batch.status == ImportBatch.Status.FAILED
    assert any("219378 en double" in e["message"] for e in batch.errors)
    assert snapshot() == before


def test_a_binary_file_is_refused(pharmacy_a, tmp_path):
    with pytest.raises(ImportRefused) as refused:
        run_import(pharmacy_a, write(tmp_path, "photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
    assert "non reconnu" in refused.value.message or "binaire" in refused.value.message


def test_an_ofx_transaction_commented_out_is_not_imported(pharmacy_a, tmp_path):
    text = (DATA / "ofx" / "oca-test_ofx.ofx").read_text()
    start = text.index("          <STMTTRN>", text.index("219378"))
    end = text.index("</STMTTRN>", start) + len("</STMTTRN>")
    text = text[:start] + "<!--" + text[start:end] + "-->" + text[end:]
    batch = run_import(pharmacy_a, write(tmp_path, "commented.ofx", text))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert [r[3] for r in lines_of(pharmacy_a, "000000123/123456")] == ["219378", "219380", "219381"]


def test_an_ofx_transaction_without_fitid_is_refused_and_nothing_written(pharmacy_a, tmp_path):
    text = (DATA / "ofx" / "oca-test_ofx.ofx").read_text().replace("<FITID>219380</FITID>", "")
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "nofitid.ofx", text))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["message"]) for e in batch.errors] == [
        (53, "opération sans FITID : élément obligatoire absent")
    ]
    assert snapshot() == before


# --- every statement against the pharmacy's accounts (issue 19) ---------------------------

from tests.parsers.test_camt import ENTRY, camt  # noqa: E402

OWN_IBAN = "FR7630002004470000888899H12"  # the IBAN of camt()'s statement


def camt_of(iban: str = OWN_IBAN, currency: str = "EUR") -> bytes:
    return camt(ENTRY.format(second="50.00")).replace(
        f"<IBAN>{OWN_IBAN}</IBAN></Id><Ccy>EUR</Ccy>".encode(),
        f"<IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy>".encode(),
    ).replace(b'Ccy="EUR"', f'Ccy="{currency}"'.encode())


@pytest.fixture
def own_account(pharmacy_a):
    return BankAccount.objects.create(pharmacy=pharmacy_a, account_id=OWN_IBAN, currency="EUR")


def test_a_statement_of_the_pharmacys_account_goes_to_it(pharmacy_a, own_account, tmp_path):
    batch = run_import(pharmacy_a, write(tmp_path, "own.xml", camt_of()), create_accounts=False)
    assert batch.status == ImportBatch.Status.COMMITTED and batch.counts["accounts_created"] == 0
    assert BankLine.objects.get().account == own_account


def test_another_holders_iban_is_refused_and_nothing_written(pharmacy_a, own_account, tmp_path):
    before = snapshot()
    other = "FR7610107001011234567890129"
    batch = run_import(pharmacy_a, write(tmp_path, "other.xml", camt_of(other)), create_accounts=False)
    assert batch.status == ImportBatch.Status.FAILED
    assert [e["message"] for e in batch.errors] == [
        f"Le relevé est celui du compte {other} (EUR), qui n'est pas un compte de la pharmacie "
        f"{pharmacy_a.name} : le fichier n'est pas importé. S'il s'agit bien d'un nouveau compte "
        f"de la pharmacie, déposez à nouveau le fichier et cochez « Créer le compte {other} » "
        "avant de confirmer ; sinon, c'est le relevé d'un autre titulaire."
    ]
    assert snapshot() == before


def test_a_statement_in_chf_for_the_eur_account_is_refused(pharmacy_a, own_account, tmp_path):
    before = snapshot()
    # Even ticked: the account exists, in euros; a CHF statement is never attached to it.
    batch = run_import(pharmacy_a, write(tmp_path, "chf.xml", camt_of(currency="CHF")))
    assert batch.status == ImportBatch.Status.FAILED
    assert [e["message"] for e in batch.errors] == [
        f"Relevé du compte {OWN_IBAN} en CHF, alors que ce compte de la pharmacie est en EUR : "
        "le fichier n'est pas importé. Demandez à la banque le relevé du compte en euros."
    ]
    assert snapshot() == before


def test_a_cfonb_statement_of_the_iban_account_goes_to_it(pharmacy_a, tmp_path):
    """CFONB names the account bank/branch/number: the same account as its French IBAN."""
    account = BankAccount.objects.create(
        pharmacy=pharmacy_a, account_id="FR7630002004470000888899H12", currency="EUR"
    )
    batch = run_import(pharmacy_a, DATA / "cfonb" / "akretion-bank_statement.cfo", create_accounts=False)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert BankLine.objects.filter(account=account).count() == 4
    assert BankAccount.objects.count() == 1


def test_a_camt_line_booked_outside_the_statement_period_is_refused(pharmacy_a, tmp_path):
    data = camt_of().replace(b"<DtTm>2024-01-06T10:00:00</DtTm>", b"<DtTm>2024-02-06T10:00:00</DtTm>")
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "late.xml", data))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["message"]) for e in batch.errors] == [(
        6, f"opération du 06/02/2024 hors de la période du relevé du compte {OWN_IBAN} "
        "(05/01/2024 au 06/01/2024)"
    )]
    assert snapshot() == before


def test_an_ofx_line_booked_outside_the_statement_period_is_refused(pharmacy_a, tmp_path):
    text = (DATA / "ofx" / "oca-test_ofx.ofx").read_text().replace(
        "<DTPOSTED>20130824080000</DTPOSTED>\n            <TRNAMT>-100",
        "<DTPOSTED>20130903080000</DTPOSTED>\n            <TRNAMT>-100",
    )
    before = snapshot()
    batch = run_import(pharmacy_a, write(tmp_path, "late.ofx", text))
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["message"]) for e in batch.errors] == [(
        53, "opération du 03/09/2013 hors de la période du relevé du compte 000000123/123456 "
        "(01/08/2013 au 31/08/2013)"
    )]
    assert snapshot() == before


def test_a_bank_csv_without_account_goes_to_the_only_account_or_is_refused(pharmacy_a, tmp_path):
    text = "date;libelle;montant\n05/01/2024;VIR CPAM DU RHONE;1 234,56\n"
    before = snapshot()
    refused = run_import(pharmacy_a, write(tmp_path, "sans-compte.csv", text))
    assert refused.status == ImportBatch.Status.FAILED
    assert [e["message"] for e in refused.errors] == [
        "Le relevé ne dit pas de quel compte il est (pas de colonne « compte ») et la pharmacie "
        "n'a encore aucun compte : ajoutez au fichier une colonne « compte » avec l'IBAN."
    ]
    assert snapshot() == before
    account = BankAccount.objects.create(pharmacy=pharmacy_a, account_id=OWN_IBAN)
    batch = run_import(pharmacy_a, write(tmp_path, "sans-compte-2.csv", text))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert BankLine.objects.get().account == account
