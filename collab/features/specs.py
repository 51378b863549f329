"""Writes for specs: edits with optimistic concurrency, revisions after alignment, alignment
sessions and alignment itself.

Concurrency: every save says which `version` it was read at; the row is written with
`UPDATE … WHERE id = … AND version = n` and the version goes up by one. When another person saved
first, nothing is written and `SpecConflict` carries who changed what, so the page can show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collab.features.diff import stored_diff
from collab.features.specfields import (
    CLARIFICATION,
    REWORK,
    SPEC_FIELDS,
    field_label,
    normalise,
    propose_kind,
    spec_values,
    too_long,
)
from collab.models import AlignmentSession, Feature, Membership, SessionAttendance, Spec, SpecRevision
from collab.signals import records_changed_later

TARGET_SESSIONS = 2


class SpecConflict(Exception):  # noqa: N818 - reads better at the call site than SpecConflictError
    """Someone saved the spec after the version this save was based on."""

    def __init__(self, *, spec: Spec, base: dict[str, Any] | None, revisions: list[SpecRevision]) -> None:
        self.spec = spec  # the current row
        self.by = spec.updated_by
        self.at = spec.updated_at
        current = spec_values(spec)
        # What they changed: the values this save was based on → the values now.
        self.changes = (
            {
                name: {"old": base.get(name), "new": current[name]}
                for name in SPEC_FIELDS
                if name in base and normalise(name, base.get(name)) != current[name]
            }
            if base is not None
            else {}
        )
        self.revisions = revisions
        super().__init__(_("Someone else saved this spec while you were editing."))


def spec_for_feature(*, feature: Feature) -> Spec:
    """The feature's spec, created empty if the feature has none yet (imported features may not)."""
    try:
        return feature.spec
    except Spec.DoesNotExist:
        spec, _created = Spec.objects.get_or_create(feature=feature)
        return spec


