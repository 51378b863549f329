"""PIVOT conflicts: open, work the five steps, record working sessions, resolve."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.models import Membership, Organisation, Team
from rituals.conflicts.common import next_key, refresh_team_metrics_later, settle_sync_items
from rituals.models import Conflict, ConflictCategory, ConflictSession, Sync, SyncItem

KEY_PREFIX = "C"
MAX_OPTIONS = 3
MIN_OPTIONS = 2

# The protocol's steps, in order: code → label shown on the stepper.
STEPS: dict[str, Any] = {
    "pause": gettext_lazy("Pause: the facts"),
    "identify": gettext_lazy("Identify"),
    "value": gettext_lazy("Value"),
    "options": gettext_lazy("Options"),
    "test": gettext_lazy("Test"),
}


def _ensure_open(conflict: Conflict) -> None:
    if conflict.resolved_at is not None:
        raise ValidationError(_("This conflict is resolved. Reopen it to change it."))


@transaction.atomic
def conflict_open(
    *,
    org: Organisation,
    team: Team,
    title: str,
    category: str,
    by: Membership | None,
    origin_item: SyncItem | None = None,
    facts: str = "",
    opened_at: datetime | None = None,
) -> Conflict:
    errors: dict[str, str] = {}
    if team.org_id != org.pk:
        errors["team"] = _("Choose a team of your organisation.")
    if category not in ConflictCategory.values:
        errors["category"] = _("Choose a category from the escalation matrix.")
    if not title.strip():
        errors["title"] = _("Say in a few words what the disagreement is about.")
    if origin_item is not None and origin_item.sync.org_id != org.pk:
        errors["origin_item"] = _("This sync item belongs to another organisation.")
    if errors:
        raise ValidationError(errors)
    conflict = Conflict.objects.create(
        org=org,
        team=team,
        key=next_key(model=Conflict, org=org, prefix=KEY_PREFIX),
        title=title.strip(),
        category=category,
        opened_at=opened_at or timezone.now(),
        facts=facts,
        origin_item=origin_item,
        opened_by=by,
    )
    if origin_item is not None:
        # The live sync screens show the item's new conflict link on their next poll.
        Sync.objects.filter(pk=origin_item.sync_id).update(revision=F("revision") + 1)
    return conflict


@transaction.atomic
def conflict_update_pause(*, conflict: Conflict, facts: str) -> Conflict:
    _ensure_open(conflict)
    conflict.facts = facts.strip()
    conflict.save(update_fields=["facts", "updated_at"])
    return conflict


@transaction.atomic
def conflict_update_identify(
    *, conflict: Conflict, business_needs: str, technical_constraints: str
) -> Conflict:
    _ensure_open(conflict)
    conflict.business_needs = business_needs.strip()
    conflict.technical_constraints = technical_constraints.strip()
    conflict.save(update_fields=["business_needs", "technical_constraints", "updated_at"])
    return conflict


def _clean_options(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = [
        {
            "title": str(option.get("title") or "").strip(),
            "impact": str(option.get("impact") or "").strip(),
            "chosen": bool(option.get("chosen")),
        }
        for option in options
        if str(option.get("title") or "").strip() or str(option.get("impact") or "").strip()
    ]
    if any(not option["title"] for option in cleaned):
        raise ValidationError(_("Give every option a title."))
    if len(cleaned) > MAX_OPTIONS:
        raise ValidationError(_("Keep it to two or three options: PIVOT weighs a few real alternatives."))
    if sum(1 for option in cleaned if option["chosen"]) > 1:
        raise ValidationError(_("Choose only one option."))
    return cleaned


@transaction.atomic
def conflict_set_options(*, conflict: Conflict, options: list[dict[str, Any]]) -> Conflict:
    """Value step: the alternatives and the quantified impact of each ({title, impact, chosen})."""
    _ensure_open(conflict)
    conflict.options = _clean_options(options)
    conflict.save(update_fields=["options", "updated_at"])
    return conflict


@transaction.atomic
def conflict_choose_option(*, conflict: Conflict, index: int) -> Conflict:
    """Options step: with two or three alternatives on the table, choose one."""
    _ensure_open(conflict)
    options = list(conflict.options or [])
    if len(options) < MIN_OPTIONS:
        raise ValidationError(_("Put at least two alternatives on the table before choosing one."))
    if not 0 <= index < len(options):
        raise ValidationError(_("Choose one of the options listed."))
    conflict.options = [{**option, "chosen": i == index} for i, option in enumerate(options)]
    conflict.save(update_fields=["options", "updated_at"])
    return conflict


@transaction.atomic
def conflict_update_test(*, conflict: Conflict, success_criteria: str) -> Conflict:
    _ensure_open(conflict)
    conflict.success_criteria = success_criteria.strip()
    conflict.save(update_fields=["success_criteria", "updated_at"])
    return conflict


@transaction.atomic
def conflict_session_record(
    *, conflict: Conflict, held_at: datetime, step: str, notes: str = "", by: Membership | None = None
) -> ConflictSession:
    if step and step not in STEPS:
        raise ValidationError({"step": _("Choose the PIVOT step the session reached.")})
    if held_at < conflict.opened_at:
        raise ValidationError(
            {"held_at": _("A working session can't be held before the conflict was opened.")}
        )
    if held_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"held_at": _("Record sessions that took place, not planned ones.")})
    session = ConflictSession.objects.create(
        conflict=conflict, held_at=held_at, step=step, notes=notes.strip()
    )
    if conflict.resolved_at is not None:
        # The one-session rate of resolved conflicts counts their sessions.
        refresh_team_metrics_later(team_id=conflict.team_id)
    return session


def conflict_value_missing(options: list[dict[str, Any]]) -> list[str]:
    """What the Value step still lacks, in words to act on (empty when it is complete)."""
    if not options:
        return [
            _(
                "Nothing to save yet: list the alternatives on the table (two or three), each with its "
                "quantified impact."
            )
        ]
    missing = []
    if len(options) < MIN_OPTIONS:
        missing.append(_("Add a second alternative: PIVOT weighs two or three."))
    for option in options:
        if not option.get("impact"):
            missing.append(
                _("Give the quantified impact of “%(title)s” (weeks, €, incidents, velocity…).")
                % {"title": option.get("title", "")}
            )
    return missing


def _local_day(conflict: Conflict, moment: datetime) -> tuple[datetime, datetime]:
    try:
        tz = ZoneInfo(conflict.org.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    start = datetime.combine(moment.astimezone(tz).date(), time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


@transaction.atomic
def conflict_work_record(*, conflict: Conflict, step: str, now: datetime | None = None) -> ConflictSession:
    """Working a PIVOT step in the app is a working session: the day's session (in the
    organisation's time zone) is recorded automatically if there is none yet, and it notes the
    furthest step worked that day. People correct it like any session (change or remove it)."""
    if step not in STEPS:
        raise ValidationError({"step": _("Choose the PIVOT step the session reached.")})
    now = now or timezone.now()
    Conflict.objects.select_for_update().filter(pk=conflict.pk).first()  # one session a day, even racing
    start, end = _local_day(conflict, now)
    session = conflict.sessions.filter(held_at__gte=start, held_at__lt=end).order_by("held_at", "id").first()
    if session is None:
        return ConflictSession.objects.create(conflict=conflict, held_at=now, step=step, automatic=True)
    order = list(STEPS)
    if session.step not in order or order.index(step) > order.index(session.step):
        session.step = step
        session.save(update_fields=["step"])
    return session


@transaction.atomic
def conflict_session_update(
    *, session: ConflictSession, held_at: datetime, step: str, notes: str = ""
) -> ConflictSession:
    """Correct a working session (one recorded automatically becomes one recorded by people)."""
    conflict = session.conflict
    if step and step not in STEPS:
        raise ValidationError({"step": _("Choose the PIVOT step the session reached.")})
    if held_at < conflict.opened_at:
        raise ValidationError(
            {"held_at": _("A working session can't be held before the conflict was opened.")}
        )
    if held_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"held_at": _("Record sessions that took place, not planned ones.")})
    session.held_at, session.step, session.notes, session.automatic = held_at, step, notes.strip(), False
    session.save(update_fields=["held_at", "step", "notes", "automatic"])
    if conflict.resolved_at is not None:
        refresh_team_metrics_later(team_id=conflict.team_id)
    return session


@transaction.atomic
def conflict_session_delete(*, session: ConflictSession) -> None:
    conflict = session.conflict
    session.delete()
    if conflict.resolved_at is not None:
        refresh_team_metrics_later(team_id=conflict.team_id)


def conflict_resolution_missing(*, conflict: Conflict, session_count: int) -> list[str]:
    """What still stands between the conflict and its resolution, in words for the form."""
    missing = []
    chosen = [option for option in conflict.options or [] if option.get("chosen")]
    if not chosen:
        missing.append(_("Options: choose the option you go with."))
    elif len(chosen) > 1:
        missing.append(_("Options: exactly one option can be chosen."))
    if not conflict.success_criteria.strip():
        missing.append(_("Test: write the success criteria of the chosen option."))
    if session_count < 1:
        missing.append(_("Record at least one working session."))
    return missing


@transaction.atomic
def conflict_resolve(
    *, conflict: Conflict, resolution: str, by: Membership | None, resolved_at: datetime | None = None
) -> Conflict:
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    _ensure_open(conflict)
    missing = conflict_resolution_missing(conflict=conflict, session_count=conflict.sessions.count())
    if not resolution.strip():
        missing.append(_("Write the resolution: what was decided, in a sentence or two."))
    if missing:
        raise ValidationError(missing)
    resolved_at = resolved_at or timezone.now()
    if resolved_at < conflict.opened_at:
        raise ValidationError(_("A conflict can't be resolved before it was opened."))
    conflict.resolution = resolution.strip()
    conflict.resolved_at = resolved_at
    conflict.save(update_fields=["resolution", "resolved_at", "updated_at"])
    settle_sync_items(
        origin=conflict.origin_item,
        source=f"conflict:{conflict.pk}",
        code="conflict_resolved",
        params={"key": conflict.key, "resolution": conflict.resolution},
        author=by,
    )
    refresh_team_metrics_later(team_id=conflict.team_id)
    return conflict


@transaction.atomic
def conflict_reopen(*, conflict: Conflict, by: Membership | None) -> Conflict:
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.resolved_at is None:
        raise ValidationError(_("This conflict is already open."))
    conflict.resolved_at = None
    conflict.save(update_fields=["resolved_at", "updated_at"])
    refresh_team_metrics_later(team_id=conflict.team_id)
    return conflict


def conflict_current_step(conflict: Conflict) -> str:
    """The first PIVOT step that still needs work ("done" when all five are filled in)."""
    options = conflict.options or []
    if not conflict.facts.strip():
        return "pause"
    if not (conflict.business_needs.strip() and conflict.technical_constraints.strip()):
        return "identify"
    if len(options) < MIN_OPTIONS or not all(str(o.get("impact") or "").strip() for o in options):
        return "value"
    if sum(bool(o.get("chosen")) for o in options) != 1:
        return "options"
    if not conflict.success_criteria.strip():
        return "test"
    return "done"
