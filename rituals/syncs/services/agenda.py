"""Creating a sync from a template and pre-filling its agenda.

The agenda is derived from the team's records (features, obstacles, conflicts, escalations) and
the team's last closed sync. Each pre-filled item remembers its origin in `SyncItem.source`, so
preparing again adds only what is new and never a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _

from collab.models import Feature, Membership, Organisation, Team
from productops.launches.selectors import agenda_launches
from rituals.models import (
    ActionItem,
    Conflict,
    ConflictCategory,
    Escalation,
    Obstacle,
    RitualTemplate,
    Sync,
    SyncItem,
    SyncSchedule,
    SyncSection,
)
from rituals.syncs import defaults
from rituals.syncs.services.common import next_sync_key, sync_touch, week_bounds
from rituals.syncs.services.templates import templates_ensure_defaults

# Where the DRIVE pre-fill goes, by section code.
DELIVERY, ROADMAP, ISSUES, ESCALATION = "delivery", "roadmap", "issues", "escalation"


@transaction.atomic
def sync_create(
    *,
    org: Organisation,
    team: Team | None,
    template: RitualTemplate,
    facilitator: Membership,
    scheduled_at: datetime,
    schedule: SyncSchedule | None = None,
    prepare: bool = True,
) -> Sync:
    """A scheduled sync with a copy of the template's sections, its agenda pre-filled."""
    if template.org_id != org.pk or (team is not None and team.org_id != org.pk):
        raise ValidationError(_("The template and the team must belong to your organisation."))
    if facilitator.org_id != org.pk or not facilitator.is_active:
        raise ValidationError(
            {"facilitator": _("The facilitator must be an active member of your organisation.")}
        )
    sections = list(template.sections.all())
    if not sections:
        raise ValidationError(_("This template has no sections; add one in the ritual settings first."))
    sync = Sync.objects.create(
        org=org,
        team=team,
        key=next_sync_key(org=org, ritual=template.ritual, team=team, scheduled_at=scheduled_at),
        ritual=template.ritual,
        facilitator=facilitator,
        scheduled_at=scheduled_at,
        schedule=schedule,
    )
    SyncSection.objects.bulk_create(
        SyncSection(
            sync=sync,
            code=s.code,
            title=s.title,
            planned_minutes=s.planned_minutes,
            prompts=list(s.prompts),
            position=index,
        )
        for index, s in enumerate(sections)
    )
    if prepare:
        sync_prepare(sync)
    return sync


def template_for(org: Organisation, ritual: str) -> RitualTemplate:
    templates = {t.ritual: t for t in templates_ensure_defaults(org)}
    return templates[ritual]


def _msgid(label: Any) -> str:
    """The untranslated text of a lazy choice label, so it is stored as a msgid."""
    with translation.override(None):
        return str(label)


@dataclass
class _Candidate:
    section: str
    source: str
    title: str
    notes: str = ""
    feature_id: int | None = None


@transaction.atomic
def sync_prepare(sync: Sync) -> int:
    """Pre-fill the agenda: features delivered vs planned this week, open obstacles, specs not aligned,
    open conflicts and escalations of the team, and what carries over from its last closed sync.
    Idempotent. Returns how many items were added."""
    sync = Sync.objects.select_for_update(of=("self",)).select_related("org", "team").get(pk=sync.pk)
    if sync.status == Sync.Status.CLOSED:
        return 0
    sections = {s.code: s for s in sync.sections.all()}
    _fill_missing_prompts(sync, list(sections.values()))
    added = 0
    if sync.team is not None:
        candidates = _team_candidates(sync)
        known = {
            item.source: item for item in sync.items.exclude(source="").only("id", "source", "notes", "done")
        }
        new_items = []
        for c in candidates:
            section = sections.get(c.section)
            if section is None:
                continue
            existing = known.get(c.source)
            if existing is None:
                new_items.append(
                    SyncItem(
                        sync=sync,
                        section=section,
                        title=c.title[:300],
                        notes=c.notes,
                        feature_id=c.feature_id,
                        source=c.source,
                    )
                )
            elif not existing.done and existing.notes != c.notes:
                # E.g. a feature planned this week was delivered since the last preparation.
                existing.notes = c.notes
                existing.save(update_fields=["notes"])
        SyncItem.objects.bulk_create(new_items)
        added += len(new_items)
        previous = _last_closed_sync(sync)
        if previous is not None:
            if sync.previous_id is None:
                sync.previous = previous
                sync.save(update_fields=["previous"])
            added += carry_over(source=previous, target=sync)
    sync_touch(sync_id=sync.pk)
    return added


