"""The launch checklist an organisation starts with. Items are gettext msgids, stored as they are
and translated when displayed; what Product Ops types is shown as typed."""

from __future__ import annotations

from django.utils.translation import gettext_noop

CHECKLIST: tuple[str, ...] = (
    gettext_noop("Documentation and release notes written"),
    gettext_noop("Support briefed"),
    gettext_noop("Sales enablement ready"),
    gettext_noop("Monitoring and alerts in place"),
    gettext_noop("Rollback plan written and tested"),
    gettext_noop("Feature flag ready to turn on and off"),
)

# Readiness: with items still open, a launch this many days away or closer is no-go.
NO_GO_DAYS = 2
# The post-launch review is due this many days after the launch date.
REVIEW_AFTER_DAYS = 14
# The DRIVE sync's Delivery section lists the team's launches up to this many days after its week starts.
AGENDA_DAYS = 28
