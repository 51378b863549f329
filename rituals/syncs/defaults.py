"""The ritual templates every organisation starts with (seeds 000 and 001).

Titles, prompts and names are gettext msgids (English), stored as they are in the database and
translated when displayed, so a default template reads in French for a French reader. What an
organisation types when it edits a template is stored as typed (gettext leaves it unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop as N_

from rituals.models import Ritual


@dataclass(frozen=True)
class SectionDefault:
    code: str
    title: str
    minutes: int
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class TemplateDefault:
    ritual: str
    name: str
    description: str
    sections: tuple[SectionDefault, ...]

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.sections)


DRIVE = TemplateDefault(
    ritual=Ritual.DRIVE,
    name=N_("DRIVE weekly Product–Tech sync"),
    description=N_(
        "The weekly Product–Tech sync: Delivery, Roadmap, Issues, Velocity, Escalation — 45 minutes in five time boxes."
    ),
    sections=(
        SectionDefault(
            "delivery",
            N_("Delivery status"),
            10,
            (
                N_("Features delivered vs planned"),
                N_("Current blockers and needed escalations"),
                N_("Post-launch performance metrics"),
            ),
        ),
        SectionDefault(
            "roadmap",
            N_("Roadmap alignment"),
            15,
            (
                N_("Quarter priorities by business value and technical effort"),
                N_("Impact of technical debt on upcoming features"),
                N_("Cross-team dependencies"),
            ),
        ),
        SectionDefault(
            "issues",
            N_("Issues resolution"),
            10,
            (
                N_("Technical decisions that change the user experience"),
                N_("Business constraints that change the architecture"),
                N_("Mutual trade-offs"),
            ),
        ),
        SectionDefault(
            "velocity",
            N_("Velocity tracking"),
            5,
            (
                N_("Team velocity"),
                N_("Sprint predictability"),
                N_("Adjustments needed"),
            ),
        ),
        SectionDefault(
            "escalation",
            N_("Escalation"),
            5,
            (
                N_("Decisions that need management"),
                N_("Unresolved conflicts"),
                N_("Additional resources"),
            ),
        ),
    ),
)

CTO_CPO = TemplateDefault(
    ritual=Ritual.CTO_CPO,
    name=N_("CTO–CPO weekly"),
    description=N_(
        "45 minutes a week between the CTO and the CPO on operational and people topics, the key decisions "
        "to co-present to top management, and aligned incentives."
    ),
    sections=(
        SectionDefault(
            "operational",
            N_("Operational topics"),
            15,
            (
                N_("Delivery flow and DORA metrics: deployment frequency, lead time, change failure rate"),
                N_("Technical debt and regular tech investment cycles in the roadmap"),
                N_("Shared Product–Tech KPIs: fewer bugs, release success rate, post-release engagement"),
            ),
        ),
        SectionDefault(
            "people",
            N_("People topics"),
            10,
            (
                N_("Team health and organisation: squads with a PM and an engineering manager"),
                N_("Each side's challenges and constraints, heard and understood"),
                N_("Cross-squad alignment: maturity gaps, no product vs tech camps"),
            ),
        ),
        SectionDefault(
            "key-decisions",
            N_("Key decisions to co-present"),
            10,
            (
                N_("Prioritisation and trade-offs to bring to top management"),
                N_("Technical choices and their business impact"),
                N_("Balanced speaking time when presenting together"),
            ),
        ),
        SectionDefault(
            "incentives",
            N_("Incentives alignment"),
            10,
            (
                N_("Do product and tech objectives converge on measurable business results?"),
                N_("Business KPIs linked to technical objectives"),
                N_("Technical successes to showcase to stakeholders"),
            ),
        ),
    ),
)

POSTMORTEM = TemplateDefault(
    ritual=Ritual.POSTMORTEM,
    name=N_("Post-mortem"),
    description=N_(
        "A blameless review of an incident or a delivery delay: what happened, when, why, and what we change."
    ),
    sections=(
        SectionDefault(
            "summary",
            N_("What happened"),
            10,
            (
                N_("Impact on users and on the business"),
                N_("How and when we noticed"),
            ),
        ),
        SectionDefault(
            "timeline",
            N_("Timeline"),
            15,
            (
                N_("Key events in order, with their times"),
                N_("When it was detected, mitigated and resolved"),
            ),
        ),
        SectionDefault(
            "causes",
            N_("Contributing causes"),
            15,
            (
                N_("Which conditions made it possible? Look at systems and process, not people"),
                N_("Why did our safeguards not catch it?"),
            ),
        ),
        SectionDefault(
            "learnings",
            N_("What went well, what we learned"),
            10,
            (
                N_("What helped us respond"),
                N_("What we learned about our system and our process"),
            ),
        ),
        SectionDefault(
            "actions",
            N_("Action items"),
            10,
            (
                N_("Concrete follow-ups, each with an owner and a due date"),
                N_("How we will know they worked"),
            ),
        ),
    ),
)

DEMO = TemplateDefault(
    ritual=Ritual.DEMO,
    name=N_("Shared demo"),
    description=N_("Product and tech show what shipped, together, and collect feedback."),
    sections=(
        SectionDefault(
            "context",
            N_("Context and goal"),
            5,
            (
                N_("Which objective and key result this serves"),
                N_("The user problem we set out to solve"),
            ),
        ),
        SectionDefault(
            "demo",
            N_("Live demo"),
            15,
            (
                N_("The user journey, end to end"),
                N_("Technical highlights in business words"),
            ),
        ),
        SectionDefault(
            "feedback",
            N_("Feedback"),
            7,
            (
                N_("Questions from product, tech and stakeholders"),
                N_("What user tests taught us"),
            ),
        ),
        SectionDefault(
            "next-steps",
            N_("Next steps"),
            3,
            (N_("What ships next, and when"),),
        ),
    ),
)

ROADMAP_REVIEW = TemplateDefault(
    ritual=Ritual.ROADMAP_REVIEW,
    name=N_("Roadmap review"),
    description=N_(
        "A shared Product–Tech roadmap: priorities balanced between business impact and technical health."
    ),
    sections=(
        SectionDefault(
            "outcomes",
            N_("Outcomes since the last review"),
            10,
            (
                N_("Progress of business and technical key results"),
                N_("Features delivered and their post-launch metrics"),
            ),
        ),
        SectionDefault(
            "priorities",
            N_("Priorities"),
            20,
            (
                N_("Rank by business value against technical effort"),
                N_("Balance product work with tech debt and platform investment"),
            ),
        ),
        SectionDefault(
            "dependencies",
            N_("Dependencies and capacity"),
            15,
            (
                N_("Cross-team and platform-team dependencies"),
                N_("Team capacity and risks"),
            ),
        ),
        SectionDefault(
            "trade-offs",
            N_("Trade-offs and decisions"),
            10,
            (
                N_("What we stop or postpone, and why"),
                N_("Decisions to escalate"),
            ),
        ),
        SectionDefault(
            "communication",
            N_("Communication"),
            5,
            (N_("What we tell stakeholders, and when"),),
        ),
    ),
)

DEFAULT_TEMPLATES: dict[str, TemplateDefault] = {
    t.ritual: t for t in (DRIVE, CTO_CPO, POSTMORTEM, DEMO, ROADMAP_REVIEW)
}

# Labels stored on pre-filled agenda items (SyncItem.notes) and closing notes; msgids too.
NOTE_DELIVERED_AS_PLANNED = N_("Delivered as planned this week")
NOTE_DELIVERED_UNPLANNED = N_("Delivered this week, planned for another week")
NOTE_PLANNED_NOT_DELIVERED = N_("Planned this week, not delivered yet")
NOTE_SPEC_NOT_ALIGNED = N_("Spec not aligned yet")
NOTE_OBSTACLE = N_("Open obstacle")
NOTE_CONFLICT = N_("Open conflict")
NOTE_ESCALATION = N_("Open escalation")
NOTE_AUTO_CLOSED = N_("Closed automatically: the sync was left live for more than 3 hours.")