def _fill_missing_prompts(sync: Sync, sections: list[SyncSection]) -> None:
    """Sections imported without their questions (a workspace document, the demo) take those of the
    organisation's template for the ritual, as a sync created in the app does."""
    empty = [s for s in sections if not s.prompts]
    if not empty:
        return
    template = next((t for t in templates_ensure_defaults(sync.org) if t.ritual == sync.ritual), None)
    if template is None:
        return
    prompts = {s.code: list(s.prompts) for s in template.sections.all() if s.prompts}
    for section in empty:
        if section.code in prompts:
            section.prompts = prompts[section.code]
            section.save(update_fields=["prompts"])


def _team_candidates(sync: Sync) -> list[_Candidate]:
    team = sync.team
    assert team is not None
    label, week_start, week_end = week_bounds(sync.scheduled_at, sync.org)
    candidates: list[_Candidate] = []

    features = Feature.objects.filter(team=team).filter(
        Q(planned_week=label) | Q(delivered_at__gte=week_start, delivered_at__lt=week_end)
    )
    for f in features.order_by("key"):
        delivered = f.delivered_at is not None and week_start <= f.delivered_at < week_end
        if delivered and f.planned_week == label:
            notes = defaults.NOTE_DELIVERED_AS_PLANNED
        elif delivered:
            notes = defaults.NOTE_DELIVERED_UNPLANNED
        else:
            notes = defaults.NOTE_PLANNED_NOT_DELIVERED
        candidates.append(_Candidate(DELIVERY, f"feature:{f.pk}", f"{f.key} · {f.title}", notes, f.pk))

    for o in Obstacle.objects.filter(team=team, resolved_at__isnull=True).order_by("opened_at", "id"):
        candidates.append(
            _Candidate(
                DELIVERY, f"obstacle:{o.pk}", f"{o.key} · {o.title}", _msgid(Obstacle.Kind(o.kind).label)
            )
        )

    for launch, note in agenda_launches(team=team, start=week_start):
        candidates.append(
            _Candidate(
                DELIVERY,
                f"launch:{launch.pk}",
                f"{launch.feature.key} · {launch.feature.title} · {launch.launch_on:%Y-%m-%d}",
                note,
                launch.feature_id,
            )
        )

    unaligned = Feature.objects.filter(
        team=team,
        status__in=[Feature.Status.IDEA, Feature.Status.FRAMING],
        spec__isnull=False,
        spec__aligned_at__isnull=True,
    )
    for f in unaligned.order_by("key"):
        candidates.append(
            _Candidate(ROADMAP, f"spec:{f.pk}", f"{f.key} · {f.title}", defaults.NOTE_SPEC_NOT_ALIGNED, f.pk)
        )

    conflicts = Conflict.objects.filter(team=team, resolved_at__isnull=True).exclude(origin_item__sync=sync)
    for c in conflicts.order_by("opened_at", "id"):
        candidates.append(
            _Candidate(
                ISSUES, f"conflict:{c.pk}", f"{c.key} · {c.title}", _msgid(ConflictCategory(c.category).label)
            )
        )

    escalations = (
        Escalation.objects.filter(org=sync.org, decided_at__isnull=True)
        .filter(Q(conflict__team=team) | Q(sync__team=team))
        .exclude(sync=sync)
    )
    level_labels = dict(Escalation._meta.get_field("level").choices or [])
    for e in escalations.order_by("opened_at", "id"):
        candidates.append(
            _Candidate(
                ESCALATION,
                f"escalation:{e.pk}",
                f"{e.key} · {e.title}",
                _msgid(level_labels.get(e.level, "")),
            )
        )
    return candidates


