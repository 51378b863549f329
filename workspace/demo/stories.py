"""What happened at Acme Cloud besides features: PIVOT conflicts, obstacles, escalations from
syncs, incidents, and the words people use in their weekly syncs."""

from __future__ import annotations

from typing import NamedTuple


class ConflictStory(NamedTuple):
    week: int  # history week it opened in (0 = the first of the six months)
    team: str
    category: str
    title: str
    facts: str
    needs: str
    constraints: str
    options: tuple[tuple[str, str], ...]
    chosen: int | None
    criteria: str
    resolution: str
    sessions: int  # working sessions held
    resolved: bool
    decision: str = ""  # the escalation's decision, for categories that escalate


CONFLICTS = [
    ConflictStory(
        2,
        "checkout",
        "timeline",
        "UK prices before the March campaign",
        "Marketing booked a UK campaign for the 1st; the price table migration needs three more weeks.",
        "The campaign is paid for; UK visitors keep arriving on euro prices.",
        "Three services hard-code euros; migrating them half-way is riskier than not at all.",
        (
            ("Ship GBP only, CHF three weeks later", "Campaign on time; Swiss prices slip"),
            ("Move the campaign by three weeks", "€8k of booked media lost"),
            ("Convert euros at display time", "Prices change daily; finance refuses"),
        ),
        0,
        "UK checkout live on the 1st, zero pricing errors in the month's reconciliation.",
        "GBP first, CHF three weeks later; finance reconciles the UK separately in March.",
        1,
        True,
    ),
    ConflictStory(
        4,
        "growth",
        "resources",
        "Designer time: onboarding or referral",
        "Zoé is the only designer; both the checklist and the referral programme need her for two weeks.",
        "Activation is the quarter's objective; referral was promised to marketing.",
        "The checklist's components are reused by referral; doing them first saves a week.",
        (
            ("Checklist first, referral after", "Referral two weeks later"),
            ("Split her week in two", "Both slower, context switching"),
            ("Borrow Checkout's designer for referral", "Checkout's wallet work slips"),
        ),
        0,
        "Checklist designs ready in 10 days; referral designs reuse at least half of its components.",
        "Checklist first; referral starts from its components.",
        1,
        True,
    ),
    ConflictStory(
        6,
        "checkout",
        "scope",
        "3-D Secure on every payment?",
        "Banks decline 4 % of unauthenticated European payments; challenges cost 8 % of conversions.",
        "Fewer declines without scaring buyers.",
        "The provider's exemptions cover low-value and recurring payments.",
        (
            ("Challenge every payment", "-8 % conversion"),
            ("Use exemptions, challenge the rest", "Declines stay low"),
        ),
        1,
        "Declines for missing authentication under 0.5 % and challenge completion over 90 %.",
        "Exemptions first; challenge only when the bank asks.",
        1,
        True,
    ),
    ConflictStory(
        8,
        "growth",
        "strategy",
        "Free plan or a longer trial",
        "Trials convert at 9 %; competitors offer free plans; sales fears support load.",
        "More activated workspaces without flooding support.",
        "A free plan needs limits enforced in four services.",
        (
            ("Free plan with limits", "More sign-ups, more support"),
            ("30-day trial instead of 14", "Simple, slower feedback"),
            ("Trial extension on request", "Cheap, targeted"),
        ),
        2,
        "Trial-to-paid conversion at 10 % or more, support tickets per trial unchanged.",
        "Extensions on request now; revisit the free plan next quarter with the limits service.",
        2,
        True,
        "Trial extensions on request this quarter; the free plan comes back with the limits service.",
    ),
    ConflictStory(
        10,
        "platform",
        "capacity",
        "Three migrations asked of Platform at once",
        "Checkout wants the vault migration, Growth the analytics pipeline, the CTO PostgreSQL 16 — same six weeks.",
        "Each squad's quarter depends on its migration.",
        "Platform has four engineers; two migrations in parallel is the most it can run safely.",
        (
            ("Vault and PostgreSQL now, pipeline next", "Growth waits five weeks"),
            ("Borrow two Growth engineers", "Growth's roadmap slows"),
            ("Contractors for PostgreSQL", "Cost, onboarding time"),
        ),
        0,
        "Two migrations live by the end of the quarter with zero downtime incidents.",
        "Vault and PostgreSQL first; Growth's pipeline starts in week 6 with one Growth engineer.",
        1,
        True,
        "Vault and PostgreSQL go first; Growth lends one engineer for the pipeline from week 6.",
    ),
    ConflictStory(
        12,
        "checkout",
        "budget",
        "Provider fees for SEPA or build it ourselves",
        "The provider charges 0.35 % per SEPA debit; a bank partner would cost 40 days of work.",
        "Annual plans in Germany without hurting margins.",
        "Mandate handling and returns are hard to get right alone.",
        (
            ("Pay the provider's fee", "€9k a year at current volume"),
            ("Bank partner integration", "40 days of work"),
        ),
        0,
        "SEPA live within the quarter; fees under 0.5 % of SEPA revenue.",
        "Use the provider; revisit above €3M of SEPA volume.",
        1,
        True,
        "Go with the provider's SEPA; re-evaluate at €3M yearly volume.",
    ),
    ConflictStory(
        14,
        "checkout",
        "architecture",
        "Split the billing monolith now or after the vault migration",
        "Invoicing bugs take 9 days to fix; the vault migration touches the same tables.",
        "Faster invoice fixes before the annual-plan campaign.",
        "Running both changes on the same tables doubles the risk on renewals.",
        (
            ("Vault first, then invoicing", "Invoicing waits six weeks"),
            ("Invoicing first", "Vault slips past the PCI audit"),
            ("Both, in parallel", "Highest risk on renewals"),
        ),
        0,
        "No failed renewal during either migration; invoice fixes under 2 days by quarter end.",
        "Vault first; invoicing extraction starts the week after.",
        2,
        True,
        "Vault migration first, invoicing extraction right after; the audit date does not move.",
    ),
    ConflictStory(
        16,
        "platform",
        "timeline",
        "PostgreSQL upgrade during the sales kick-off",
        "The only Sunday window before support ends is the weekend of the sales kick-off demo.",
        "Sales needs a stable demo environment that weekend.",
        "The upgrade needs a 10-minute write freeze on production.",
        (
            ("Upgrade that Sunday, demo on a frozen copy", "Demo on stale data"),
            ("Upgrade two weeks later", "Support deadline gets tight"),
        ),
        0,
        "Upgrade done with under 10 minutes of freeze; the demo runs without a glitch.",
        "Upgrade that Sunday; the demo runs on a copy taken on Friday.",
        1,
        True,
    ),
    ConflictStory(
        18,
        "growth",
        "company_priority",
        "Enterprise SSO before self-serve growth?",
        "Sales asks for SAML SSO for three enterprise deals; Growth's quarter is built on self-serve.",
        "Close €240k of enterprise deals; keep activation moving.",
        "SAML needs six weeks of Growth's two engineers.",
        (
            ("SSO now, self-serve waits", "Activation objective missed"),
            ("Self-serve now, SSO next quarter", "Two deals may slip"),
            ("SSO via an identity broker", "Three weeks, a monthly fee"),
        ),
        2,
        "Two of the three deals signed this quarter; activation key result at 70 % or more.",
        "SSO through an identity broker; self-serve work continues.",
        3,
        True,
        "Buy the identity broker for SSO; Growth keeps its self-serve roadmap.",
    ),
    ConflictStory(
        20,
        "growth",
        "scope",
        "Template gallery: twenty templates or five",
        "Marketing wants twenty templates at launch; each takes a day to build and review.",
        "A gallery rich enough to impress at launch.",
        "The copy job and review process are not proven yet.",
        (
            ("Five templates at launch, more every week", "Smaller launch"),
            ("Twenty at launch", "Three weeks later"),
        ),
        0,
        "Five templates live, copy under 2 seconds, five more each week.",
        "Launch with five; customer success adds five a week.",
        1,
        True,
    ),
    ConflictStory(
        23,
        "checkout",
        "external_commitment",
        "Purchase orders promised to a key account",
        "Sales promised PO numbers on invoices to Globex by the end of the month.",
        "Keep a €120k renewal.",
        "Invoices are being extracted from the monolith; adding a field now means doing it twice.",
        (
            ("Add the field to the old invoices now", "Work done twice"),
            ("Manual invoices for Globex until the new service", "Finance effort for three months"),
        ),
        None,
        "Globex renews; no invoice re-issued by hand after the new service is live.",
        "",
        1,
        False,
    ),
    ConflictStory(
        24,
        "platform",
        "resources",
        "On-call coverage during the holidays",
        "Three of four Platform engineers are away the same two weeks.",
        "Enterprise contracts require 24/7 coverage.",
        "Other squads' engineers do not know the infrastructure runbooks.",
        (("Shadow on-call with Checkout and Growth", "Training needed"), ("Managed on-call service", "Cost")),
        None,
        "No alert unanswered for more than 15 minutes over the holidays.",
        "",
        0,
        False,
    ),
]


