"""Writes of experiments: the template, the pre-registered plan and its revisions, the checklist,
start, results and their analysis, stop."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Membership, Organisation
from productops.experiments import defaults, stats
from productops.models import Experiment, ExperimentRevision, ExperimentTemplate

# The fields of the pre-registered plan; a change to one of them after start is a revision.
PLAN_FIELDS = (
    "title",
    "feature",
    "hypothesis",
    "primary_metric",
    "guardrail_metrics",
    "variants",
    "baseline_rate",
    "mde",
    "daily_traffic",
    "alpha",
    "power",
    "min_lift",
)


@transaction.atomic
def template_ensure(*, org: Organisation) -> ExperimentTemplate:
    template, _created = ExperimentTemplate.objects.get_or_create(
        org=org,
        defaults={
            "checklist": list(defaults.CHECKLIST),
            "guardrail_metrics": list(defaults.GUARDRAILS),
            "alpha": defaults.ALPHA,
            "power": defaults.POWER,
        },
    )
    return template


@transaction.atomic
def template_update(
    *, org: Organisation, checklist: list[str], guardrail_metrics: list[str], alpha: float, power: float
) -> ExperimentTemplate:
    template = template_ensure(org=org)
    template.checklist, template.guardrail_metrics = checklist, guardrail_metrics
    template.alpha, template.power = alpha, power
    template.save(update_fields=["checklist", "guardrail_metrics", "alpha", "power"])
    return template


def _plan_numbers(experiment: Experiment) -> None:
    """Sample size per variant and expected duration, from the plan (fixed with it)."""
    try:
        size = stats.sample_size_per_variant(
            experiment.baseline_rate, experiment.mde, alpha=experiment.alpha, power=experiment.power
        )
    except stats.StatsInputError as exc:
        raise ValidationError({"mde": str(exc)}) from exc
    experiment.sample_size_per_variant = size
    experiment.expected_days = stats.expected_days(size, experiment.split, experiment.daily_traffic)


def _check_plan(org: Organisation, plan: dict[str, Any]) -> None:
    feature = plan.get("feature")
    if feature is not None and feature.org_id != org.pk:
        raise ValidationError({"feature": _("Pick a feature of your organisation.")})
    variants = plan.get("variants")
    if variants is not None:
        try:
            stats.check_split([float(v["share"]) for v in variants], len(variants))
        except stats.StatsInputError as exc:
            raise ValidationError(
                {"variants": _("The split must have one positive share per variant and add up to 100.")}
            ) from exc
        if len(variants) < 2 or len({v["name"] for v in variants}) != len(variants):
            raise ValidationError({"variants": _("Name at least two distinct variants, the control first.")})


@transaction.atomic
def experiment_create(*, org: Organisation, by: Membership, plan: dict[str, Any]) -> Experiment:
    _check_plan(org, plan)
    template = template_ensure(org=org)
    experiment = Experiment(
        org=org,
        created_by=by,
        checklist=[{"item": item, "done": False} for item in template.checklist],
        **{field: plan[field] for field in PLAN_FIELDS if field in plan},
    )
    _plan_numbers(experiment)
    experiment.full_clean(exclude=["created_by", "org"])
    experiment.save()
    return experiment


def _jsonable(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value)
    return value


@transaction.atomic
def experiment_update(*, experiment: Experiment, by: Membership, plan: dict[str, Any]) -> Experiment:
    """Change the plan. Before start it is a draft; after, each change is a visible revision.
    A closed experiment (analysed or stopped) is not edited any more."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status in (Experiment.Status.ANALYSED, Experiment.Status.STOPPED):
        raise ValidationError(_("This experiment is closed; its plan no longer changes."))
    _check_plan(experiment.org, plan)
    changes: dict[str, dict[str, Any]] = {}
    for field in PLAN_FIELDS:
        if field not in plan:
            continue
        old, new = getattr(experiment, field), plan[field]
        if old != new:
            changes[field] = {"old": _jsonable(old), "new": _jsonable(new)}
            setattr(experiment, field, new)
    if not changes:
        return experiment
    _plan_numbers(experiment)
    experiment.full_clean(exclude=["created_by", "org"])
    experiment.save(
        update_fields=[*(f for f in PLAN_FIELDS if f in changes), "sample_size_per_variant", "expected_days"]
    )
    if experiment.is_locked:
        ExperimentRevision.objects.create(experiment=experiment, at=timezone.now(), by=by, changes=changes)
    return experiment


