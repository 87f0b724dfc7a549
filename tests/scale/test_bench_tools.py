"""The scale benchmark's own arithmetic (bench/): what it reports must be right.

The 7-million-claim scenario itself never runs in the suite (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django_otp.oath import TOTP

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from load_test import parse_access_log, percentile  # noqa: E402
from scale_bench import last_month_start  # noqa: E402
from totp import totp  # noqa: E402


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]
    assert (percentile(values, 0.50), percentile(values, 0.95), percentile(values, 0.99)) == (50, 95, 99)
    assert percentile([7.0], 0.99) == 7.0


def test_access_log_lines_go_to_their_page_and_errors_are_all_reported(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(
        "[23/Nov/2026:13:00:00 +0000]|login|POST|302|250000|/comptes/login/\n"
        "[23/Nov/2026:13:00:01 +0000]|work_queue|GET|200|90000|/backoffice/file/\n"  # warm-up
        "[23/Nov/2026:13:01:00 +0000]|work_queue|GET|200|12500|/backoffice/file/\n"
        "[23/Nov/2026:13:01:01 +0000]|staff_dashboard|GET|200|40000|/pharmacies/3/\n"
        "[23/Nov/2026:13:01:02 +0000]|rejection_detail|GET|404|3000|/pharmacies/3/rejets/9/\n"
        "not a log line\n"
    )
    since = dt.datetime(2026, 11, 23, 13, 0, 30, tzinfo=dt.UTC).timestamp()
    by_page, errors, left_out = parse_access_log(log, since=since)
    assert by_page == {"work_queue": [12.5], "staff_dashboard": [40.0], "rejection_detail": [3.0]}
    assert errors == ["404 GET /pharmacies/3/rejets/9/ (rejection_detail)"]
    assert left_out == 2


def test_the_load_test_computes_the_code_django_otp_accepts():
    key = "3132333435363738393031323334353637383930"  # RFC 6238's SHA-1 test key
    # RFC 6238 appendix B (8 digits), of which a 6-digit code is the last six.
    rfc = {59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"}
    for moment, code in rfc.items():
        assert totp(key, at=moment) == code
        device_side = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6)
        device_side.time = moment
        assert totp(key, at=moment) == str(device_side.token()).zfill(6)


def test_the_generated_year_ends_last_month():
    assert last_month_start(12, today=dt.date(2026, 11, 23)) == "2025-11"
    assert last_month_start(2, today=dt.date(2026, 1, 5)) == "2025-11"