class ObstacleStory(NamedTuple):
    week: int
    team: str
    kind: str
    title: str
    owner: str | None
    weeks_open: int | None  # None: still open


OBSTACLES = [
    ObstacleStory(
        3,
        "checkout",
        "platform_dependency",
        "Payment API waits on the shared rate limiter",
        "tl.checkout@acme.test",
        3,
    ),
    ObstacleStory(
        5,
        "growth",
        "cross_team_dependency",
        "Referral credits need billing changes from Checkout",
        "pm.growth@acme.test",
        4,
    ),
    ObstacleStory(
        7,
        "growth",
        "missing_capability",
        "Nobody in the squad has done server-side rendering",
        "tl.growth@acme.test",
        5,
    ),
    ObstacleStory(
        9,
        "platform",
        "stakeholder_decision",
        "Finance approval for the managed log service",
        "pm.platform@acme.test",
        2,
    ),
    ObstacleStory(
        11,
        "platform",
        "missing_capability",
        "No experience with progressive delivery",
        "tl.platform@acme.test",
        4,
    ),
    ObstacleStory(
        13,
        "growth",
        "stakeholder_decision",
        "Legal sign-off on the NPS survey wording",
        "pm.growth@acme.test",
        1,
    ),
    ObstacleStory(
        15,
        "checkout",
        "cross_team_dependency",
        "Invoicing extraction waits on the analytics events",
        "tl.checkout@acme.test",
        3,
    ),
    ObstacleStory(
        22,
        "checkout",
        "customer_issue",
        "Globex blocked by missing purchase order numbers",
        "pm.checkout@acme.test",
        None,
    ),
    ObstacleStory(
        23, "platform", "customer_issue", "Enterprise prospect asks for proof of backup restores", None, None
    ),
]


