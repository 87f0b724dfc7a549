"""Generated data through the real import pipeline, for the tests that compare
the product's figures with the generator's truth (matching, reports)."""

from __future__ import annotations

from pathlib import Path

from claims.imports.services import import_file_run
from claims.models import ImportBatch

BANK_FILES = ("releve.cfonb", "releve.camt.xml", "releve.ofx")


def import_or_fail(pharmacy, path: Path) -> ImportBatch:
    batch = import_file_run(pharmacy=pharmacy, path=path, commit=True)
    assert batch.status == ImportBatch.Status.COMMITTED, (path, batch.errors[:3])
    return batch


def import_generated_month(pharmacy, month_dir: Path) -> None:
    """A month as it arrives: claims, returns, then one bank statement."""
    import_or_fail(pharmacy, month_dir / "factures.csv")
    import_or_fail(pharmacy, month_dir / "retours.csv")
    import_or_fail(pharmacy, bank_statement_of(month_dir))


def bank_statement_of(month_dir: Path) -> Path:
    """The month's bank statement, in whichever format the generator wrote it."""
    return next(month_dir / name for name in BANK_FILES if (month_dir / name).exists())


def generated_months(data_dir: Path, finess: str) -> list[Path]:
    return sorted(path for path in (data_dir / finess).iterdir() if path.is_dir())


def makefile_demo_seed() -> int:
    """The seed `make demo` uses (the Makefile's DEMO_SEED): the demo's tests follow it."""
    import re

    makefile = Path(__file__).resolve().parents[1] / "Makefile"
    return int(re.search(r"^DEMO_SEED \?= (\d+)$", makefile.read_text(), re.M)[1])


def generate_demo_data(out: Path, *, months: int = 2, scale: float = 0.15) -> Path:
    """The demo's pharmacies (the Makefile's seed), smaller: `months` months ending last
    month, like `make demo`'s year."""
    from django.utils import timezone

    from core.periods import add_months, first_of_month
    from synthetic.run import generate

    start = add_months(first_of_month(timezone.localdate()), -months)
    generate(seed=makefile_demo_seed(), pharmacies=3, months=months, out=str(out), scale=scale,
             start=f"{start:%Y-%m}")
    return out
