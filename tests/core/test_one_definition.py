"""Each rule core/ holds is written once: a search of the application code for the old
copies (status words in SQL, month lists, half-even rounding, money field declarations,
month arithmetic) finds none outside core/.

The synthetic generator and the benches are left out on purpose: they imitate the
insurers' files and state their words themselves, so a wrong word in core would show
as an import failure instead of being copied into the test data.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {"core", "tests", "synthetic", "bench", ".venv", "node_modules", "static", "docs"}


def application_files() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in SKIPPED or parts[0].startswith(".") or "migrations" in parts:
            continue
        files.append(path)
    return files


COPIES = {
    # the insurers' return words belong to core.statuses (RETURN_*)
    "return status word": re.compile(r"""['"](PAYE|PARTIEL|INDU|REJETE)['"]"""),
    # rejection statuses only rejections use, written as SQL or Python strings
    "rejection status word": re.compile(r"""['"](to_handle|in_progress|billed_patient|partly_recovered)['"]"""),
    "hand-written month names": re.compile(r"""['"](janv\.?|janvier|févr\.?|février)['"]"""),
    "half-even rounding": re.compile(r"ROUND_HALF_EVEN"),
    "money field declaration": re.compile(r"DecimalField\([^)]*max_digits=1[0-9]"),
    "month arithmetic": re.compile(r"def (add_months|first_of_month|parse_month|previous_month)\b"),
    "French amount parser or formatter": re.compile(r"def (parse_amount|format_euros|format_decimal)\b"),
}


@pytest.mark.parametrize("rule", sorted(COPIES))
def test_no_second_copy_outside_core(rule):
    pattern = COPIES[rule]
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in application_files()
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []
