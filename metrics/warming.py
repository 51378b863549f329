"""Warming the page cache after a recompute: the dashboards' first views rendered ahead, so that
the first person to look after a recompute gets a cached page."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.utils import translation

from collab.models import Organisation, Team
from metrics import page_cache, selectors
from metrics.services import QUEUE_ERRORS

logger = logging.getLogger(__name__)

# The views rendered ahead after a recompute: (page, window kind or None for the page's default),
# for the organisation — the overview in every window kind, the other pages as they open.
WARMED_PAGES: tuple[tuple[str, str | None], ...] = (
    ("overview", None),
    ("overview", "week"),
    ("overview", "13w"),
    ("health", None),
    ("dora", None),
    ("investment", None),
    ("escalations", None),
)


def warm_pages(*, org: Organisation, team: Team | None = None) -> int:
    """Render the dashboards' numbers (each page's `#partial`) into the page cache, as a first
    view would, for every language: the views of `WARMED_PAGES` (the overview's with the table of
    every team it loads after first paint), and `team`'s page. Called after a recompute, whose
    new version makes every cached page a miss: the first person to look then gets a cached page.
    Returns how many pages were rendered (none when the cache is unreachable: pages are then
    rendered on each view anyway)."""
    from metrics import views  # the pages' own code, for the same context and cache key

    frame = selectors.dashboard_frame(org=org)
    targets: list[tuple[str, str | None, Team | None]] = [(page, kind, None) for page, kind in WARMED_PAGES]
    if team is not None:
        targets.append(("overview", None, team))
    rendered = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for page, kind, scoped in targets:
                request = HttpRequest()  # the filters a first view has: none, or the window
                request.GET = QueryDict(urlencode({"window": kind}) if kind else "")
                scope, weeks, has_data = views.dashboard_scope(
                    request,
                    org=org,
                    teams=frame.teams,
                    team_slug=scoped.slug if scoped else None,
                    frame=frame,
                )
                context = views.base_context(
                    page=page,
                    org=org,
                    scope=scope,
                    teams=frame.teams,
                    weeks=weeks,
                    has_data=has_data,
                    frame=frame,
                )
                key = page_cache.cache_key(context, org=org, page=page)
                if key is None:
                    return rendered
                table_key = page_cache.cache_key(context, org=org, page=page, part="teams")
                table = (
                    views.render_team_table(dict(context), org=org, page=page)
                    if views.lazy_table(page, scope)
                    else None
                )
                views._fill(context, org=org, page=page)
                # The partial reads nothing of the request but the organisation (and the language).
                html = render_to_string(f"{views.PAGES[page][2]}#partial", context | {"org": org})
                try:
                    cache.set(key, html, timeout=page_cache.CACHE_SECONDS)
                    if table is not None:
                        cache.set(table_key, table, timeout=page_cache.CACHE_SECONDS)
                except QUEUE_ERRORS as exc:
                    logger.warning("metrics dashboards: cache unreachable while warming: %s", exc)
                    return rendered
                rendered += 1
    return rendered