def _last_closed_sync(sync: Sync) -> Sync | None:
    return (
        Sync.objects.filter(team=sync.team, ritual=sync.ritual, status=Sync.Status.CLOSED)
        .exclude(pk=sync.pk)
        .order_by("-ended_at", "-id")
        .first()
    )


def next_open_sync(sync: Sync) -> Sync | None:
    """The team's next sync of the same ritual that is not closed (where carry-over goes)."""
    if sync.team_id is None:
        return None
    return (
        Sync.objects.filter(team_id=sync.team_id, ritual=sync.ritual)
        .exclude(status=Sync.Status.CLOSED)
        .exclude(pk=sync.pk)
        .order_by("scheduled_at", "id")
        .first()
    )


def carry_over(*, source: Sync, target: Sync) -> int:
    """Copy the source sync's unfinished items and open action items into `target` (same section
    code, else its first section), each remembering what it was carried from. Items the agenda
    pre-fill regenerates by itself (features, obstacles, open conflicts and escalations…) are not
    copied, nor items settled by a decision (marked done). Idempotent."""
    if target.status == Sync.Status.CLOSED or source.pk == target.pk:
        return 0
    target_sections = list(target.sections.all())
    if not target_sections:
        return 0
    by_code = {s.code: s for s in target_sections}
    first = target_sections[0]

    already_items = set(
        target.items.filter(carried_from__isnull=False).values_list("carried_from_id", flat=True)
    )
    candidates = (
        source.items.filter(done=False)
        .filter(Q(source="") | Q(source__startswith="carried:"))
        .exclude(pk__in=already_items)
        .select_related("section")
    )
    if target.team_id is not None:
        # An open conflict or escalation opened from the item comes back through the team's pre-fill.
        team_id: int = target.team_id
        candidates = candidates.exclude(
            Exists(
                Conflict.objects.filter(origin_item=OuterRef("pk"), team_id=team_id, resolved_at__isnull=True)
            )
        ).exclude(
            Exists(
                Escalation.objects.filter(
                    sync_item=OuterRef("pk"), sync__team_id=team_id, decided_at__isnull=True
                )
            )
        )
    # Nor an item about an open obstacle: the pre-fill shows the obstacle in the delivery status.
    obstacles = (
        [
            title.casefold()
            for title in Obstacle.objects.filter(team_id=target.team_id, resolved_at__isnull=True)
            .exclude(title="")
            .values_list("title", flat=True)
        ]
        if target.team_id
        else []
    )
    items = [item for item in candidates if not any(title in item.title.casefold() for title in obstacles)]
    new_items = [
        SyncItem(
            sync=target,
            section=by_code.get(item.section.code, first),
            title=item.title,
            title_code=item.title_code,
            title_params=item.title_params,
            notes=item.notes,
            feature_id=item.feature_id,
            author_id=item.author_id,
            carried_from=item,
            source=f"carried:{item.pk}",
        )
        for item in items
    ]
    SyncItem.objects.bulk_create(new_items)

    already_actions = set(
        target.action_items.filter(carried_from__isnull=False).values_list("carried_from_id", flat=True)
    )
    actions = (
        source.action_items.filter(done_at__isnull=True)
        .exclude(pk__in=already_actions)
        .select_related("section")
    )
    new_actions = [
        ActionItem(
            sync=target,
            section=by_code.get(a.section.code, first) if a.section else first,
            title=a.title,
            owner_id=a.owner_id,
            due=a.due,
            carried_from=a,
        )
        for a in actions
    ]
    ActionItem.objects.bulk_create(new_actions)
    if new_items or new_actions:
        sync_touch(sync_id=target.pk)
    return len(new_items) + len(new_actions)
