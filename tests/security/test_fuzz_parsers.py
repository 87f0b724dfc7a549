"""Hostile files (issue 9): every parser, fed mutated real and generated files,
raises nothing but the importers' own `ImportFileError`.

Bounded: a fixed number of examples per parser and no shrinking deadline, so
the whole module takes seconds, not minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.parsers.claims_csv import parse_claims
from claims.parsers.returns_csv import parse_returns
from core.problems import ImportFileError
from payments.parsers.bank_csv import parse_bank_csv
from payments.parsers.camt import parse_camt
from payments.parsers.cfonb import parse_cfonb
from payments.parsers.detect import parse_file
from payments.parsers.ofx import parse_ofx

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
OWN_FILES = Path(__file__).resolve().parents[1] / "parsers" / "files"
FINESS = "690001003"


def seed(path: Path) -> bytes:
    return path.read_bytes()


def seeds() -> dict[str, list[bytes]]:
    cfonb = sorted((SHARED_DATA / "cfonb").glob("*.*[!d]"))  # not README.md
    return {
        "claims": [seed(OWN_FILES / "factures.csv")],
        "returns": [seed(OWN_FILES / "retours.csv")],
        "cfonb": [seed(p) for p in cfonb if p.suffix != ".md"],
        "camt": [seed(SHARED_DATA / "camt" / "oca-test-camt053.xml")],
        "ofx": [seed(SHARED_DATA / "ofx" / "oca-test_ofx.ofx")],
        "bank_csv": [b"date;libelle;montant\n05/10/2026;VIR SEPA RECU /DE CPAM DU RHONE;1 234,56\n"],
    }


PARSERS = {
    "claims": lambda data: parse_claims(data, expected_finess=FINESS),
    "returns": lambda data: parse_returns(data, expected_finess=FINESS),
    "cfonb": parse_cfonb,
    "camt": parse_camt,
    "ofx": parse_ofx,
    "bank_csv": parse_bank_csv,
}


@st.composite
def mutated(draw, originals: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat", "linebreak"]))
        if operation == "flip":
            data[at] = draw(st.integers(0, 255))
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "truncate":
            del data[at:]
        elif operation == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        else:
            data[at:at] = draw(st.sampled_from([b"\n", b"\r\n", b"\r", b";", b"<", b"&"]))
    return bytes(data)


def only_import_errors(parse, data: bytes) -> None:
    try:
        parse(data)
    except ImportFileError as error:
        assert error.problems and all(p.message for p in error.problems)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_parser_survives_mutated_files(name):
    originals = seeds()[name]
    assert originals, f"no seed file for {name}"

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(mutated(originals))
    def check(data):
        only_import_errors(PARSERS[name], data)

    check()


def test_format_detection_survives_any_mutated_file():
    everything = [data for group in seeds().values() for data in group]

    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(mutated(everything))
    def check(data):
        only_import_errors(lambda d: parse_file(d, expected_finess=FINESS), data)

    check()
