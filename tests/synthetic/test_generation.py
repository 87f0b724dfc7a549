"""Determinism, the bank calendar, encodings and the command-line entry points."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from django.core.management import call_command

from synthetic import generate
from synthetic.calendar import BankCalendar, easter_sunday, is_bank_day, public_holidays
from tests.synthetic.conftest import pharmacies, read_csv

SMALL = {"seed": 7, "months": 2, "scale": 0.1, "start": "2024-12"}
ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    generate(out=str(tmp_path / "a"), pharmacies=2, **SMALL)
    generate(out=str(tmp_path / "b"), pharmacies=2, **SMALL)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(a) == 1 + 2 * 2 * 4
    assert a == b


def test_another_seed_gives_other_data(tmp_path):
    generate(out=str(tmp_path / "a"), pharmacies=1, **SMALL)
    generate(out=str(tmp_path / "b"), pharmacies=1, **{**SMALL, "seed": 8})
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


def test_pharmacy_k_is_the_same_whatever_the_number_of_pharmacies(tmp_path):
    generate(out=str(tmp_path / "one"), pharmacies=1, **SMALL)
    generate(out=str(tmp_path / "three"), pharmacies=3, jobs=2, **SMALL)
    finess = pharmacies(tmp_path / "one")[0]["finess"]
    assert pharmacies(tmp_path / "three")[0] == pharmacies(tmp_path / "one")[0]
    assert _files(tmp_path / "one" / finess) == _files(tmp_path / "three" / finess)


def test_easter_and_french_public_holidays():
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)
    holidays = public_holidays(2025)
    assert len(holidays) == 11
    assert {date(2025, 4, 21), date(2025, 5, 29), date(2025, 6, 9)} <= holidays  # Easter
    assert not is_bank_day(date(2025, 7, 14)) and not is_bank_day(date(2025, 10, 4))
    assert is_bank_day(date(2025, 10, 3))


def test_adding_bank_days_skips_weekends_and_holidays():
    calendar = BankCalendar(date(2025, 4, 1), date(2025, 6, 30))
    assert calendar.add(date(2025, 4, 17), 2) == date(2025, 4, 22)  # Fri, then Easter Monday
    assert calendar.add(date(2025, 4, 19), 1) == date(2025, 4, 22)  # from a Saturday
    assert calendar.on_or_after(date(2025, 5, 1)) == date(2025, 5, 2)


def test_no_transfer_on_a_weekend_or_a_holiday(year_dir):
    days = [date.fromisoformat(t["date"]) for truth in year_dir.glob("*/*/truth.json")
            for t in json.loads(truth.read_text())["transfers"]]
    assert days and all(is_bank_day(d) for d in days)


def test_windows_1252_claims_files_decode_with_their_accents(formats_dir):
    found = False
    for p in pharmacies(formats_dir):
        path = next((formats_dir / p["finess"]).glob("*/factures.csv"))
        raw = path.read_bytes()
        if p["encoding"] == "cp1252":
            found = True
            assert b"\r\n" in raw
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise AssertionError("a Windows-1252 file with accents is not valid UTF-8")
            names = [r["patient"] for r in read_csv(path, "cp1252")]
            assert any(ch in "".join(names) for ch in "éèëïçÉÈ")
        else:
            raw.decode("utf-8")
    assert found


def test_python_m_synthetic_works_without_django(tmp_path):
    code = (
        "import sys, runpy; sys.argv = ['synthetic', '--seed', '3', '--pharmacies', '1', "
        f"'--months', '1', '--size', '0.05', '--out', {str(tmp_path)!r}]; "
        "runpy.run_module('synthetic', run_name='__main__'); "
        "assert 'django' not in sys.modules, 'synthetic imported Django'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert '"pharmacies": 1' in result.stdout
    assert (tmp_path / "pharmacies.json").exists()


def test_the_manage_py_command_writes_the_same_data(tmp_path):
    out = io.StringIO()
    call_command("generate_data", "--seed", "7", "--pharmacies", "1", "--months", "2",
                 "--size", "0.1", "--start", "2024-12", "--out", str(tmp_path / "cmd"), stdout=out)
    generate(out=str(tmp_path / "lib"), pharmacies=1, **SMALL)
    assert '"months": 2' in out.getvalue()
    assert _files(tmp_path / "cmd") == _files(tmp_path / "lib")
