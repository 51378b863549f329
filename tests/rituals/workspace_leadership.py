"""The leadership lists of the workspace format, for the every-field document of the workspace
tests: a decision review (a sync of ritual decision_review, its decisions and speaking turns), a
tech win and a user interview, using every field."""

from __future__ import annotations

from typing import Any


def add_leadership(doc: dict[str, Any]) -> dict[str, Any]:
    doc["syncs"].append(
        {
            "key": "DR-1",
            "ritual": "decision_review",
            "facilitator": "cpo@every.test",
            "scheduled_at": "2026-04-20T09:00:00-04:00",
            "started_at": "2026-04-20T09:00:00-04:00",
            "ended_at": "2026-04-20T09:30:00-04:00",
            "sections": [
                {"code": "context", "title": "Context", "planned_minutes": 5},
                {
                    "code": "decision-1",
                    "title": "Retire billing v1",
                    "planned_minutes": 10,
                    "started_at": "2026-04-20T09:05:00-04:00",
                    "ended_at": "2026-04-20T09:15:00-04:00",
                },
                {"code": "decision-2", "title": "Budget for the vault", "planned_minutes": 10},
                {"code": "next-steps", "title": "Next steps", "planned_minutes": 5},
            ],
            "items": [],
            "decisions": [],
            "action_items": [],
        }
    )
    doc["decision_reviews"] = [
        {
            "sync": "DR-1",
            "product_seconds": 300,
            "tech_seconds": 240.5,
            "decisions": [
                {
                    "section": "decision-1",
                    "title": "Retire billing v1",
                    "context": "Two systems own the card table",
                    "source": "decision",
                    "source_sync": "S-1",
                    "source_decision": 0,
                    "product_presenter": "cpo@every.test",
                    "tech_presenter": "cto@every.test",
                    "product_seconds": 300,
                    "tech_seconds": 240.5,
                },
                {
                    "section": "decision-2",
                    "title": "Budget for the vault",
                    "source": "escalation",
                    "source_key": "E-1",
                },
            ],
            "turns": [
                {
                    "section": "decision-1",
                    "side": "product",
                    "started_at": "2026-04-20T09:05:00-04:00",
                    "ended_at": "2026-04-20T09:10:00-04:00",
                },
                {
                    "section": "decision-1",
                    "side": "tech",
                    "started_at": "2026-04-20T09:10:00-04:00",
                    "ended_at": "2026-04-20T09:14:00.500000-04:00",
                },
            ],
        }
    ]
    doc["tech_wins"] = [
        {
            "key": "TW-1",
            "title": "Checkout pages load in 1.2 s",
            "team": "payments",
            "feature": "PAY-2",
            "deployment": "D-1",
            "metric": "Checkout conversion",
            "unit": "%",
            "before": 2.1,
            "after": 2.6,
            "period_start": "2026-03-01",
            "period_end": "2026-04-30",
            "story": "Pages load twice as fast since the refactoring; more visitors finish their purchase.",
            "status": "shared",
            "author": "tl@every.test",
            "reviewed_by": "pm@every.test",
            "reviewed_at": "2026-05-02T10:00:00-04:00",
            "review_note": "Clear for the board",
            "shared_at": "2026-05-02T10:00:00-04:00",
        }
    ]
    doc["user_interviews"] = [
        {
            "team": "payments",
            "held_on": "2026-04-14",
            "customer": "SMB retailers",
            "notes": "Card updates fail on mobile",
            "attendees": [
                {"person": "pm@every.test", "role": "pm"},
                {"person": "eng@every.test", "role": "engineer"},
                {"name": "Alice Martin", "role": "customer"},
            ],
            "features": ["PAY-1"],
            "created_by": "pm@every.test",
        }
    ]
    return doc
