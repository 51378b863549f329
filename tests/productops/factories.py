from __future__ import annotations

import datetime as dt

import factory

from productops.models import Experiment, FeedbackItem
from tests.factories import FeatureFactory, MembershipFactory


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment

    feature = factory.SubFactory(FeatureFactory)
    org = factory.SelfAttribute("feature.org")
    created_by = factory.SubFactory(MembershipFactory, org=factory.SelfAttribute("..org"), role="product_ops")
    title = factory.Sequence(lambda n: f"Experiment {n}")
    hypothesis = "A shorter checkout lifts completed orders"
    primary_metric = "checkout completed"
    guardrail_metrics = factory.LazyFunction(lambda: ["Error rate"])
    variants = factory.LazyFunction(
        lambda: [{"name": "control", "share": 50.0}, {"name": "treatment", "share": 50.0}]
    )
    baseline_rate = 0.1
    mde = 0.02
    daily_traffic = 1000
    checklist = factory.LazyFunction(lambda: [{"item": "Tracking checked", "done": False}])


class FeedbackItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackItem

    logged_by = factory.SubFactory(MembershipFactory, role="product_ops")
    org = factory.SelfAttribute("logged_by.org")
    text = factory.Sequence(lambda n: f"Exports are too slow ({n})")
    source = "support"
    account = factory.Sequence(lambda n: f"Account {n}")
    segment = "Enterprise"
    received_on = dt.date(2026, 3, 2)
