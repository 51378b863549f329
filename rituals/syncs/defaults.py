"""The ritual templates every organisation starts with (seeds 000 and 001).

Titles, prompts and names are gettext msgids (English), stored as they are in the database and
translated when displayed, so a default template reads in French for a French reader. What an
organisation types when it edits a template is stored as typed (gettext leaves it unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

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
    name=gettext_noop("DRIVE weekly Product–Tech sync"),
    description=gettext_noop(
        "The weekly Product–Tech sync: Delivery, Roadmap, Issues, Velocity, Escalation — 45 minutes in five time boxes."
    ),
    sections=(
        SectionDefault(
            "delivery",
            gettext_noop("Delivery status"),
            10,
            (
                gettext_noop("Features delivered vs planned"),
                gettext_noop("Current blockers and needed escalations"),
                gettext_noop("Post-launch performance metrics"),
            ),
        ),
        SectionDefault(
            "roadmap",
            gettext_noop("Roadmap alignment"),
            15,
            (
                gettext_noop("Quarter priorities by business value and technical effort"),
                gettext_noop("Impact of technical debt on upcoming features"),
                gettext_noop("Cross-team dependencies"),
            ),
        ),
        SectionDefault(
            "issues",
            gettext_noop("Issues resolution"),
            10,
            (
                gettext_noop("Technical decisions that change the user experience"),
                gettext_noop("Business constraints that change the architecture"),
                gettext_noop("Mutual trade-offs"),
            ),
        ),
        SectionDefault(
            "velocity",
            gettext_noop("Velocity tracking"),
            5,
            (
                gettext_noop("Team velocity"),
                gettext_noop("Sprint predictability"),
                gettext_noop("Adjustments needed"),
            ),
        ),
        SectionDefault(
            "escalation",
            gettext_noop("Escalation"),
            5,
            (
                gettext_noop("Decisions that need management"),
                gettext_noop("Unresolved conflicts"),
                gettext_noop("Additional resources"),
            ),
        ),
    ),
)

CTO_CPO = TemplateDefault(
    ritual=Ritual.CTO_CPO,
    name=gettext_noop("CTO–CPO weekly"),
    description=gettext_noop(
        "45 minutes a week between the CTO and the CPO on operational and people topics, the key decisions "
        "to co-present to top management, and aligned incentives."
    ),
    sections=(
        SectionDefault(
            "operational",
            gettext_noop("Operational topics"),
            15,
            (
                gettext_noop(
                    "Delivery flow and DORA metrics: deployment frequency, lead time, change failure rate"
                ),
                gettext_noop("Technical debt and regular tech investment cycles in the roadmap"),
                gettext_noop(
                    "Shared Product–Tech KPIs: fewer bugs, release success rate, post-release engagement"
                ),
            ),
        ),
        SectionDefault(
            "people",
            gettext_noop("People topics"),
            10,
            (
                gettext_noop("Team health and organisation: squads with a PM and an engineering manager"),
                gettext_noop("Each side's challenges and constraints, heard and understood"),
                gettext_noop("Cross-squad alignment: maturity gaps, no product vs tech camps"),
            ),
        ),
        SectionDefault(
            "key-decisions",
            gettext_noop("Key decisions to co-present"),
            10,
            (
                gettext_noop("Prioritisation and trade-offs to bring to top management"),
                gettext_noop("Technical choices and their business impact"),
                gettext_noop("Balanced speaking time when presenting together"),
            ),
        ),
        SectionDefault(
            "incentives",
            gettext_noop("Incentives alignment"),
            10,
            (
                gettext_noop("Do product and tech objectives converge on measurable business results?"),
                gettext_noop("Business KPIs linked to technical objectives"),
                gettext_noop("Technical successes to showcase to stakeholders"),
            ),
        ),
    ),
)

POSTMORTEM = TemplateDefault(
    ritual=Ritual.POSTMORTEM,
    name=gettext_noop("Post-mortem"),
    description=gettext_noop(
        "A blameless review of an incident or a delivery delay: what happened, when, why, and what we change."
    ),
    sections=(
        SectionDefault(
            "summary",
            gettext_noop("What happened"),
            10,
            (
                gettext_noop("Impact on users and on the business"),
                gettext_noop("How and when we noticed"),
            ),
        ),
        SectionDefault(
            "timeline",
            gettext_noop("Timeline"),
            15,
            (
                gettext_noop("Key events in order, with their times"),
                gettext_noop("When it was detected, mitigated and resolved"),
            ),
        ),
        SectionDefault(
            "causes",
            gettext_noop("Contributing causes"),
            15,
            (
                gettext_noop("Which conditions made it possible? Look at systems and process, not people"),
                gettext_noop("Why did our safeguards not catch it?"),
            ),
        ),
        SectionDefault(
            "learnings",
            gettext_noop("What went well, what we learned"),
            10,
            (
                gettext_noop("What helped us respond"),
                gettext_noop("What we learned about our system and our process"),
            ),
        ),
        SectionDefault(
            "actions",
            gettext_noop("Action items"),
            10,
            (
                gettext_noop("Concrete follow-ups, each with an owner and a due date"),
                gettext_noop("How we will know they worked"),
            ),
        ),
    ),
)

DEMO = TemplateDefault(
    ritual=Ritual.DEMO,
    name=gettext_noop("Shared demo"),
    description=gettext_noop("Product and tech show what shipped, together, and collect feedback."),
    sections=(
        SectionDefault(
            "context",
            gettext_noop("Context and goal"),
            5,
            (
                gettext_noop("Which objective and key result this serves"),
                gettext_noop("The user problem we set out to solve"),
            ),
        ),
        SectionDefault(
            "demo",
            gettext_noop("Live demo"),
            15,
            (
                gettext_noop("The user journey, end to end"),
                gettext_noop("Technical highlights in business words"),
            ),
        ),
        SectionDefault(
            "feedback",
            gettext_noop("Feedback"),
            7,
            (
                gettext_noop("Questions from product, tech and stakeholders"),
                gettext_noop("What user tests taught us"),
            ),
        ),
        SectionDefault(
            "next-steps",
            gettext_noop("Next steps"),
            3,
            (gettext_noop("What ships next, and when"),),
        ),
    ),
)

ROADMAP_REVIEW = TemplateDefault(
    ritual=Ritual.ROADMAP_REVIEW,
    name=gettext_noop("Roadmap review"),
    description=gettext_noop(
        "A shared Product–Tech roadmap: priorities balanced between business impact and technical health."
    ),
    sections=(
        SectionDefault(
            "outcomes",
            gettext_noop("Outcomes since the last review"),
            10,
            (
                gettext_noop("Progress of business and technical key results"),
                gettext_noop("Features delivered and their post-launch metrics"),
            ),
        ),
        SectionDefault(
            "priorities",
            gettext_noop("Priorities"),
            20,
            (
                gettext_noop("Rank by business value against technical effort"),
                gettext_noop("Balance product work with tech debt and platform investment"),
            ),
        ),
        SectionDefault(
            "dependencies",
            gettext_noop("Dependencies and capacity"),
            15,
            (
                gettext_noop("Cross-team and platform-team dependencies"),
                gettext_noop("Team capacity and risks"),
            ),
        ),
        SectionDefault(
            "trade-offs",
            gettext_noop("Trade-offs and decisions"),
            10,
            (
                gettext_noop("What we stop or postpone, and why"),
                gettext_noop("Decisions to escalate"),
            ),
        ),
        SectionDefault(
            "communication",
            gettext_noop("Communication"),
            5,
            (gettext_noop("What we tell stakeholders, and when"),),
        ),
    ),
)

DECISION_REVIEW = TemplateDefault(
    ritual=Ritual.DECISION_REVIEW,
    name=gettext_noop("Leadership decision review"),
    description=gettext_noop(
        "The CPO and the CTO co-present the key decisions (priorities, trade-offs, technical choices) to top "
        "management, each side speaking about half of the time. Add the decisions to present: each becomes "
        "a time-boxed step between the context and the next steps."
    ),
    sections=(
        SectionDefault(
            "context",
            gettext_noop("Context"),
            5,
            (
                gettext_noop("Where we stand: the goals, the figures that matter"),
                gettext_noop("What we ask of you today"),
            ),
        ),
        SectionDefault(
            "next-steps",
            gettext_noop("Next steps"),
            5,
            (gettext_noop("Who announces each decision, to whom and when"),),
        ),
    ),
)

DEFAULT_TEMPLATES: dict[str, TemplateDefault] = {
    t.ritual: t for t in (DRIVE, CTO_CPO, POSTMORTEM, DEMO, ROADMAP_REVIEW, DECISION_REVIEW)
}

# Labels stored on pre-filled agenda items (SyncItem.notes) and closing notes; msgids too.
NOTE_DELIVERED_AS_PLANNED = gettext_noop("Delivered as planned this week")
NOTE_DELIVERED_UNPLANNED = gettext_noop("Delivered this week, planned for another week")
NOTE_PLANNED_NOT_DELIVERED = gettext_noop("Planned this week, not delivered yet")
NOTE_SPEC_NOT_ALIGNED = gettext_noop("Spec not aligned yet")
NOTE_OBSTACLE = gettext_noop("Open obstacle")
NOTE_CONFLICT = gettext_noop("Open conflict")
NOTE_ESCALATION = gettext_noop("Open escalation")
NOTE_AUTO_CLOSED = gettext_noop("Closed automatically: the sync was left live for more than 3 hours.")
