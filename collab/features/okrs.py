"""OKRs shared by product and tech: objectives per quarter, shared by teams, with business and
technical key results (baseline, target, current → progress). Reads and writes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, Max, Prefetch, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext as _

from collab.audit import Action, audit_record
from collab.models import KeyResult, Membership, Objective, Organisation, Team

KR_FIELDS = ("title", "kind", "unit", "baseline", "target", "current")


def objective_list(*, org: Organisation, quarter: str = "", team: Team | None = None) -> QuerySet[Objective]:
    qs = Objective.objects.filter(org=org).prefetch_related(
        "teams",
        Prefetch(
            "key_results", queryset=KeyResult.objects.annotate(feature_count=Count("features")).order_by("id")
        ),
    )
    if quarter:
        qs = qs.filter(quarter=quarter)
    if team is not None:
        qs = qs.filter(teams=team)
    return qs.order_by("-quarter", "id")


def objective_quarters(*, org: Organisation) -> list[str]:
    return sorted(set(Objective.objects.filter(org=org).values_list("quarter", flat=True)), reverse=True)


def objective_get(*, org: Organisation, key: str) -> Objective:
    return Objective.objects.filter(org=org, key=key).prefetch_related("teams", "key_results").get()


def key_result_get(*, org: Organisation, key: str) -> KeyResult:
    return KeyResult.objects.filter(org=org, key=key).select_related("objective").get()


def _next_number(qs: QuerySet[Any], prefix: str) -> int:
    numbered = qs.filter(key__regex=rf"^{re.escape(prefix)}[0-9]{{1,9}}$").annotate(
        n=Cast(Substr("key", len(prefix) + 1), IntegerField())
    )
    return (numbered.aggregate(top=Max("n"))["top"] or 0) + 1


def _check_teams(org: Organisation, teams: Iterable[Team]) -> list[Team]:
    teams = list(teams)
    if any(t.org_id != org.pk for t in teams):
        raise ValidationError({"teams": _("Unknown team.")})
    return teams


@transaction.atomic
def objective_create(
    *, org: Organisation, title: str, quarter: str, teams: Iterable[Team] = (), key: str = ""
) -> Objective:
    Organisation.objects.select_for_update().filter(pk=org.pk).first()
    key = key.strip() or f"O{_next_number(Objective.objects.filter(org=org), 'O')}"
    objective = Objective(org=org, key=key, title=title.strip(), quarter=quarter)
    objective.full_clean(exclude=["teams"])
    objective.save()
    objective.teams.set(_check_teams(org, teams))
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, title: str, quarter: str, teams: Iterable[Team]) -> Objective:
    objective.title, objective.quarter = title.strip(), quarter
    objective.full_clean(exclude=["teams", "key", "org"], validate_unique=False)
    objective.save(update_fields=["title", "quarter"])
    objective.teams.set(_check_teams(objective.org, teams))
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, by: Membership | None = None) -> None:
    audit_record(
        org=objective.org,
        actor=by,
        action=Action.RECORD_DELETED,
        target=objective.title,
        details={"kind": "objective", "name": f"{objective.key} · {objective.title}"},
    )
    objective.delete()


@transaction.atomic
def key_result_create(
    *,
    objective: Objective,
    title: str,
    kind: str,
    target: float,
    unit: str = "",
    baseline: float | None = None,
    current: float | None = None,
    key: str = "",
) -> KeyResult:
    org = objective.org
    Organisation.objects.select_for_update().filter(pk=org.pk).first()
    key = key.strip() or f"KR{_next_number(KeyResult.objects.filter(org=org), 'KR')}"
    kr = KeyResult(
        org=org,
        objective=objective,
        key=key,
        title=title.strip(),
        kind=kind,
        unit=unit.strip(),
        baseline=baseline,
        target=target,
        current=current,
    )
    kr.full_clean()
    kr.save()
    return kr


@transaction.atomic
def key_result_update(*, key_result: KeyResult, **fields: Any) -> KeyResult:
    unknown = set(fields) - set(KR_FIELDS)
    if unknown:
        raise TypeError(f"key_result_update() got unexpected fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(key_result, name, value.strip() if isinstance(value, str) else value)
    key_result.full_clean(exclude=["key", "org", "objective"], validate_unique=False)
    key_result.save(update_fields=list(fields))
    return key_result


@transaction.atomic
def key_result_delete(*, key_result: KeyResult, by: Membership | None = None) -> None:
    audit_record(
        org=key_result.org,
        actor=by,
        action=Action.RECORD_DELETED,
        target=key_result.title,
        details={"kind": "key_result", "name": f"{key_result.key} · {key_result.title}"},
    )
    key_result.delete()
