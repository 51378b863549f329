"""The dashboards' page cache: each page's `#partial` (and the pieces a page loads on its own) in
Redis under a key naming everything it shows: the organisation's latest recompute, the filters, the
language, the targets and the teams. A recompute changes the key, so a cached page is never older
than the snapshots; with Redis down, pages are rendered every time."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

from metrics import services

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600


def cache_key(context: dict[str, Any], *, org: Any, page: str, part: str = "") -> str | None:
    """The page cache's key of what `page` shows (`part`: "" for its `#partial`, or a piece loaded
    on its own, "teams" for the overview's table, "inline" for the partial with it)."""
    freshness = context["freshness"]
    if freshness.queue_down:
        return None
    scope = context["scope"]
    parts = [
        org.pk,
        page,
        part,
        scope.team.slug if scope.team else "",
        scope.kind,
        scope.end,
        scope.metric,
        get_language(),
        freshness.version,
        context["current_week"],
        json.dumps(services.org_targets(org), sort_keys=True),
        json.dumps(org.targets.get("teams") if isinstance(org.targets, dict) else None, sort_keys=True),
        [(team.pk, team.slug, team.name) for team in context["teams"]],
        context["open_escalations"].fingerprint() if "open_escalations" in context else "",
    ]
    digest = hashlib.blake2b(json.dumps(parts, default=str).encode(), digest_size=16).hexdigest()
    return f"metrics:page:{org.pk}:{digest}"


def cached(key: str | None, render_partial: Callable[[], str]) -> str:
    """The cached markup under `key`, else `render_partial()`'s, then cached (None: not cached)."""
    if key is None:
        return render_partial()
    try:
        html = cache.get(key)
    except services.QUEUE_ERRORS as exc:
        logger.warning("metrics dashboards: cache unreachable: %s", exc)
        return render_partial()
    if html is None:
        html = render_partial()
        try:
            cache.set(key, html, timeout=CACHE_SECONDS)
        except services.QUEUE_ERRORS as exc:
            logger.warning("metrics dashboards: cache unreachable: %s", exc)
    return html
