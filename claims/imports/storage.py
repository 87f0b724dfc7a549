"""Where an uploaded file waits between upload, preview and confirmation.

Files are named by pharmacy and SHA-256, outside any served folder (they hold
NIRs): `MEDIA_ROOT/imports/<pharmacy id>/<sha256>`. They are removed once the
import is committed, refused or cancelled.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

CHUNK = 1024 * 1024


def _folder(pharmacy_id: int) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(pharmacy_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def import_file_path(*, pharmacy_id: int, sha256: str) -> Path:
    return _folder(pharmacy_id) / sha256


def file_fingerprint(stream: BinaryIO) -> tuple[str, int]:
    """(SHA-256 hex, size in bytes) of a binary stream, read in chunks."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def import_file_store(*, pharmacy_id: int, chunks: Iterable[bytes]) -> tuple[Path, str, int]:
    """Write an upload to the pharmacy's folder while hashing it: (path, sha256, size)."""
    folder = _folder(pharmacy_id)
    digest, size = hashlib.sha256(), 0
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        path = folder / digest.hexdigest()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size


def import_file_discard(*, pharmacy_id: int, sha256: str) -> None:
    import_file_path(pharmacy_id=pharmacy_id, sha256=sha256).unlink(missing_ok=True)
