"""A TOTP code from a django-otp device key, for the load test's managers (no Django needed)."""

from __future__ import annotations

import hashlib
import hmac
import struct
import time


def totp(key_hex: str, *, step: int = 30, digits: int = 6, at: float | None = None) -> str:
    """RFC 6238 as django-otp's TOTPDevice computes it (t0 = 0, SHA-1, the key in hex)."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)
