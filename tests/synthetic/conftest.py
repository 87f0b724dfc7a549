"""Generated data sets shared by the synthetic-data tests (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthetic import generate

YEAR = {"seed": 1, "pharmacies": 2, "months": 12, "scale": 0.3}
FORMATS = {"seed": 1, "pharmacies": 10, "months": 2, "scale": 0.1, "start": "2025-04"}


@pytest.fixture(scope="session")
def year_dir(tmp_path_factory) -> Path:
    """A year of two pharmacies (30 % of a typical size, for speed)."""
    out = tmp_path_factory.mktemp("year")
    generate(out=str(out), **YEAR)
    return out


@pytest.fixture(scope="session")
def formats_dir(tmp_path_factory) -> Path:
    """Ten small pharmacies over two months (April-May 2025: Easter Monday, 1 and 8 May,
    Ascension): every bank format, both encodings and a Corsican FINESS occur."""
    out = tmp_path_factory.mktemp("formats")
    generate(out=str(out), **FORMATS)
    return out


def pharmacies(folder: Path) -> list[dict]:
    return json.loads((folder / "pharmacies.json").read_text(encoding="utf-8"))


def month_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/????-??") if p.is_dir())


def truths(folder: Path, finess: str) -> list[dict]:
    return [json.loads((m / "truth.json").read_text()) for m in sorted((folder / finess).iterdir())]


def read_csv(path: Path, encoding: str) -> list[dict]:
    text = path.read_text(encoding=encoding)
    header, *lines = text.splitlines()
    names = header.split(";")
    return [dict(zip(names, line.split(";"), strict=True)) for line in lines if line]
