"""Loaded by pytest before Django's settings (`-p tests.environment` in pyproject.toml).

The settings fail closed (DEBUG off, no default secret key); the tests run in the
development mode, as `make test` asks, also when pytest is called bare.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
