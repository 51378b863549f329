"""factory_boy factories for the core records. App-specific factories live beside their tests."""

from __future__ import annotations

from typing import Any

import factory

from collab import models

PASSWORD = "correct horse battery staple"  # noqa: S105


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    time_zone = "Europe/Paris"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Faker("name")

    @factory.post_generation
    def password(obj: Any, create: bool, extracted: str | None, **kwargs: Any) -> None:  # noqa: N805
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    org = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = "pm"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team

    org = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Squad {n}")
    slug = factory.Sequence(lambda n: f"squad-{n}")
    topology = "stream_aligned"


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TeamMember

    team = factory.SubFactory(TeamFactory)
    membership = factory.SubFactory(MembershipFactory, org=factory.SelfAttribute("..team.org"))
    role = "engineer"


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Feature

    team = factory.SubFactory(TeamFactory)
    org = factory.SelfAttribute("team.org")
    key = factory.Sequence(lambda n: f"F-{n}")
    title = factory.Sequence(lambda n: f"Feature {n}")
    kind = "product"
    status = "framing"
    effort_points = 5


class SpecFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Spec

    feature = factory.SubFactory(FeatureFactory)
    business_driver_kind = "revenue"
    business_driver_description = "Checkout drop-off costs revenue"
    expected_impact = "+2% conversion"
    technical_constraints = factory.LazyFunction(lambda: [{"kind": "legacy", "description": "old billing"}])
    success_criteria = factory.LazyFunction(
        lambda: [
            {"kind": "business", "metric": "conversion", "target": "+2%"},
            {"kind": "technical", "metric": "p95 latency", "target": "< 400 ms"},
        ]
    )
