"""Formats are told apart by content; size is checked before anything else."""

import contextlib

import pytest

from core import problems as errors
from core.formats import detect_format
from core.problems import ImportFileError
from payments.parsers.detect import parse_file

from .conftest import FILES, SHARED_DATA


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (FILES / "factures.csv", "claims_csv"),
        (FILES / "retours.csv", "returns_csv"),
        (SHARED_DATA / "cfonb" / "akretion-bank_statement.cfo", "cfonb"),
        (SHARED_DATA / "cfonb" / "pennylane-example.txt", "cfonb"),
        (SHARED_DATA / "cfonb" / "pennylane-operation.txt", "cfonb"),
        (SHARED_DATA / "camt" / "oca-test-camt053.xml", "camt053"),
        (SHARED_DATA / "ofx" / "oca-test_ofx.ofx", "ofx"),
    ],
)
def test_it_detects_each_real_or_fixture_file(path, expected):
    assert detect_format(path.read_bytes()) == expected


def test_it_detects_sgml_ofx_bank_csv_and_unbroken_cfonb():
    assert detect_format(b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>") == "ofx"
    assert detect_format("\ufeffDate;Libellé;Montant\n".encode()) == "bank_csv"
    one_line = "".join(
        bl.ljust(120)
        for bl in (SHARED_DATA / "cfonb" / "akretion-bank_statement.cfo").read_text().splitlines()
    )
    assert "\n" not in one_line
    assert detect_format(one_line.encode()) == "cfonb"


def test_a_claims_file_with_renamed_extension_is_still_claims():
    # Content decides, not the name: parse_file never sees a name at all.
    fmt, result = parse_file((FILES / "factures.csv").read_bytes(), expected_finess="690001235")
    assert (fmt, len(result.rows), result.problems) == ("claims_csv", 3, [])


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(ImportFileError, match="vide"):
        parse_file(data, expected_finess=None)


@pytest.mark.parametrize(
    "data", [b"hello world", b"<html><body/></html>", b"a|b|c\n1|2|3", b"%PDF-1.7\x00\x01"]
)
def test_unknown_content_is_refused_in_french(data):
    with pytest.raises(ImportFileError, match="Format de fichier non reconnu"):
        parse_file(data, expected_finess=None)


def test_a_file_over_the_limit_is_refused_by_size_before_parsing():
    # Garbage that would fail detection: the size message must win.
    with pytest.raises(ImportFileError, match="Fichier trop volumineux") as error:
        parse_file(b"\x00" * 2048, expected_finess=None, max_bytes=1024)
    assert str(error.value) == "Fichier trop volumineux : 2 Ko, la limite est de 1 Ko."


def test_the_default_limit_is_50_mb_checked_on_the_size_alone():
    assert errors.MAX_IMPORT_BYTES == 50 * 1024 * 1024
    errors.check_size(errors.MAX_IMPORT_BYTES)
    with pytest.raises(
        ImportFileError, match="Fichier trop volumineux : 50,1 Mo, la limite est de 50 Mo"
    ):
        errors.check_size(errors.MAX_IMPORT_BYTES + 1)


def test_camt052_is_refused_with_a_clear_message():
    with pytest.raises(ImportFileError, match="CAMT.052 ou CAMT.054"):
        detect_format(b'<?xml version="1.0"?><Document><BkToCstmrAcctRpt/></Document>')


def test_damaged_files_give_import_errors_or_problems_never_a_crash():
    import random

    samples = [p.read_bytes() for p in sorted(SHARED_DATA.glob("*/*")) if p.suffix != ".md"]
    samples += [p.read_bytes() for p in sorted(FILES.glob("*"))]
    rng = random.Random(4)
    for _ in range(1500):
        data = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[pos] = rng.randrange(256)
            else:
                del data[pos : pos + rng.randint(1, 40)]
        with contextlib.suppress(ImportFileError):
            parse_file(bytes(data), expected_finess="690001235")
