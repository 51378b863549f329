"""A team's public feedback form (an unguessable link Product Ops can turn off or replace; only
its SHA-256 is stored, the link is shown once) and the team's choice to list its most-requested
unplanned features in the DRIVE roadmap section."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from collab.models import Feature, Team
from productops.feedback.selectors import EVIDENCE, Reach
from productops.models import FeedbackItem, TeamFeedbackLink

# Features not scheduled yet: no planned week, not started, delivered or dropped.
UNPLANNED = Q(
    planned_week="", status__in=[Feature.Status.IDEA, Feature.Status.FRAMING, Feature.Status.ALIGNED]
)
MOST_REQUESTED = 5


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_find(*, team: Team) -> TeamFeedbackLink | None:
    return TeamFeedbackLink.objects.filter(team=team).first()


def links_of(*, teams: list[Team]) -> dict[int, TeamFeedbackLink]:
    return {link.team_id: link for link in TeamFeedbackLink.objects.filter(team__in=teams)}


@transaction.atomic
def link_rotate(*, team: Team) -> str:
    """A new link for the team's form, open; the previous link stops working. Returns the token,
    which is not stored (show it once)."""
    token = secrets.token_urlsafe(24)
    link, _created = TeamFeedbackLink.objects.select_for_update().get_or_create(team=team)
    link.token_hash, link.enabled, link.rotated_at = token_hash(token), True, timezone.now()
    link.save(update_fields=["token_hash", "enabled", "rotated_at"])
    return token


@transaction.atomic
def link_set_enabled(*, team: Team, enabled: bool) -> TeamFeedbackLink | None:
    link = TeamFeedbackLink.objects.select_for_update().filter(team=team).first()
    if link is None or not link.token_hash:
        return link
    link.enabled = enabled
    link.save(update_fields=["enabled"])
    return link


def team_for_token(token: str) -> Team | None:
    """The team whose open form has this token, else None."""
    if not token or len(token) > 100:
        return None
    link = (
        TeamFeedbackLink.objects.select_related("team__org")
        .filter(token_hash=token_hash(token), enabled=True)
        .exclude(token_hash="")
        .first()
    )
    return link.team if link else None


@transaction.atomic
def most_requested_set(*, team: Team, show: bool) -> TeamFeedbackLink:
    link, _created = TeamFeedbackLink.objects.select_for_update().get_or_create(team=team)
    link.show_most_requested = show
    link.save(update_fields=["show_most_requested"])
    return link


def shows_most_requested(*, team: Team) -> bool:
    return TeamFeedbackLink.objects.filter(team=team, show_most_requested=True).exists()


def most_requested_unplanned(*, team: Team, limit: int = MOST_REQUESTED) -> list[Reach]:
    """The team's unplanned features with the most feedback: by suggested reach (distinct accounts,
    each item without an account counting once), then by feedback count."""
    rows = (
        FeedbackItem.objects.filter(EVIDENCE, org_id=team.org_id, feature__team=team)
        .filter(feature__in=Feature.objects.filter(UNPLANNED, team=team))
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
    return sorted(reach, key=lambda r: (-r.suggested_reach, -r.mentions, r.feature.key))[:limit]
