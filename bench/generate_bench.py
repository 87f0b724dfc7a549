"""Wall time and peak memory of the synthetic data generator.

    .venv/bin/python bench/generate_bench.py            # 1 and 20 pharmacy-years
    .venv/bin/python bench/generate_bench.py --large    # and 200 pharmacy-years

Each case runs `python -m synthetic` in a fresh process; its peak RSS is read from
the kernel's accounting of that child (wait4), so the cases do not pollute each other.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_case(pharmacies: int, months: int, jobs: int, seed: int = 1) -> dict:
    out = tempfile.mkdtemp(prefix="synthetic-bench-")
    try:
        command = [sys.executable, "-m", "synthetic", "--seed", str(seed), "--pharmacies",
                   str(pharmacies), "--months", str(months), "--jobs", str(jobs), "--out", out]
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        summary = json.loads(process.stdout.read())
        process.stdout.close()
        assert os.waitstatus_to_exitcode(status) == 0
        size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
        # With --jobs the workers are grandchildren: ru_maxrss is the largest single process.
        return {"pharmacies": pharmacies, "months": months, "jobs": jobs,
                "wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                "claims": summary["claims"], "dispensations": summary["dispensations"],
                "claims_per_s": round(summary["claims"] / wall),
                "output_mb": round(size / 2**20, 1),
                "command": " ".join(["python -m synthetic"] + command[3:-1] + ["--out", "DIR"])}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} CPU ({model}), {mem_kb / 2**20:.0f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", action="store_true", help="also 200 pharmacy-years")
    args = parser.parse_args()
    cases = [(1, 12, 1), (20, 12, 1), (20, 12, 2)] + ([(200, 12, 2)] if args.large else [])
    print(f"Machine: {machine()}")
    print(f"Load average before: {os.getloadavg()[0]:.2f}")
    print("| pharmacies × months | jobs | claims | wall time | CPU time | claims/s (wall) "
          "| peak RSS | output |")
    print("|---|---|---|---|---|---|---|---|")
    for pharmacies, months, jobs in cases:
        r = run_case(pharmacies, months, jobs)
        print(f"| {pharmacies} × {months} | {jobs} | {r['claims']:,} | {r['wall_s']} s | "
              f"{r['cpu_s']} s | "
              f"{r['claims_per_s']:,} | {r['peak_rss_mb']} MB | {r['output_mb']} MB |", flush=True)


if __name__ == "__main__":
    main()