def _changed(spec: Spec, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    unknown = set(data) - set(SPEC_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown spec fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    current = spec_values(spec)
    changes = {}
    for name in SPEC_FIELDS:  # keep the spec's field order in the diff
        if name in data:
            new = normalise(name, data[name])
            if new != current[name]:
                changes[name] = {"old": current[name], "new": new}
    return changes


def _check_values(changes: dict[str, dict[str, Any]]) -> None:
    sizes = {name: error for name, change in changes.items() if (error := too_long(name, change["new"]))}
    if sizes:
        raise ValidationError(sizes)
    if "options" in changes:
        chosen = sum(1 for option in changes["options"]["new"] if option["chosen"])
        if chosen > 1:
            raise ValidationError(
                {"options": _("Mark only one option as chosen (%(n)s are).") % {"n": chosen}}
            )
        if len(changes["options"]["new"]) > 3:
            raise ValidationError({"options": _("Keep to two or three architecture options.")})
    if "business_driver_kind" in changes and changes["business_driver_kind"]["new"] not in (
        "",
        *Spec.Driver.values,
    ):
        raise ValidationError({"business_driver_kind": _("Unknown business driver.")})


def _write(
    spec: Spec,
    changes: dict[str, dict[str, Any]],
    *,
    by: Membership | None,
    expected_version: int | None,
    base: dict[str, Any] | None,
) -> Spec:
    """Write with UPDATE … WHERE version = n; `expected_version` None means the version in hand."""
    expected_version = spec.version if expected_version is None else expected_version
    now = timezone.now()
    values = {name: change["new"] for name, change in changes.items()}
    written = Spec.objects.filter(pk=spec.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=now, updated_by=by
    )
    if written == 0:
        current = Spec.objects.select_related("updated_by__user").get(pk=spec.pk)
        revisions = list(
            SpecRevision.objects.filter(spec=spec, version__gt=expected_version).select_related("by__user")
        )
        raise SpecConflict(spec=current, base=base, revisions=revisions)
    for name, value in values.items():
        setattr(spec, name, value)
    spec.version, spec.updated_at, spec.updated_by = expected_version + 1, now, by
    return spec


@transaction.atomic
def spec_update(
    *,
    spec: Spec,
    fields: dict[str, Any],
    by: Membership,
    expected_version: int | None = None,
    base: dict[str, Any] | None = None,
) -> Spec:
    """Save spec fields before alignment (a framing version in the history). `fields` maps field
    names of SPEC_FIELDS to new values; `base` is what the editor saw, to show a conflict."""
    if spec.aligned_at is not None:
        raise ValidationError(_("This spec is aligned: changes are recorded as revisions."))
    changes = _changed(spec, fields)
    _check_values(changes)
    if not changes:  # what was submitted is what is stored: nothing to write, nothing lost
        return spec
    _write(spec, changes, by=by, expected_version=expected_version, base=base)
    _record_framing(spec, changes, by=by)
    return spec


def spec_autosave(*, spec: Spec, fields: dict[str, Any], seen: dict[str, Any] | None, by: Membership) -> Spec:
    """Save as you type while framing: only the fields this editor changed since it last showed
    `seen` are written, onto the current version, so two people typing in different fields never
    overwrite each other (when both changed one field, the later save wins)."""
    changed = {
        name: value
        for name, value in fields.items()
        if seen is None or name not in seen or normalise(name, value) != normalise(name, seen.get(name))
    }
    current = Spec.objects.get(pk=spec.pk)
    for _attempt in range(3):
        if not changed:
            return current
        try:
            return spec_update(spec=current, fields=changed, by=by, expected_version=current.version)
        except SpecConflict as conflict:  # someone saved between the read and the write: once more
            current = conflict.spec
    raise ValidationError(_("Someone else is saving this spec at the same moment; try again."))


FRAMING_COALESCE = timedelta(minutes=10)


def _record_framing(spec: Spec, changes: dict[str, dict[str, Any]], *, by: Membership) -> None:
    """Keep the framing versions in the history: one revision of kind framing per person and
    stretch of editing (saves as you type within ten minutes of the last one are merged into it)."""
    last = SpecRevision.objects.filter(spec=spec).order_by("-at", "-id").first()
    if (
        last is not None
        and last.kind == SpecRevision.Kind.FRAMING
        and last.by_id == by.pk
        and spec.updated_at - last.at <= FRAMING_COALESCE
    ):
        merged = dict(last.changes)
        for name, change in changes.items():
            old = merged[name]["old"] if name in merged else change["old"]
            if normalise(name, old) == change["new"]:
                merged.pop(name, None)  # typed and then undone: no change in this version
            else:
                merged[name] = {"old": old, "new": change["new"]}
        merged = {name: merged[name] for name in SPEC_FIELDS if name in merged}
        if not merged:
            last.delete()
            return
        last.changes, last.fields, last.diff = merged, list(merged), stored_diff(merged)
        last.at, last.version = spec.updated_at, spec.version
        last.save(update_fields=["changes", "fields", "diff", "at", "version"])
        return
    SpecRevision.objects.create(
        spec=spec,
        at=spec.updated_at,
        by=by,
        kind=SpecRevision.Kind.FRAMING,
        fields=list(changes),
        changes=changes,
        diff=stored_diff(changes),
        version=spec.version,
    )


@transaction.atomic
def spec_revise(
    *,
    spec: Spec,
    fields: dict[str, Any],
    by: Membership,
    expected_version: int | None = None,
    kind: str | None = None,
    reason: str = "",
    base: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> SpecRevision | None:
    """Change an aligned spec: a SpecRevision records who, when, which fields, {field: {old, new}}
    and a kind. The kind is proposed from the fields (see specfields); `kind` overrides it and then
    needs a `reason`. Returns None when nothing changed."""
    if spec.aligned_at is None:
        raise ValidationError(_("This spec is not aligned yet: edit it directly."))
    changes = _changed(spec, fields)
    _check_values(changes)
    if not changes:
        return None
    proposed = propose_kind(list(changes))
    kind = kind or proposed
    if kind not in (REWORK, CLARIFICATION):
        raise ValidationError({"kind": _("Choose rework or clarification.")})
    reason = (reason or "").strip()
    if kind != proposed and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "The changed fields (%(fields)s) make this a %(proposed)s; say why it is a %(kind)s."
                )
                % {
                    "fields": ", ".join(field_label(n) for n in changes),
                    "proposed": SpecRevision.Kind(proposed).label.lower(),
                    "kind": SpecRevision.Kind(kind).label.lower(),
                }
            }
        )
    _write(spec, changes, by=by, expected_version=expected_version, base=base)
    revision = SpecRevision.objects.create(
        spec=spec,
        at=at or spec.updated_at,
        by=by,
        kind=kind,
        proposed_kind=proposed,
        fields=list(changes),
        reason=reason,
        changes=changes,
        diff=stored_diff(changes),
        version=spec.version,
    )
    records_changed_later(sender=Spec, org_id=spec.feature.org_id, team_id=spec.feature.team_id)
    return revision


def spec_save(
    *,
    spec: Spec,
    fields: dict[str, Any],
    by: Membership,
    expected_version: int | None = None,
    kind: str | None = None,
    reason: str = "",
    base: dict[str, Any] | None = None,
) -> SpecRevision | None:
    """The one entry point for an edit form: a plain update while framing, a revision once aligned."""
    if spec.aligned_at is None:
        spec_update(spec=spec, fields=fields, by=by, expected_version=expected_version, base=base)
        return None
    return spec_revise(
        spec=spec,
        fields=fields,
        by=by,
        expected_version=expected_version,
        kind=kind,
        reason=reason,
        base=base,
    )


