"""Launch readiness from the checklist and the date (the rule the launches page explains):

- go: every checklist item is ticked;
- no-go: items are still open and the launch is NO_GO_DAYS days away or closer (or passed);
- at risk: items are still open and there is more time than that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from productops.launches.defaults import NO_GO_DAYS

GO, AT_RISK, NO_GO = "go", "at_risk", "no_go"
LABELS = {GO: _("Go"), AT_RISK: _("At risk"), NO_GO: _("No-go")}
# The same labels as msgids, for text stored untranslated (the sync agenda's generated notes).
MSGIDS = {
    GO: gettext_noop("Launch readiness: go"),
    AT_RISK: gettext_noop("Launch readiness: at risk"),
    NO_GO: gettext_noop("Launch readiness: no-go"),
}


@dataclass(frozen=True)
class Readiness:
    code: str
    done: int
    total: int
    days_left: int

    @property
    def label(self) -> Any:
        return LABELS[self.code]

    @property
    def open_items(self) -> int:
        return self.total - self.done


def readiness(checklist: list[dict[str, Any]], launch_on: dt.date, today: dt.date) -> Readiness:
    done = sum(1 for entry in checklist if entry.get("done"))
    total = len(checklist)
    days_left = (launch_on - today).days
    if done == total:
        code = GO
    elif days_left <= NO_GO_DAYS:
        code = NO_GO
    else:
        code = AT_RISK
    return Readiness(code, done, total, days_left)
