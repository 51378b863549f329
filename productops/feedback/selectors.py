"""Reads of feedback, always from the caller's organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from collab.models import Feature, Organisation, Team
from productops.models import FeedbackItem

# Linked items and the duplicates merged into them are the evidence for a feature.
EVIDENCE = Q(status__in=[FeedbackItem.Status.LINKED, FeedbackItem.Status.MERGED])


def feedback_list(
    *, org: Organisation, source: str = "", status: str = "", segment: str = ""
) -> QuerySet[FeedbackItem]:
    qs = FeedbackItem.objects.filter(org=org).select_related(
        "feature", "logged_by__user", "duplicate_of", "team"
    )
    if source:
        qs = qs.filter(source=source)
    if status:
        qs = qs.filter(status=status)
    if segment:
        qs = qs.filter(segment=segment)
    return qs


def feedback_get(*, org: Organisation, pk: int) -> FeedbackItem:
    """The item of this organisation; FeedbackItem.DoesNotExist for another organisation's."""
    return FeedbackItem.objects.select_related("feature").get(org=org, pk=pk)


def feedback_in(*, org: Organisation, ids: list[int]) -> list[FeedbackItem]:
    return list(FeedbackItem.objects.filter(org=org, pk__in=ids))


def feedback_segments(*, org: Organisation) -> list[str]:
    return list(
        FeedbackItem.objects.filter(org=org)
        .exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()
    )


def feedback_features(*, org: Organisation) -> QuerySet[Feature]:
    return Feature.objects.filter(org=org).order_by("key")


def feedback_teams(*, org: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(org=org).order_by("name")


def feedback_feature_get(*, org: Organisation, key: str) -> Feature:
    return Feature.objects.select_related("team").get(org=org, key=key)


def feedback_evidence(*, feature: Feature) -> QuerySet[FeedbackItem]:
    return FeedbackItem.objects.filter(EVIDENCE, feature=feature).select_related("logged_by__user")


@dataclass(frozen=True)
class Reach:
    feature: Feature
    mentions: int
    accounts: int
    anonymous: int

    @property
    def suggested_reach(self) -> int:
        """Distinct accounts, each item without an account counting as one more."""
        return self.accounts + self.anonymous


def feedback_reach(*, org: Organisation) -> list[Reach]:
    """Per feature with evidence: the items, the distinct accounts and the suggested RICE reach,
    the most reached first."""
    rows = (
        FeedbackItem.objects.filter(EVIDENCE, org=org, feature__isnull=False)
        .values("feature")
        .annotate(
            mentions=Count("id"),
            accounts=Count("account", distinct=True, filter=~Q(account="")),
            anonymous=Count("id", filter=Q(account="")),
        )
    )
    features = Feature.objects.in_bulk([row["feature"] for row in rows])
    reach = [
        Reach(features[row["feature"]], row["mentions"], row["accounts"], row["anonymous"]) for row in rows
    ]
    return sorted(reach, key=lambda r: (-r.suggested_reach, r.feature.key))


def feedback_reach_for(*, feature: Feature) -> Reach:
    counts = feedback_evidence(feature=feature).aggregate(
        mentions=Count("id"),
        accounts=Count("account", distinct=True, filter=~Q(account="")),
        anonymous=Count("id", filter=Q(account="")),
    )
    return Reach(feature, counts["mentions"], counts["accounts"], counts["anonymous"])
