"""Throughput of the claims CSV parser: `python bench/parse_claims.py [ROWS] [--cp1252]`.

Writes a valid `factures` file of ROWS rows (default 1,000,000) to a temp
file, streams it through `iter_claim_rows` and prints rows/s (wall and CPU)
and peak memory, with and without the in-file duplicate check. `--cp1252`: the
file in Windows-1252 with an accented patient name on every row (each such line
is probed for UTF-8: the worst case of the one-encoding check).
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum.fr import nir

from claims.parsers.claims_csv import iter_claim_rows
from core.problems import Problem

HEADER = (
    "finess;facture;lot;date_soins;date_transmission;nir;rang;patient;payeur;organisme;"
    "organisme_nom;montant;operateur;prescripteur\n"
)


def write_file(path: Path, rows: int, encoding: str = "utf-8") -> None:
    rng = random.Random(0)
    nirs = []
    for _ in range(5000):
        base = (
            f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
        )
        nirs.append(base + nir.calc_check_digits(base))
    patient = "DUPRÉ Hélène" if encoding == "cp1252" else "DUPONT Jean"
    with path.open("w", encoding=encoding) as out:
        out.write(HEADER)
        for i in range(rows):
            kind, organism = ("AMO", "016912345") if i % 2 == 0 else ("AMC", "7123456")
            amount = f"{rng.randint(0, 99999) / 100:.2f}".replace(".", ",")
            out.write(
                f"690001235;{100000000 + i:09d};L{i // 100};05/01/2024;06/01/2024;"
                f"{rng.choice(nirs)};1;{patient};{kind};{organism};CPAM;{amount};MARIE;10001234567\n"
            )


def measure(path: Path, check_duplicates: bool) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    rows = problems = 0
    with path.open("rb") as stream:
        for item in iter_claim_rows(
            stream, expected_finess="690001235", check_duplicates=check_duplicates
        ):
            if isinstance(item, Problem):
                problems += 1
            else:
                rows += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"check_duplicates={check_duplicates}: {rows} rows, {problems} problems, "
        f"{rows / wall:,.0f} rows/s wall, {rows / cpu:,.0f} rows/s CPU, peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(arguments[0]) if arguments else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "factures.csv"
        write_file(path, count, "cp1252" if "--cp1252" in sys.argv else "utf-8")
        measure(path, check_duplicates=False)
        measure(path, check_duplicates=True)