@transaction.atomic
def experiment_checklist_update(*, experiment: Experiment, done: set[int]) -> Experiment:
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != Experiment.Status.DRAFT:
        raise ValidationError(_("The checklist is for before the start."))
    experiment.checklist = [
        {"item": entry["item"], "done": i in done} for i, entry in enumerate(experiment.checklist)
    ]
    experiment.save(update_fields=["checklist"])
    return experiment


@transaction.atomic
def experiment_start(*, experiment: Experiment) -> Experiment:
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != Experiment.Status.DRAFT:
        raise ValidationError(_("Only a draft experiment starts."))
    if not all(entry["done"] for entry in experiment.checklist):
        raise ValidationError(_("Tick every item of the pre-launch checklist before the start."))
    experiment.status, experiment.started_at = Experiment.Status.RUNNING, timezone.now()
    experiment.save(update_fields=["status", "started_at"])
    return experiment


def _analysis_dict(analysis: stats.Analysis) -> dict[str, Any]:
    return {**asdict(analysis), "srm": analysis.srm}


@transaction.atomic
def experiment_record_results(
    *,
    experiment: Experiment,
    counts: list[tuple[int, int]],
    guardrails_breached: list[str],
) -> Experiment:
    """Record users and conversions per variant (in the plan's order) and analyse them. The
    pre-registered rule gives the verdict and closes the experiment — unless the users per variant
    do not match the planned split (sample-ratio mismatch): then the test is broken, the results
    are kept and no verdict is given."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != Experiment.Status.RUNNING:
        raise ValidationError(_("Results are recorded while the experiment runs."))
    unknown = set(guardrails_breached) - set(experiment.guardrail_metrics)
    if unknown:
        raise ValidationError({"guardrails_breached": _("Pick guardrails of this experiment.")})
    variants = [
        stats.VariantCounts(name, users, conversions)
        for name, (users, conversions) in zip(experiment.variant_names, counts, strict=True)
    ]
    try:
        analysis = stats.analyse(
            variants, experiment.split, experiment.mde, alpha=experiment.alpha, power=experiment.power
        )
    except stats.StatsInputError as exc:
        raise ValidationError(_("These counts cannot be analysed: %(reason)s") % {"reason": exc}) from exc
    rule = stats.DecisionRule(alpha=experiment.alpha, power=experiment.power, min_lift=experiment.min_lift)
    verdict = stats.verdict(analysis, rule, guardrail_breached=bool(guardrails_breached))
    experiment.results = [asdict(v) for v in variants]
    experiment.guardrails_breached = guardrails_breached
    experiment.analysis = _analysis_dict(analysis)
    experiment.results_at = timezone.now()
    fields = ["results", "guardrails_breached", "analysis", "results_at"]
    if verdict is not None:
        experiment.status, experiment.verdict = Experiment.Status.ANALYSED, verdict
        experiment.ended_at = experiment.results_at
        fields += ["status", "verdict", "ended_at"]
    experiment.save(update_fields=fields)
    return experiment


@transaction.atomic
def experiment_stop(*, experiment: Experiment, reason: str) -> Experiment:
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status not in (Experiment.Status.DRAFT, Experiment.Status.RUNNING):
        raise ValidationError(_("This experiment is already closed."))
    experiment.status, experiment.stop_reason = Experiment.Status.STOPPED, reason
    experiment.ended_at = timezone.now()
    experiment.save(update_fields=["status", "stop_reason", "ended_at"])
    return experiment
