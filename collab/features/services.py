"""Writes for features: create and edit (RICE kept in step), the status lifecycle, dependencies,
key results and acceptance reviews. Spec writes (edits, revisions, sessions, alignment) are in
`collab.features.specs`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.audit import Action, audit_record
from collab.models import AcceptanceReview, Feature, KeyResult, Membership, Organisation, Spec, Team
from collab.signals import records_changed_later

Status = Feature.Status

# Transitions a person may pick by hand. Two arrive only through their own record:
# aligned (a spec session whose outcome is aligned) and accepted (an acceptance review).
MANUAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.IDEA: (Status.FRAMING, Status.DROPPED),
    Status.FRAMING: (Status.DROPPED,),
    Status.ALIGNED: (Status.IN_PROGRESS, Status.DROPPED),
    Status.IN_PROGRESS: (Status.DELIVERED, Status.DROPPED),
    Status.DELIVERED: (Status.IN_PROGRESS,),
    Status.ACCEPTED: (),
    Status.DROPPED: (Status.IDEA,),
}

FEATURE_FIELDS = (
    "title",
    "description",
    "kind",
    "effort_points",
    "rice_reach",
    "rice_impact",
    "rice_confidence",
    "rice_effort",
    "planned_week",
)

# A generated key is <PREFIX>-<n>: the team's prefix, numbered per organisation.
_KEY_RE = re.compile(r"^([A-Z][A-Z0-9]{0,15})-([0-9]{1,9})$")
_FALLBACK_PREFIX = "F"


def allowed_transitions(feature: Feature) -> tuple[str, ...]:
    return MANUAL_TRANSITIONS.get(feature.status, ())


def team_key_prefix(team: Team) -> str:
    """The prefix of the team's feature keys: the one most of its features already use (the most
    recent wins a tie), else its slug in capitals (`checkout` gives CHECKOUT)."""
    counts: Counter[str] = Counter()
    for key in Feature.objects.filter(team=team).order_by("-created_at", "-pk").values_list("key", flat=True):
        match = _KEY_RE.match(key)
        if match:
            counts[match.group(1)] += 1
    if counts:
        return counts.most_common(1)[0][0]
    derived = re.sub(r"[^A-Z0-9]", "", (team.slug or team.name).upper()).lstrip("0123456789")[:10]
    return derived or _FALLBACK_PREFIX


def _next_key(org: Organisation, team: Team) -> str:
    """<PREFIX>-<n>: one more than the highest number of that prefix in the organisation (zero
    padding such as DEP-0007 is kept)."""
    prefix = team_key_prefix(team)
    numbers = Feature.objects.filter(org=org, key__regex=rf"^{re.escape(prefix)}-[0-9]{{1,9}}$").values_list(
        "key", flat=True
    )
    digits = max((key[len(prefix) + 1 :] for key in numbers), key=int, default="0")
    return f"{prefix}-{str(int(digits) + 1).zfill(len(digits))}"


# The RICE scale: impact per person reached (0.25 minimal … 3 massive), confidence as a share,
# reach per quarter and effort in person-months, bounded so a score stays readable.
RICE_IMPACTS = (0.25, 0.5, 1.0, 2.0, 3.0)
RICE_REACH_MAX = 10_000_000
RICE_EFFORT_MAX = 1_000


def rice_errors(
    *, reach: float | None, impact: float | None, confidence: float | None, effort: float | None
) -> dict[str, str]:
    """A message for each RICE input outside its scale, keyed by field name."""
    errors: dict[str, str] = {}
    if reach is not None and not 0 <= reach <= RICE_REACH_MAX:
        errors["rice_reach"] = _("Reach is between 0 and 10,000,000 people or events a quarter.")
    if impact is not None and impact not in RICE_IMPACTS:
        errors["rice_impact"] = _(
            "Impact is one of 3 (massive), 2 (high), 1 (medium), 0.5 (low) or 0.25 (minimal)."
        )
    if confidence is not None and not 0 <= confidence <= 1:
        errors["rice_confidence"] = _("Confidence is between 0 and 1 (0 % to 100 %).")
    if effort is not None and not 0 < effort <= RICE_EFFORT_MAX:
        errors["rice_effort"] = _("Effort is more than 0 and at most 1,000 person-months.")
    return errors


def _check_rice(feature: Feature) -> None:
    errors = rice_errors(
        reach=feature.rice_reach,
        impact=feature.rice_impact,
        confidence=feature.rice_confidence,
        effort=feature.rice_effort,
    )
    if errors:
        raise ValidationError(errors)


def _check_team(org: Organisation, team: Team) -> None:
    if team.org_id != org.pk:
        raise ValidationError({"team": _("Unknown team.")})


def _check_key_results(org: Organisation, key_results: Iterable[KeyResult]) -> list[KeyResult]:
    krs = list(key_results)
    if any(kr.org_id != org.pk for kr in krs):
        raise ValidationError({"key_results": _("Unknown key result.")})
    return krs


def _check_dependencies(feature: Feature, depends_on: Iterable[Feature]) -> list[Feature]:
    deps = list(depends_on)
    if any(dep.org_id != feature.org_id for dep in deps):
        raise ValidationError({"depends_on": _("Unknown feature.")})
    if any(dep.pk == feature.pk for dep in deps):
        raise ValidationError({"depends_on": _("A feature cannot depend on itself.")})
    # Walk what the new dependencies depend on, one query per level: reaching this feature is a cycle.
    frontier, seen = {dep.pk for dep in deps}, set()
    while frontier and feature.pk:
        if feature.pk in frontier:
            raise ValidationError(
                {
                    "depends_on": _("This would make a cycle: %(key)s already depends on this feature.")
                    % {"key": ", ".join(d.key for d in deps)}
                }
            )
        seen |= frontier
        frontier = (
            set(
                Feature.depends_on.through.objects.filter(from_feature_id__in=frontier).values_list(
                    "to_feature_id", flat=True
                )
            )
            - seen
        )
    return deps


@transaction.atomic
def feature_create(
    *,
    org: Organisation,
    team: Team,
    title: str,
    by: Membership | None = None,
    key: str = "",
    kind: str = Feature.Kind.PRODUCT,
    status: str = Status.IDEA,
    description: str = "",
    effort_points: float | None = None,
    rice_reach: float | None = None,
    rice_impact: float | None = None,
    rice_confidence: float | None = None,
    rice_effort: float | None = None,
    planned_week: str = "",
    key_results: Iterable[KeyResult] = (),
    depends_on: Iterable[Feature] = (),
) -> Feature:
    """A new feature with an empty spec. Without `key`, the next key of the team's prefix
    (see `team_key_prefix`)."""
    _check_team(org, team)
    # One creator at a time per organisation picks the next number.
    Organisation.objects.select_for_update().filter(pk=org.pk).first()
    key = key.strip() or _next_key(org, team)
    if Feature.objects.filter(org=org, key=key).exists():
        raise ValidationError({"key": _("Another feature already has the key %(key)s.") % {"key": key}})
    feature = Feature(
        org=org,
        team=team,
        key=key,
        title=title.strip(),
        kind=kind,
        status=status,
        description=description,
        effort_points=effort_points,
        rice_reach=rice_reach,
        rice_impact=rice_impact,
        rice_confidence=rice_confidence,
        rice_effort=rice_effort,
        planned_week=planned_week or "",
    )
    _check_rice(feature)
    feature.rice_score = feature.compute_rice()
    feature.full_clean(exclude=["key_results", "depends_on"])
    try:
        with transaction.atomic():
            feature.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"key": _("Another feature already has the key %(key)s.") % {"key": key}}
        ) from exc
    feature.key_results.set(_check_key_results(org, key_results))
    feature.depends_on.set(_check_dependencies(feature, depends_on))
    Spec.objects.create(feature=feature, updated_by=by)
    records_changed_later(sender=Feature, org_id=team.org_id, team_id=team.pk)
    return feature


@transaction.atomic
def feature_update(
    *,
    feature: Feature,
    by: Membership | None = None,
    team: Team | None = None,
    key_results: Iterable[KeyResult] | None = None,
    depends_on: Iterable[Feature] | None = None,
    **fields: Any,
) -> Feature:
    """Change a feature's own fields (FEATURE_FIELDS), team, key results or dependencies; the
    RICE score follows its inputs."""
    unknown = set(fields) - set(FEATURE_FIELDS)
    if unknown:
        raise TypeError(f"feature_update() got unexpected fields: {sorted(unknown)}")
    old_team_id = feature.team_id
    for name, value in fields.items():
        setattr(
            feature,
            name,
            value if value is not None or name not in ("title", "description", "planned_week") else "",
        )
    update_fields = [*fields, "rice_score", "updated_at"]
    if team is not None and team.pk != feature.team_id:
        _check_team(feature.org, team)
        feature.team = team
        update_fields.append("team")
    _check_rice(feature)
    feature.rice_score = feature.compute_rice()
    feature.full_clean(exclude=["key_results", "depends_on", "key", "org"], validate_unique=False)
    feature.save(update_fields=update_fields)
    if key_results is not None:
        feature.key_results.set(_check_key_results(feature.org, key_results))
    if depends_on is not None:
        feature.depends_on.set(_check_dependencies(feature, depends_on))
    records_changed_later(sender=Feature, org_id=feature.org_id, team_id=feature.team_id)
    if old_team_id != feature.team_id:
        records_changed_later(sender=Feature, org_id=feature.org_id, team_id=old_team_id)
    return feature


def _set_status(feature: Feature, status: str, *, delivered_at: datetime | None | bool = False) -> None:
    feature.status = status
    fields = ["status", "updated_at"]
    if delivered_at is not False:
        feature.delivered_at = delivered_at  # type: ignore[assignment]
        fields.append("delivered_at")
    feature.save(update_fields=fields)


@transaction.atomic
def feature_transition(
    *, feature: Feature, to: str, by: Membership | None = None, at: datetime | None = None
) -> Feature:
    """Move a feature along its lifecycle by hand. Delivered sets delivered_at (now or `at`);
    going back to in progress from delivered clears it."""
    if to not in Status.values:
        raise ValidationError({"to": _("Unknown status.")})
    if to == Status.ALIGNED:
        raise ValidationError(
            _("A feature becomes aligned when a spec session ends with the outcome “aligned”.")
        )
    if to == Status.ACCEPTED:
        raise ValidationError(
            _("A feature is accepted through an acceptance review of its success criteria.")
        )
    if to not in allowed_transitions(feature):
        raise ValidationError(
            _("A feature cannot go from “%(old)s” to “%(new)s”.")
            % {"old": feature.get_status_display(), "new": Status(to).label}
        )
    if to == Status.DELIVERED:
        when = at or timezone.now()
        if when > timezone.now():
            raise ValidationError({"at": _("The delivery date cannot be in the future.")})
        _set_status(feature, to, delivered_at=when)
    elif feature.status == Status.DELIVERED and to == Status.IN_PROGRESS:
        _set_status(feature, to, delivered_at=None)
    else:
        _set_status(feature, to)
    records_changed_later(sender=Feature, org_id=feature.org_id, team_id=feature.team_id)
    return feature


@transaction.atomic
def feature_drop(*, feature: Feature, by: Membership, reason: str) -> Feature:
    """Drop a feature, saying why: the reason is kept in the organisation's audit log and shown on
    the feature's page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the feature is dropped: the team reads it later.")})
    feature_transition(feature=feature, to=Status.DROPPED, by=by)
    audit_record(
        org=feature.org,
        actor=by,
        action=Action.FEATURE_DROPPED,
        target=feature.key,
        details={"key": feature.key, "title": feature.title, "reason": reason},
    )
    return feature


