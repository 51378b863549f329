"""Reads of experiments, always from the caller's organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from collab.models import Feature, Organisation
from productops.models import Experiment, ExperimentRevision, ExperimentTemplate


def experiment_list(*, org: Organisation, status: str = "") -> QuerySet[Experiment]:
    qs = Experiment.objects.filter(org=org).select_related("feature", "created_by__user")
    return qs.filter(status=status) if status else qs


def experiment_get(*, org: Organisation, pk: int) -> Experiment:
    """The experiment of this organisation; Experiment.DoesNotExist for another organisation's."""
    return Experiment.objects.select_related("feature", "created_by__user").get(org=org, pk=pk)


def experiment_revisions(*, experiment: Experiment) -> QuerySet[ExperimentRevision]:
    return experiment.revisions.select_related("by__user")


def experiment_features(*, org: Organisation) -> QuerySet[Feature]:
    return Feature.objects.filter(org=org).order_by("key")


def template_find(*, org: Organisation) -> ExperimentTemplate | None:
    return ExperimentTemplate.objects.filter(org=org).first()


@dataclass(frozen=True)
class Outcomes:
    analysed: int
    won: int
    lost: int

    @property
    def share_won(self) -> float | None:
        return self.won / self.analysed if self.analysed else None


def experiment_outcomes(*, org: Organisation) -> Outcomes:
    counts = Experiment.objects.filter(org=org, status=Experiment.Status.ANALYSED).aggregate(
        analysed=Count("id"),
        won=Count("id", filter=Q(verdict=Experiment.Verdict.WON)),
        lost=Count("id", filter=Q(verdict=Experiment.Verdict.LOST)),
    )
    return Outcomes(analysed=counts["analysed"], won=counts["won"], lost=counts["lost"])
