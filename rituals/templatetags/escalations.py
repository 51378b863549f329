"""Template helpers of the conflict pages: the escalation badge of the top bar (one COUNT query
per page at most, memoised on the request), links to syncs, and PIVOT text with the glossary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString

from rituals.conflicts.common import levels_for
from rituals.conflicts.context_processors import badge_count
from rituals.conflicts.links import sync_url as _sync_url

register = template.Library()


@register.simple_tag(takes_context=True)
def escalation_badge(context: template.Context) -> dict[str, Any]:
    """{count, decides}: how many open escalations await the caller's level, and whether the
    caller decides at any level (only they see the inbox link in the top bar)."""
    request = context.get("request")
    if request is None:
        return {"count": 0, "decides": False}
    return {"count": badge_count(request), "decides": bool(levels_for(getattr(request, "membership", None)))}


@register.filter
def sync_url(sync_id: int | None) -> str:
    return _sync_url(sync_id)


_glossary: Callable[[Any, Any], SafeString] | None
try:  # The glossary filter belongs to collab; the text reads fine without it.
    from collab.templatetags.glossary import mark_terms as _glossary
except ImportError:  # pragma: no cover - depends on what collab ships
    _glossary = None


@register.filter(needs_autoescape=True)
def pivot_text(text: str, org: Any = None, autoescape: bool = True) -> SafeString:
    """Line breaks kept, glossary terms marked with their business wording on hover."""
    if _glossary is not None and org is not None and text:
        text = _glossary(text, org)
    return linebreaksbr(text, autoescape=autoescape)


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)} %"
