from pathlib import Path

# The real sample files live in the shared folder beside the checkout
# (/work/shared/data locally, and beside the fresh clone in CI).
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
FILES = Path(__file__).resolve().parent / "files"
