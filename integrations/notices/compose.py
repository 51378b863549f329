"""What each notice says, as a `Message`, in the active language (callers wrap these in the
organisation's language). Reads through the selectors of the apps below; links are absolute."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collab.models import Organisation
from integrations.models_notices import Notice, NoticeChannel
from integrations.notices.messages import Message
from metrics import selectors as metric_selectors
from metrics.computations import METRICS, Target, status, targets_with_overrides
from metrics.models import MetricSnapshot
from metrics.services import org_targets
from metrics.texts import METRIC_TEXTS, format_value, target_text
from rituals.conflicts.matrix import LEVEL_TITLES
from rituals.models import Conflict, Escalation, Sync
from rituals.syncs.selectors import sync_summary

DIGEST_WINDOW = MetricSnapshot.WindowKind.WEEKS_4
LIST_MAX = 8
LIGHTS = {"good": "✅", "warn": "⚠️", "bad": "❌", None: "·"}


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _when(moment: datetime | None, org: Organisation) -> str:
    if moment is None:
        return "—"
    try:
        zone = ZoneInfo(org.time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return formats.date_format(moment.astimezone(zone), "DATETIME_FORMAT")


def _person(membership: object) -> str:
    user = getattr(membership, "user", None)
    return (user.get_full_name() or user.email) if user is not None else "—"


def _cut(text: str, limit: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bullets(lines: list[str], more: int) -> str:
    text = "\n".join(f"• {line}" for line in lines)
    if more > 0:
        text += "\n" + ngettext("… and %(n)d more", "… and %(n)d more", more) % {"n": more}
    return text


def _origin(escalation: Escalation) -> str:
    if escalation.conflict is not None:
        return _("conflict %(key)s") % {"key": escalation.conflict.key}
    if escalation.sync is not None:
        return _("sync %(key)s") % {"key": escalation.sync.key}
    return "—"


def escalation_opened(escalation: Escalation) -> Message:
    team = escalation.team
    return Message(
        title=_("Escalation %(key)s waits for a decision: %(title)s")
        % {"key": escalation.key, "title": escalation.title},
        text=_cut(escalation.context),
        facts=[
            (_("Who decides"), str(LEVEL_TITLES[escalation.level])),
            (_("Team"), team.name if team else "—"),
            (_("Raised from"), _origin(escalation)),
            (_("Opened by"), _person(escalation.opened_by)),
        ],
        links=[
            (_("Decide"), absolute(reverse("rituals:escalation_detail", args=[escalation.pk]))),
            (_("Escalation inbox"), absolute(reverse("rituals:escalation_inbox"))),
        ],
        footer=_("Opened %(when)s") % {"when": _when(escalation.opened_at, escalation.org)},
    )


def escalation_decided(escalation: Escalation) -> Message:
    team = escalation.team
    facts = [
        (_("Decided by"), _person(escalation.decided_by)),
        (_("Level"), str(LEVEL_TITLES[escalation.level])),
        (_("Team"), team.name if team else "—"),
    ]
    if escalation.decided_at is not None:
        days = (escalation.decided_at - escalation.opened_at).total_seconds() / 86400
        facts.append((_("Time to decision"), _("%(days)s days") % {"days": formats.number_format(days, 1)}))
    return Message(
        title=_("%(key)s decided: %(title)s") % {"key": escalation.key, "title": escalation.title},
        text=_cut(escalation.decision, 1500),
        facts=facts,
        links=[
            (_("Open the escalation"), absolute(reverse("rituals:escalation_detail", args=[escalation.pk])))
        ],
        footer=_("Decided %(when)s") % {"when": _when(escalation.decided_at, escalation.org)},
    )


def _sync_name(sync: Sync) -> str:
    name = f"{sync.key} · {sync.get_ritual_display()}"
    return f"{name} · {sync.team.name}" if sync.team else name


def sync_started(sync: Sync) -> Message:
    return Message(
        title=_("The sync %(name)s has started") % {"name": _sync_name(sync)},
        text=_("Follow it and add items, decisions and action items from your laptop."),
        facts=[
            (_("Facilitator"), _person(sync.facilitator)),
            (_("Started"), _when(sync.started_at, sync.org)),
        ],
        links=[(_("Join from your laptop"), absolute(reverse("rituals:sync_detail", args=[sync.pk])))],
    )


def sync_closed(sync: Sync) -> Message:
    summary = sync_summary(sync=sync)
    decisions = [d.text.strip().splitlines()[0][:200] for d in summary.decisions if d.text.strip()]
    actions = [
        _("%(title)s (%(owner)s, due %(due)s)")
        % {
            "title": a.title,
            "owner": _person(a.owner),
            "due": formats.date_format(a.due, "SHORT_DATE_FORMAT") if a.due else "—",
        }
        if a.due
        else _("%(title)s (%(owner)s)") % {"title": a.title, "owner": _person(a.owner)}
        for a in summary.action_items
    ]
    parts = []
    if decisions:
        parts.append(_("Decisions") + "\n" + _bullets(decisions[:LIST_MAX], len(decisions) - LIST_MAX))
    if actions:
        parts.append(_("Action items") + "\n" + _bullets(actions[:LIST_MAX], len(actions) - LIST_MAX))
    if sync.close_note:
        parts.append(_cut(sync.close_note, 500))
    return Message(
        title=_("Summary of the sync %(name)s") % {"name": _sync_name(sync)},
        text="\n\n".join(parts) or _("No decision and no action item were recorded."),
        facts=[
            (_("Duration"), f"{summary.actual_display} / {summary.planned_display}"),
            (_("Decisions"), str(len(decisions))),
            (_("Action items"), str(len(actions))),
            (_("Carried to the next sync"), str(len(summary.unfinished))),
        ],
        links=[(_("Read the summary"), absolute(reverse("rituals:sync_summary", args=[sync.pk])))],
        footer=_("Closed %(when)s") % {"when": _when(sync.ended_at, sync.org)},
    )


def conflict_stale(conflict: Conflict, *, now: datetime) -> Message:
    days = max(0, (now - conflict.opened_at).days)
    return Message(
        title=ngettext(
            "Conflict %(key)s has been open for %(days)d day",
            "Conflict %(key)s has been open for %(days)d days",
            days,
        )
        % {"key": conflict.key, "days": days},
        text=conflict.title,
        facts=[
            (_("Team"), conflict.team.name),
            (_("Category"), conflict.get_category_display()),
            (_("Who decides if it is escalated"), str(LEVEL_TITLES[conflict.level])),
            (_("Sessions held"), str(conflict.sessions.count())),
        ],
        links=[(_("Work on the conflict"), absolute(reverse("rituals:conflict_detail", args=[conflict.pk])))],
        footer=_("Opened %(when)s") % {"when": _when(conflict.opened_at, conflict.org)},
    )


def _change(metric: str, value: float | None, previous: float | None) -> str:
    if value is None or previous is None:
        return _("new") if value is not None else ""
    if abs(value - previous) <= 1e-9 * max(1.0, abs(previous)):
        return _("unchanged")
    arrow = "↑" if value > previous else "↓"
    return _("%(arrow)s from %(previous)s") % {"arrow": arrow, "previous": format_value(metric, previous)}


def _light_change(before: str | None, after: str | None) -> str:
    if before == after or after is None or before is None:
        return ""
    if after == "good":
        return _("back on target")
    if before == "good":
        return _("off target")
    return ""


def digest(org: Organisation, *, week: str) -> Message:
    """The weekly leadership digest: each organisation metric over the 4 weeks ending `week`
    against its target, and how it moved since the window ending the week before."""
    previous_week = metric_selectors.trend_weeks(week, 2)[0]
    points = metric_selectors.snapshot_points(
        org=org, kind=DIGEST_WINDOW, weeks=[previous_week, week], where=Q(team__isnull=True)
    )
    by = {(p.metric, p.end): p for p in points}
    targets: dict[str, Target] = targets_with_overrides(org_targets(org))
    facts = []
    met = measured = 0
    for metric in METRICS:
        point, before = by.get((metric, week)), by.get((metric, previous_week))
        value = point.value if point else None
        previous = before.value if before else None
        if value is None and previous is None:
            continue
        light, light_before = status(metric, value, targets), status(metric, previous, targets)
        if light is not None:
            measured += 1
            met += light == "good"
        bits = [
            format_value(metric, value),
            _("target %(target)s") % {"target": target_text(metric, targets)}
            if metric in targets
            else target_text(metric, targets),
            _change(metric, value, previous),
            _light_change(light_before, light),
        ]
        facts.append(
            (f"{LIGHTS[light]} {METRIC_TEXTS[metric]['label']}", " · ".join(bit for bit in bits if bit))
        )
    query = urlencode({"window": DIGEST_WINDOW, "to": week})
    if facts:
        text = ngettext(
            "%(met)d of %(n)d metric on target over the 4 weeks ending %(week)s.",
            "%(met)d of %(n)d metrics on target over the 4 weeks ending %(week)s.",
            measured,
        ) % {"met": met, "n": measured, "week": week}
    else:
        text = _("No numbers yet for the weeks ending %(week)s: the metrics have not been computed.") % {
            "week": week
        }
    return Message(
        title=_("Weekly digest · %(org)s · %(week)s") % {"org": org.name, "week": week},
        text=text,
        facts=facts,
        facts_as_lines=True,
        links=[
            (_("Open the dashboards"), absolute(reverse("metrics:overview")) + "?" + query),
            (_("Health"), absolute(reverse("metrics:health")) + "?" + query),
            (_("DORA"), absolute(reverse("metrics:dora")) + "?" + query),
            (_("Escalations"), absolute(reverse("metrics:escalations")) + "?" + query),
        ],
    )


def test_message(channel: NoticeChannel) -> Message:
    chosen = [str(Notice(code).label) for code in channel.notices if code in Notice.values]
    where = channel.team.name if channel.team else channel.org.name
    return Message(
        title=_("Test message: %(name)s is connected") % {"name": channel.name},
        text=_("Notices of %(where)s will arrive here.") % {"where": where},
        facts=[(_("Notices"), ", ".join(chosen) or _("none chosen yet"))],
        links=[(_("Channel settings"), absolute(reverse("integrations:notice_channel", args=[channel.pk])))],
    )