def spec_alignment_gaps(spec: Spec) -> list[str]:
    """What stops this spec from being aligned, in words a PM and a tech lead act on."""
    gaps: list[str] = []
    criteria = normalise("success_criteria", spec.success_criteria)
    for kind, missing, untargeted in (
        (
            "business",
            _("Add at least one business success criterion (e.g. conversion, churn, revenue)."),
            _("Give a target to the business success criterion “%(metric)s”."),
        ),
        (
            "technical",
            _("Add at least one technical success criterion (e.g. p95 latency, error rate)."),
            _("Give a target to the technical success criterion “%(metric)s”."),
        ),
    ):
        rows = [c for c in criteria if c["kind"] == kind]
        if not any(c["metric"] and c["target"] for c in rows):
            untargeted_rows = [c for c in rows if c["metric"] and not c["target"]]
            gaps.append(untargeted % {"metric": untargeted_rows[0]["metric"]} if untargeted_rows else missing)
    options = normalise("options", spec.options)
    chosen = sum(1 for option in options if option["chosen"])
    if not options:
        gaps.append(_("Describe two or three architecture options and mark the chosen one."))
    elif chosen == 0:
        gaps.append(_("Mark one architecture option as chosen."))
    elif chosen > 1:
        gaps.append(
            ngettext(
                "Only one option can be chosen: %(n)s is marked.",
                "Only one option can be chosen: %(n)s are marked.",
                chosen,
            )
            % {"n": chosen}
        )
    return gaps


def spec_alignment_advice(spec: Spec) -> list[str]:
    """What the INVEST process expects but does not block alignment."""
    advice = []
    if not spec.business_driver_kind:
        advice.append(_("No business driver yet: say whether this is about revenue, churn or competition."))
    if len(normalise("options", spec.options)) == 1:
        advice.append(_("Only one architecture option: the process compares two or three."))
    if not (spec.solution or "").strip():
        advice.append(_("Write the co-created solution in a few sentences."))
    return advice


@transaction.atomic
def spec_align(*, spec: Spec, session: AlignmentSession, by: Membership | None = None) -> Spec:
    """Mark the spec aligned at `session` (outcome aligned) and the feature aligned."""
    spec = Spec.objects.select_for_update().select_related("feature").get(pk=spec.pk)
    if spec.aligned_at is not None:
        raise ValidationError(_("This spec is already aligned."))
    if session.spec_id != spec.pk or session.outcome != AlignmentSession.Outcome.ALIGNED:
        raise ValidationError(_("A spec is aligned by one of its sessions whose outcome is aligned."))
    gaps = spec_alignment_gaps(spec)
    if gaps:
        raise ValidationError(gaps)
    Spec.objects.filter(pk=spec.pk).update(aligned_at=session.held_at, aligned_session=session)
    spec.aligned_at, spec.aligned_session = session.held_at, session
    feature = spec.feature
    if feature.status in (Feature.Status.IDEA, Feature.Status.FRAMING):
        feature.status = Feature.Status.ALIGNED
        feature.save(update_fields=["status", "updated_at"])
    records_changed_later(sender=Spec, org_id=feature.org_id, team_id=feature.team_id)
    return spec


@transaction.atomic
def spec_session_record(
    *,
    spec: Spec,
    by: Membership,
    held_at: datetime,
    phase: str,
    outcome: str,
    attendees: Iterable[Membership],
    duration_minutes: int | None = None,
    notes: str = "",
) -> AlignmentSession:
    """Record an alignment session; with the outcome aligned it aligns the spec, and refuses
    (recording nothing) when the spec is not ready — the error lists what is missing."""
    spec = Spec.objects.select_for_update().select_related("feature").get(pk=spec.pk)
    if spec.aligned_at is not None:
        raise ValidationError(_("This spec is already aligned; change it through revisions."))
    if phase not in AlignmentSession.Phase.values:
        raise ValidationError({"phase": _("Unknown phase.")})
    if outcome not in AlignmentSession.Outcome.values:
        raise ValidationError({"outcome": _("Choose aligned or another session needed.")})
    if held_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"held_at": _("A session cannot be recorded in the future.")})
    people = list(attendees)
    if any(person.org_id != spec.feature.org_id for person in people):
        raise ValidationError({"attendees": _("Unknown attendee.")})
    if not people:
        raise ValidationError({"attendees": _("Tick who attended: at least the PM and the tech lead.")})
    if outcome == AlignmentSession.Outcome.ALIGNED:
        gaps = spec_alignment_gaps(spec)
        if gaps:
            raise ValidationError({"outcome": gaps})
    session = AlignmentSession.objects.create(
        spec=spec,
        held_at=held_at,
        phase=phase,
        outcome=outcome,
        duration_minutes=duration_minutes,
        notes=(notes or "").strip(),
    )
    SessionAttendance.objects.bulk_create(SessionAttendance(session=session, membership=p) for p in people)
    feature = spec.feature
    if outcome == AlignmentSession.Outcome.ALIGNED:
        spec_align(spec=spec, session=session, by=by)
    elif feature.status == Feature.Status.IDEA:
        feature.status = Feature.Status.FRAMING
        feature.save(update_fields=["status", "updated_at"])
    return session
