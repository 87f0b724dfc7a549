"""Where the browser tests write their screenshots.

By default into `.data/screenshots/` (ignored by git), so that running the tests
leaves the working tree clean. `UPDATE_SCREENSHOTS=1 make test` writes them into
`docs/screenshots/`, the pictures `docs/pages.md` shows, when a change of the pages
is meant to update them.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def screenshots_dir() -> Path:
    base = Path(settings.BASE_DIR)
    folder = (
        base / "docs" / "screenshots"
        if os.environ.get("UPDATE_SCREENSHOTS") == "1"
        else base / ".data" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
