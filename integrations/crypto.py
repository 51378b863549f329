"""Connection secrets at rest: Fernet tokens under `settings.INTEGRATIONS_ENCRYPTION_KEY` (or a key
derived from SECRET_KEY when that is unset)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.INTEGRATIONS_ENCRYPTION_KEY
    if not key:
        key = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()
    return Fernet(key)


def secret_generate() -> str:
    return secrets.token_urlsafe(32)


def encrypt(plain: str) -> bytes:
    return _fernet().encrypt(plain.encode())


def decrypt(token: bytes | memoryview) -> str:
    return _fernet().decrypt(bytes(token)).decode()