@transaction.atomic
def review_record(
    *,
    feature: Feature,
    by: Membership,
    outcome: str,
    criteria_results: list[dict[str, Any]],
    reason: str = "",
    at: datetime | None = None,
) -> AcceptanceReview:
    """The acceptance review of a delivered feature against its success criteria
    (`criteria_results`: [{metric, target, met, note}]). Accepted needs every criterion met and
    moves the feature to accepted; rejected needs a reason and sends the feature back to in
    progress (its delivery date is cleared until it is delivered again)."""
    feature = Feature.objects.select_for_update().get(pk=feature.pk)
    if feature.status != Status.DELIVERED:
        raise ValidationError(
            _("Only a delivered feature can be reviewed; this one is “%(status)s”.")
            % {"status": feature.get_status_display()}
        )
    if outcome not in AcceptanceReview.Outcome.values:
        raise ValidationError({"outcome": _("Choose accepted or rejected.")})
    reason = (reason or "").strip()
    results = [
        {
            "kind": str(r.get("kind", "")),
            "metric": str(r.get("metric", "")),
            "target": str(r.get("target", "")),
            "met": bool(r.get("met")),
            "note": str(r.get("note", "")).strip(),
        }
        for r in criteria_results
    ]
    unmet = [str(r["metric"]) for r in results if not r["met"]]
    if outcome == AcceptanceReview.Outcome.ACCEPTED and unmet:
        raise ValidationError(
            {
                "outcome": _(
                    "Not met: %(metrics)s. A feature is accepted when every success criterion is met; "
                    "reject it with a reason instead."
                )
                % {"metrics": ", ".join(unmet)}
            }
        )
    if outcome == AcceptanceReview.Outcome.REJECTED and not reason:
        raise ValidationError(
            {"reason": _("Say why the feature is rejected: the team reworks it from this.")}
        )
    review = AcceptanceReview.objects.create(
        feature=feature,
        by=by,
        at=at or timezone.now(),
        outcome=outcome,
        reason=reason,
        criteria_results=results,
    )
    if outcome == AcceptanceReview.Outcome.ACCEPTED:
        _set_status(feature, Status.ACCEPTED)
    else:
        _set_status(feature, Status.IN_PROGRESS, delivered_at=None)
    records_changed_later(sender=Feature, org_id=feature.org_id, team_id=feature.team_id)
    return review
