"""factory_boy factories for rituals records (syncs and their items, conflicts, escalations,
obstacles, 1:1s, post-mortems)."""

from __future__ import annotations

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from collab.models import Membership, Organisation, Team
from rituals import models
from rituals.syncs import services
from tests.factories import MembershipFactory, TeamFactory


def drive_sync(
    org: Organisation, team: Team | None, facilitator: Membership, when: datetime | None = None
) -> models.Sync:
    """A DRIVE sync prepared by the real service, its sections and agenda filled in as in the app."""
    return services.sync_create(
        org=org,
        team=team,
        template=services.template_for(org, models.Ritual.DRIVE),
        facilitator=facilitator,
        scheduled_at=when or timezone.now(),
    )


class SyncFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Sync

    team = factory.SubFactory(TeamFactory)
    org = factory.SelfAttribute("team.org")
    key = factory.Sequence(lambda n: f"S-{n}")
    ritual = "drive"
    facilitator = factory.SubFactory(MembershipFactory, org=factory.SelfAttribute("..org"))
    scheduled_at = factory.LazyFunction(timezone.now)


class SyncSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SyncSection

    sync = factory.SubFactory(SyncFactory)
    code = "escalation"
    title = "Escalation"
    planned_minutes = 5
    position = 4


class SyncItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SyncItem

    section = factory.SubFactory(SyncSectionFactory)
    sync = factory.SelfAttribute("section.sync")
    title = factory.Sequence(lambda n: f"Item {n}")
    notes = "Release date vs migration"


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Conflict

    team = factory.SubFactory(TeamFactory)
    org = factory.SelfAttribute("team.org")
    key = factory.Sequence(lambda n: f"C-{n + 1000}")
    title = factory.Sequence(lambda n: f"Conflict {n}")
    category = "timeline"
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


class PivotedConflictFactory(ConflictFactory):
    """A conflict whose five PIVOT steps are filled in (one option chosen), ready to resolve once a
    session is recorded."""

    facts = "Sales promised the 1st of June; the billing migration ends mid-June."
    business_needs = "Keep the promise to the two largest customers."
    technical_constraints = "Legacy billing can't take the new plans."
    options = factory.LazyFunction(
        lambda: [
            {"title": "Ship on the legacy system", "impact": "+2 weeks of rework later", "chosen": True},
            {"title": "Wait for the migration", "impact": "-40k€ of revenue in June", "chosen": False},
        ]
    )
    success_criteria = "Both customers live by June 1st; no billing incident in June."


class ConflictSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ConflictSession

    conflict = factory.SubFactory(ConflictFactory)
    held_at = factory.LazyFunction(timezone.now)
    step = "test"


class EscalationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Escalation

    org = factory.SubFactory("tests.factories.OrganisationFactory")
    key = factory.Sequence(lambda n: f"E-{n + 1000}")
    level = 2
    title = factory.Sequence(lambda n: f"Escalation {n}")
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=5))


class ObstacleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Obstacle

    team = factory.SubFactory(TeamFactory)
    org = factory.SelfAttribute("team.org")
    key = factory.Sequence(lambda n: f"OB-{n + 1000}")
    kind = "cross_team_dependency"
    title = factory.Sequence(lambda n: f"Waiting for team {n}")
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))


class OneOnOneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OneOnOne

    org = factory.SubFactory("tests.factories.OrganisationFactory")
    leader = factory.SubFactory(MembershipFactory, org=factory.SelfAttribute("..org"), role="vp_product")
    pm = factory.SubFactory(MembershipFactory, org=factory.SelfAttribute("..org"), role="pm")
    held_at = factory.LazyFunction(timezone.now)
    learnings = "Customers want exports"


class PostMortemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PostMortem

    team = factory.SubFactory(TeamFactory)
    org = factory.SelfAttribute("team.org")
    kind = "delivery_delay"
    title = factory.Sequence(lambda n: f"Post-mortem {n}")
