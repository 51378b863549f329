"""Per-organisation API tokens: only a SHA-256 of each token is stored; the token decides the org."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from delivery.api.errors import Unauthorized
from delivery.models import ApiToken

TOKEN_PREFIX = "rit_"  # noqa: S105 - a marker that secret scanners can match, not a secret
PREFIX_LENGTH = 8
# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def authenticate(request: HttpRequest) -> ApiToken:
    """The live token of `Authorization: Bearer <token>`, or Unauthorized with the reason."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthorized(
            "authentication required", {"Authorization": "missing; send 'Authorization: Bearer <token>'"}
        )
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("authentication required", {"Authorization": "must be 'Bearer <token>'"})
    found = (
        ApiToken.objects.select_related("org").filter(token_hash=token_hash(token)).first()
        if len(token) <= 200
        else None
    )
    if found is None:
        raise Unauthorized("invalid token", {"Authorization": "unknown token"})
    if found.revoked_at is not None:
        raise Unauthorized(
            "token revoked", {"Authorization": "this token was revoked; create a new one in settings"}
        )
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found
