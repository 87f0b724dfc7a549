"""Identifiers the generator writes are valid by the real rules."""

from __future__ import annotations

import re
from random import Random

from stdnum.fr import nir

from claims.reference import AMC_PAYERS, AMO_ORGANISMS, ORGANISMS, cpam_for_departement
from pharmacies.identifiers import finess_checksum_is_valid, luhn_is_valid, rpps_is_valid
from synthetic.identifiers import make_finess, make_iban, make_nir, make_rpps
from tests.synthetic.conftest import month_dirs, pharmacies, read_csv

AMO_REGIMES = {"01", "02", "04", "05", "06", "08", "10", "91", "92", "95"}


def _factures(folder):
    encodings = {p["finess"]: p["encoding"] for p in pharmacies(folder)}
    for month in month_dirs(folder):
        yield from read_csv(month / "factures.csv", encodings[month.parent.name])


def test_every_nir_written_has_a_valid_key_and_corsica_occurs(formats_dir):
    rows = list(_factures(formats_dir))
    assert rows
    assert all(nir.is_valid(r["nir"]) for r in rows)
    assert any(r["nir"][5:7] in ("2A", "2B") for r in rows)


def test_nir_keys_for_corsica_overseas_and_abroad():
    rng = Random(3)
    for place in ("2A", "2B", "971", "99", "69"):
        number = make_nir(rng, sex=2, year=1961, month=7, birth_place=place)
        assert nir.is_valid(number), number
        assert len(number) == 15


def test_finess_are_luhn_valid_including_corsica(formats_dir):
    finess = [p["finess"] for p in pharmacies(formats_dir)]
    assert any(f.startswith("2A") for f in finess)
    assert all(finess_checksum_is_valid(f) for f in finess)
    rng = Random(5)
    for departement in ("2A", "2B", "971", "01", "75"):
        assert finess_checksum_is_valid(make_finess(rng, departement))


def test_a_wrong_finess_key_is_detected():
    number = make_finess(Random(1), "69")
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not finess_checksum_is_valid(wrong)


def test_prescribers_are_rpps(formats_dir):
    rpps = {r["prescripteur"] for r in _factures(formats_dir)} - {""}
    assert rpps
    assert all(rpps_is_valid(p) and luhn_is_valid(p) for p in rpps)
    assert rpps_is_valid(make_rpps(Random(2)))


def test_payer_codes_have_their_shapes(formats_dir):
    rows = list(_factures(formats_dir))
    amo = {r["organisme"] for r in rows if r["payeur"] == "AMO"}
    amc = {r["organisme"] for r in rows if r["payeur"] == "AMC"}
    assert amo and amc
    assert all(re.fullmatch(r"\d{9}", code) and code[:2] in AMO_REGIMES for code in amo)
    assert all(len(code) == 10 for code in amc)
    assert {code[:2] for code in amo} >= {"01", "02"}


def test_reference_organisms():
    assert len({(o.kind, o.code) for o in ORGANISMS}) == len(ORGANISMS)
    assert all(re.fullmatch(r"\d{9}", o.code) for o in AMO_ORGANISMS)
    assert all(len(o.code) == 10 and o.code.startswith("0") for o in AMC_PAYERS)
    assert len(AMC_PAYERS) >= 36
    assert {o.operator for o in AMC_PAYERS} == {"", "Almerys", "Viamedis", "iSanté",
                                                "SP Santé", "Kalixia"}
    assert cpam_for_departement("69").name == "CPAM DU RHONE"
    assert cpam_for_departement("69").code == "016910000"
    assert cpam_for_departement("2b").code[2:5] == "202"
    assert any(o.usual_delay_days >= 45 for o in AMC_PAYERS)  # a few take months


def test_iban_is_valid():
    from stdnum import iban

    assert iban.is_valid(make_iban(Random(9))[0])
