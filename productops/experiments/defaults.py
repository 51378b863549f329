"""The experiment template an organisation starts with. Items are gettext msgids, stored as they
are and translated when displayed; what an organisation types is shown as typed."""

from __future__ import annotations

from django.utils.translation import gettext_noop

CHECKLIST: tuple[str, ...] = (
    gettext_noop("Hypothesis, primary metric and decision rule written down"),
    gettext_noop("Sample size and duration computed from the minimum detectable effect"),
    gettext_noop("Tracking of the primary and guardrail metrics checked on a test user"),
    gettext_noop("Randomisation unit and traffic split checked (A/A or preview)"),
    gettext_noop("Guardrail owners told and a rollback plan ready"),
)

GUARDRAILS: tuple[str, ...] = (
    gettext_noop("Error rate"),
    gettext_noop("p95 latency"),
    gettext_noop("Unsubscribe rate"),
)

ALPHA = 0.05
POWER = 0.8
