"""Template helpers of the conflict pages: the escalation badge of the top bar (one COUNT query
per page at most, memoised on the request), links to syncs, and PIVOT text with the glossary."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.safestring import SafeString

from collab.templatetags.glossary import mark_terms
from rituals.conflicts import selectors
from rituals.conflicts.common import levels_for

register = template.Library()

_ATTR = "_escalation_badge_count"


def badge_count(request: HttpRequest) -> int:
    if not hasattr(request, _ATTR):
        user = getattr(request, "user", None)
        membership = (
            getattr(request, "membership", None) if user is not None and user.is_authenticated else None
        )
        setattr(request, _ATTR, selectors.escalation_badge_count(membership=membership))
    return getattr(request, _ATTR)


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
    return reverse("rituals:sync_detail", kwargs={"pk": sync_id}) if sync_id is not None else ""


@register.filter(needs_autoescape=True)
def pivot_text(text: str, org: Any = None, autoescape: bool = True) -> SafeString:
    """Line breaks kept, glossary terms marked with their business wording on hover."""
    if org is not None and text:
        text = mark_terms(text, org)
    return linebreaksbr(text, autoescape=autoescape)


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)} %"
