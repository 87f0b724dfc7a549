import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Reminder PDFs are stored files: keep the tests' ones out of the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
