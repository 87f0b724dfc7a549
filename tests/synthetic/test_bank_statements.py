"""Bank statements parse as what they claim to be, balances add up, bank days only."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from ofxtools.Parser import OFXTree

from synthetic.bank import overpunch
from synthetic.calendar import is_bank_day
from tests.synthetic.checks import overpunched, read_camt, read_cfonb
from tests.synthetic.conftest import month_dirs, pharmacies, truths


def _with(folder, name):
    return [m / name for m in month_dirs(folder) if (m / name).exists()]


def test_all_three_formats_occur(formats_dir):
    files = [f for p in pharmacies(formats_dir) for f in p["bank_files"]]
    assert {"releve.cfonb", "releve.camt.xml", "releve.ofx"} <= set(files)
    for p in pharmacies(formats_dir):  # OFX always comes with a CFONB or CAMT statement
        assert set(p["bank_files"]) & {"releve.cfonb", "releve.camt.xml"}


@pytest.mark.parametrize("cents", [0, 1, 9, 10, 12345, -1, -10, -32_21, -9_999_999_999_999])
def test_overpunch_round_trip(cents):
    assert overpunched(overpunch(cents), 2) == Decimal(cents).scaleb(-2)


def test_overpunch_reader_agrees_with_a_real_bank_file():
    # From pennylane-hq/cfonb's example.txt: a debit of 32.21, an opening balance of -190.40.
    assert overpunched("0000000000322J", 2) == Decimal("-32.21")
    assert overpunched("0000000001904}", 2) == Decimal("-190.40")
    assert overpunched("0000000000107}", 2) == Decimal("-10.70")
    assert overpunch(-32_21) == "0000000000322J"


def test_cfonb_records_are_exact_and_balances_add_up(formats_dir, year_dir):
    files = _with(formats_dir, "releve.cfonb") + _with(year_dir, "releve.cfonb")
    assert files
    for path in files:
        blocks = read_cfonb(path.read_bytes())  # 120 characters, 01/04/05/07 order
        assert blocks
        for previous, block in pairwise(blocks):
            assert block.old_balance == previous.new_balance
            assert block.old_date == previous.new_date
        for block in blocks:
            assert block.old_balance + sum(m.amount for m in block.movements) == block.new_balance
            for movement in block.movements:
                assert movement.day == block.new_date
                assert is_bank_day(movement.day), (path, movement)
                assert movement.amount != 0 and len(movement.reference) == 16


def test_cfonb_statements_chain_from_month_to_month(year_dir):
    cfonb = [p["finess"] for p in pharmacies(year_dir) if "releve.cfonb" in p["bank_files"]]
    assert cfonb
    months = sorted((year_dir / cfonb[0]).iterdir())
    for before, after in pairwise(months):
        last = read_cfonb((before / "releve.cfonb").read_bytes())[-1]
        first = read_cfonb((after / "releve.cfonb").read_bytes())[0]
        assert first.old_balance == last.new_balance


def test_cfonb_labels_and_complements_look_like_real_transfers(year_dir):
    finess = next(p["finess"] for p in pharmacies(year_dir) if "releve.cfonb" in p["bank_files"])
    movements = [m for path in sorted((year_dir / finess).glob("*/releve.cfonb"))
                 for b in read_cfonb(path.read_bytes()) for m in b.movements]
    labels = [m.label for m in movements]
    assert any(label.startswith("VIR SEPA RECU /DE CPAM") for label in labels)
    assert any(label.split()[0] == "VIR" and label.split()[1].isdigit()
               and 20 <= len(label.split()[1]) <= 28 for label in labels)
    qualifiers = {q for m in movements for q, _ in m.complements}
    assert {"NPY", "LIB", "RCN"} <= qualifiers
    with_rcn = [m for m in movements if any(q == "RCN" for q, _ in m.complements)]
    transfers = [m for m in movements if m.label.startswith("VIR SEPA RECU")]
    assert 0 < len(with_rcn) < len(transfers)  # some payers give the bordereau, not all
    assert any(label.startswith("PRLV SEPA") for label in labels)  # wholesaler
    assert any(label.startswith("REMISE CB") for label in labels)  # card settlements


def test_camt_is_well_formed_and_balances_add_up(formats_dir, year_dir):
    files = _with(formats_dir, "releve.camt.xml") + _with(year_dir, "releve.camt.xml")
    assert files
    for path in files:
        opening, closing, entries = read_camt(path.read_bytes())
        assert entries
        assert opening + sum(e.amount for e in entries) == closing
        assert all(is_bank_day(e.day) and e.reference for e in entries)
        assert len({e.reference for e in entries}) == len(entries)


def test_ofx_parses_with_ofxtools_and_matches_the_other_statement(formats_dir):
    files = _with(formats_dir, "releve.ofx")
    assert files
    for path in files:
        tree = OFXTree()
        tree.parse(str(path))
        statement = tree.convert().statements[0]
        other = path.with_name("releve.camt.xml")
        if other.exists():
            opening, closing, entries = read_camt(other.read_bytes())
            expected = {(e.reference, e.amount) for e in entries}
        else:
            blocks = read_cfonb(path.with_name("releve.cfonb").read_bytes())
            closing = blocks[-1].new_balance
            expected = {(m.reference, m.amount) for b in blocks for m in b.movements}
        assert statement.balance.balamt == closing
        assert {(t.fitid, t.trnamt) for t in statement.transactions} == expected


def test_every_transfer_of_the_truth_is_on_the_statement(year_dir):
    for p in pharmacies(year_dir):
        for truth in truths(year_dir, p["finess"]):
            folder = year_dir / p["finess"] / truth["month"]
            if "releve.cfonb" in p["bank_files"]:
                lines = {(m.reference, m.amount, m.day.isoformat())
                         for b in read_cfonb((folder / "releve.cfonb").read_bytes())
                         for m in b.movements}
            else:
                lines = {(e.reference, e.amount, e.day.isoformat())
                         for e in read_camt((folder / "releve.camt.xml").read_bytes())[2]}
            assert truth["transfers"]
            for t in truth["transfers"]:
                assert (t["bank_ref"], Decimal(t["amount"]), t["date"]) in lines
