"""What the sync pages share: fetching a sync in the caller's organisation, the live context both
the laptop page and the shared screen render, and the poll token."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab.http import OrgRequest
from collab.middleware import active_membership, set_active_organisation
from rituals.models import Sync, SyncSection
from rituals.syncs import selectors, trackers
from rituals.syncs.timer import TimerState

POLL_SALT = "rituals.syncs.poll"
POLL_TOKEN_MAX_AGE = 12 * 3600
VIEWS = ("detail", "present")
# Item and decision text: line breaks kept, glossary terms marked with their business wording.
TEXT_TEMPLATE = "rituals/syncs/_text_glossary.html"


def ensure_org(request: OrgRequest) -> None:
    """The caller's organisation, for a view the middleware leaves it out of (the poll, which only
    needs it when something changed)."""
    if getattr(request, "org", None) is None:
        set_active_organisation(request, active_membership(request))


def get_sync(request: OrgRequest, pk: int) -> Sync:
    org = getattr(request, "org", None)
    if org is None:
        raise Http404
    return get_object_or_404(selectors.sync_queryset(org=org), pk=pk)


# --- The poll token: lets an unchanged poll skip the session and user lookups -------------------


def _session_fingerprint(request: OrgRequest) -> str:
    raw = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    return salted_hmac(POLL_SALT, raw).hexdigest()[:20] if raw else ""


def poll_token(request: OrgRequest, sync: Sync) -> str:
    """Signed (organisation, membership, browser session) of someone allowed to read this sync. It is
    only good with the same session cookie, for twelve hours, while the membership stays active
    (the poll query checks it), and only answers "unchanged"; any change is rendered through the
    normal, authenticated path."""
    membership_id = getattr(request.membership, "pk", None) or 0
    return signing.TimestampSigner(salt=POLL_SALT).sign(
        f"{sync.org_id}:{membership_id}:{_session_fingerprint(request)}"
    )


def poll_token_org(request: OrgRequest) -> tuple[int, int] | None:
    """(organisation id, membership id) of a valid poll token for this browser session, or None."""
    token = request.GET.get("t", "")
    if not token:
        return None
    try:
        value = signing.TimestampSigner(salt=POLL_SALT).unsign(token, max_age=POLL_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    org_id, membership_id, fingerprint = (value.split(":", 2) + ["", ""])[:3]
    current = _session_fingerprint(request)
    if not current or not constant_time_compare(fingerprint, current):
        return None
    if not (org_id.isdigit() and membership_id.isdigit()) or membership_id == "0":
        return None
    return int(org_id), int(membership_id)


# --- The live context ------------------------------------------------------------------------------

ORIGIN_LABELS = {
    "feature": _("Feature"),
    "obstacle": _("Obstacle"),
    "spec": _("Spec"),
    "conflict": _("Conflict"),
    "escalation": _("Escalation"),
    "carried": _("Carried over"),
    "launch": _("Launch"),
}
ORIGIN_URL_NAMES = {
    "obstacle": "rituals:obstacle_detail",
    "conflict": "rituals:conflict_detail",
    "escalation": "rituals:escalation_detail",
    "launch": "productops:launch_detail",
}


def localise(sections: list[SyncSection]) -> list[SyncSection]:
    """Display labels in the reader's language: default titles, prompts and the notes of pre-filled
    items are msgids; what people typed is shown as typed."""
    for section in sections:
        section.label = gettext(section.title) if section.title else section.code  # type: ignore[attr-defined]
        section.prompt_labels = [gettext(p) for p in section.prompts if p]  # type: ignore[attr-defined]
        for item in section.items.all():
            origin, _sep, ident = item.source.partition(":")
            item.origin = origin  # type: ignore[attr-defined]
            item.origin_label = ORIGIN_LABELS.get(origin, "")  # type: ignore[attr-defined]
            generated = origin not in ("", "carried")
            item.note_label = gettext(item.notes) if generated and item.notes else item.notes  # type: ignore[attr-defined]
            item.origin_url = (  # type: ignore[attr-defined]
                reverse(ORIGIN_URL_NAMES[origin], args=[int(ident)])
                if origin in ORIGIN_URL_NAMES and ident.isdigit()
                else None
            )
    return sections


def live_context(request: OrgRequest, sync: Sync, *, view: str) -> dict[str, Any]:
    """Everything the live region renders. The sync row (with its revision) was read before the
    sections, so a change racing this render shows up at the next poll rather than being missed."""
    membership = getattr(request, "membership", None)
    sections = localise(selectors.sections_with_content(sync=sync))
    current = next((s for s in sections if s.pk == sync.current_section_id), None)
    now = timezone.now()
    timer: TimerState | None = selectors.section_timer(sync=sync, section=current, now=now)
    position = sections.index(current) + 1 if current else 0
    access = selectors.sync_access(membership=membership, sync=sync)
    section_states = []
    for s in sections:
        state = selectors.section_timer(sync=sync, section=s, now=now)
        section_states.append((s, state))
    roadmap_url = (
        f"{reverse('collab:roadmap')}?{urlencode({'team': sync.team.slug})}"
        if sync.team is not None
        else None
    )
    return {
        "sync": sync,
        "sections": sections,
        "section_states": section_states,
        "current": current,
        "position": position,
        "is_last": bool(sections) and current is sections[-1],
        "is_first": bool(sections) and current is sections[0],
        "timer": timer,
        "server_now_ms": int(now.timestamp() * 1000),
        "access": access,
        "view": view,
        "poll_url": reverse("rituals:sync_poll", args=[sync.pk]),
        "poll_token": poll_token(request, sync),
        "roadmap_url": roadmap_url,
        "escalate_url": reverse("rituals:escalation_create"),
        "conflict_url": reverse("rituals:conflict_create"),
        "text_template": TEXT_TEMPLATE,
        "planned_minutes": sum(s.planned_minutes for s in sections),
        "tracker": trackers.team_tracker(sync) if access.can_contribute else None,
    }


def section_or_404(sync: Sync, pk: Any) -> SyncSection:
    try:
        return sync.sections.get(pk=int(pk))
    except (SyncSection.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
