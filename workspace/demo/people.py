"""Acme Cloud's people, squads and OKRs."""

from __future__ import annotations

from typing import NamedTuple

from workspace.demo.base import DemoFeature
from workspace.demo.features_checkout import CHECKOUT
from workspace.demo.features_growth import GROWTH
from workspace.demo.features_platform import PLATFORM


class Person(NamedTuple):
    email: str
    name: str
    role: str
    squads: tuple[str, ...] = ()  # squads they are a member of, with their role


class Squad(NamedTuple):
    slug: str
    name: str
    topology: str
    prefix: str
    features: list[DemoFeature]
    sync_weekday: int  # 0 = Monday
    sync_time: tuple[int, int]
    deploys_per_week: tuple[int, int]
    reach: tuple[int, int]


SQUADS = [
    Squad("checkout", "Checkout", "stream_aligned", "CHK", CHECKOUT, 1, (10, 0), (3, 5), (1500, 9000)),
    Squad("growth", "Growth", "stream_aligned", "GRW", GROWTH, 2, (10, 30), (2, 4), (4000, 20000)),
    Squad("platform", "Platform", "platform", "PLT", PLATFORM, 3, (14, 0), (4, 7), (800, 6000)),
]

PEOPLE = [
    Person("ceo@acme.test", "Hélène Durand", "ceo"),
    Person("cpo@acme.test", "Camille Perrin", "cpo"),
    Person("cto@acme.test", "Thomas Nguyen", "cto"),
    Person("vp@acme.test", "Victor Aubert", "vp_product"),
    Person("ops@acme.test", "Olivia Roux", "product_ops"),
    Person("em@acme.test", "Emma Lefèvre", "engineering_manager", ("checkout", "growth", "platform")),
    Person("viewer@acme.test", "Valentin Morel", "viewer"),
    # Checkout
    Person("pm.checkout@acme.test", "Léa Martin", "pm", ("checkout",)),
    Person("tl.checkout@acme.test", "Karim Benali", "tech_lead", ("checkout",)),
    Person("sofia@acme.test", "Sofia Rossi", "engineer", ("checkout",)),
    Person("hugo@acme.test", "Hugo Bernard", "engineer", ("checkout",)),
    Person("ines@acme.test", "Inès Moreau", "engineer", ("checkout",)),
    Person("design.checkout@acme.test", "Chloé Petit", "designer", ("checkout",)),
    # Growth
    Person("pm.growth@acme.test", "Julien Girard", "pm", ("growth",)),
    Person("tl.growth@acme.test", "Aïcha Diallo", "tech_lead", ("growth",)),
    Person("lucas@acme.test", "Lucas Fontaine", "engineer", ("growth",)),
    Person("maya@acme.test", "Maya Cohen", "engineer", ("growth",)),
    Person("design.growth@acme.test", "Zoé Lambert", "designer", ("growth",)),
    # Platform
    Person("pm.platform@acme.test", "Marc Dubois", "pm", ("platform",)),
    Person("tl.platform@acme.test", "Priya Raman", "tech_lead", ("platform",)),
    Person("tom@acme.test", "Tom Becker", "engineer", ("platform",)),
    Person("elena@acme.test", "Elena Petrova", "engineer", ("platform",)),
    Person("nathan@acme.test", "Nathan Roussel", "engineer", ("platform",)),
    Person("design.platform@acme.test", "Louis Garnier", "designer", ("platform",)),
]

# One login per role, for the demo's welcome screen (`manage.py demo` sets their password).
DEMO_LOGINS: list[tuple[str, str]] = [
    ("ceo", "ceo@acme.test"),
    ("cpo", "cpo@acme.test"),
    ("cto", "cto@acme.test"),
    ("vp_product", "vp@acme.test"),
    ("product_ops", "ops@acme.test"),
    ("engineering_manager", "em@acme.test"),
    ("pm", "pm.checkout@acme.test"),
    ("tech_lead", "tl.checkout@acme.test"),
    ("engineer", "sofia@acme.test"),
    ("designer", "design.checkout@acme.test"),
    ("viewer", "viewer@acme.test"),
]


def members(squad: str) -> list[Person]:
    return [person for person in PEOPLE if squad in person.squads]


def member(squad: str, role: str) -> Person:
    return next(person for person in members(squad) if person.role == role)


class KeyResultPlan(NamedTuple):
    title: str
    kind: str
    unit: str | None
    baseline: float
    target: float
    progress: float  # share of the way to the target reached by the end of the quarter (or by now)


class ObjectivePlan(NamedTuple):
    squad: str
    teams: tuple[str, ...]
    title: str
    key_results: tuple[KeyResultPlan, ...]


# Objectives of the earlier and of the current quarter; the first key result of each squad's
# objective is the business one its product features move, the second the technical one.
OBJECTIVES_EARLIER = [
    ObjectivePlan(
        "checkout",
        ("checkout", "platform"),
        "Make paying effortless",
        (
            KeyResultPlan("Checkout conversion", "business", "%", 62, 68, 0.8),
            KeyResultPlan("Payment API p95 latency", "technical", "ms", 850, 400, 0.9),
        ),
    ),
    ObjectivePlan(
        "growth",
        ("growth",),
        "Grow self-serve activation",
        (
            KeyResultPlan("Trial workspaces activated within 7 days", "business", "%", 38, 50, 0.7),
            KeyResultPlan("Sign-up page largest contentful paint", "technical", "s", 2.4, 1.2, 0.6),
        ),
    ),
    ObjectivePlan(
        "platform",
        ("platform", "checkout", "growth"),
        "A platform squads can rely on",
        (
            KeyResultPlan("Change failure rate", "technical", "%", 14, 5, 0.6),
            KeyResultPlan("Production deployments per squad per week", "technical", None, 3, 5, 0.9),
            KeyResultPlan("Cloud cost per active customer", "business", "€", 1.9, 1.5, 0.5),
        ),
    ),
]
OBJECTIVES_CURRENT = [
    ObjectivePlan(
        "checkout",
        ("checkout",),
        "Fewer failed payments, more annual plans",
        (
            KeyResultPlan("Involuntary churn", "business", "%", 2.1, 1.2, 0.5),
            KeyResultPlan("Cards migrated to the provider's vault", "technical", "%", 0, 100, 0.6),
            KeyResultPlan("Annual share of new plans", "business", "%", 18, 30, 0.4),
        ),
    ),
    ObjectivePlan(
        "growth",
        ("growth", "checkout"),
        "Grow within accounts",
        (
            KeyResultPlan("Workspaces with 3+ members at day 7", "business", "%", 21, 30, 0.5),
            KeyResultPlan("Product events lost", "technical", "%", 18, 1, 0.7),
        ),
    ),
    ObjectivePlan(
        "platform",
        ("platform", "checkout", "growth"),
        "Ship faster, break less",
        (
            KeyResultPlan("Lead time for changes", "technical", "h", 40, 24, 0.5),
            KeyResultPlan("Incidents restored within 1 h", "technical", "%", 55, 80, 0.4),
            KeyResultPlan("Enterprise deals blocked by reliability questions", "business", None, 4, 0, 0.5),
        ),
    ),
]