class SyncEscalation(NamedTuple):
    week: int
    team: str
    level: int
    title: str
    decision: str  # "" while undecided


SYNC_ESCALATIONS = [
    SyncEscalation(
        5,
        "checkout",
        1,
        "Refund policy for customers charged twice",
        "Refund automatically and add a month free; no ticket needed.",
    ),
    SyncEscalation(9, "platform", 2, "A second SRE for on-call", "Open the SRE position this quarter."),
    SyncEscalation(
        17,
        "growth",
        2,
        "Marketing budget for the referral launch",
        "€15k for the launch month, measured on referral sign-ups.",
    ),
    SyncEscalation(24, "platform", 2, "Budget for a managed on-call service over the holidays", ""),
]

INCIDENT_TITLES = {
    "checkout": [
        "Card payments failing for American Express",
        "Checkout page blank on Safari 17",
        "Invoices not generated overnight",
        "VAT validation timeouts slowing checkout",
        "Duplicate renewal e-mails sent",
    ],
    "growth": [
        "Sign-up e-mails delayed by 40 minutes",
        "Onboarding checklist not loading",
        "Google sign-in redirect loop",
        "Template copy job stuck",
    ],
    "platform": [
        "API latency spike after the gateway release",
        "CI pipeline down for all squads",
        "Log shipping stopped",
        "Database connection pool exhausted",
        "Preview environments failing to start",
    ],
}

REJECTIONS = [
    "The success criterion on mobile conversion is not measured yet.",
    "Works on desktop, broken on Safari iOS.",
    "The e-mail copy was not reviewed by legal.",
    "p95 latency is 520 ms, the target was under 400 ms.",
    "Missing the French translation agreed in the spec.",
]

DECISIONS = {
    "roadmap": [
        "{title} goes before the next tech-debt item this sprint.",
        "Keep one tech-debt item in every five features this quarter.",
        "{title} moves to next quarter; the squad's capacity goes to the key results first.",
        "Ship {title} behind a flag for 10 % of workspaces first.",
    ],
    "issues": [
        "Accept 200 ms more on the first load for {title}; revisit after launch.",
        "No new third-party script on checkout without a performance budget.",
        "Product writes the error messages; tech sends the error codes.",
        "Use the provider's hosted fields; no card data in our front end.",
    ],
    "velocity": [
        "Cut the sprint scope by one feature until velocity is back to its average.",
        "Estimate bugs too, so velocity counts them.",
    ],
    "escalation": [
        "Bring the capacity question to the CTO–CPO weekly.",
        "Nothing needs management this week.",
    ],
}

ACTIONS = [
    "Write the rollout note for {title}",
    "Check post-launch metrics of {title} with the data team",
    "Book the alignment session for {title}",
    "Update the roadmap board after today's ranking",
    "Share the velocity trend with the VP Product",
    "Add the missing success criterion to {title}",
    "Pair with Platform on the rate limiter settings",
    "Ask Finance for the numbers behind {title}",
    "Draft the customer e-mail for {title}",
    "Clean up the flags of features shipped last month",
]

LEADERSHIP_ITEMS = {
    "operational": [
        "Deployment frequency and change failure rate over the last four weeks",
        "Tech investment share in next quarter's roadmap",
        "Bugs reported after releases, by squad",
    ],
    "people": [
        "Hiring the second SRE",
        "Growth's tech lead is stretched across two initiatives",
        "Onboarding plan for the new Checkout engineer",
    ],
    "key-decisions": [
        "Co-present the quarter's roadmap to the CEO",
        "How to explain the vault migration to the board",
    ],
    "incentives": [
        "A shared activation key result for product and tech",
        "Showcase the canary deployments to the sales team",
    ],
}

LEADERSHIP_DECISIONS = [
    "Keep 20 % of every squad's capacity for tech debt and platform work.",
    "Present the vault migration to the board as 'three weeks less audit a year'.",
    "Both of us present the roadmap; the CTO covers the platform bets.",
    "Activation becomes a shared key result for Growth and Platform.",
    "Canary deployments are shown at the next all-hands.",
]

LEADERSHIP_ACTIONS = [
    "Prepare the board slide on tech investment",
    "Share the DORA trend with the squads",
    "Draft the SRE job description with HR",
    "Agree the roadmap story with the CEO before the all-hands",
    "Ask each squad for its biggest cross-team dependency",
]
