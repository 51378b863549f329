"""The guided spec session that is running now: which phase, since when. Kept in the shared cache
(Redis) so every browser shows the same countdown from the server's start time; it is a meeting's
timer, not a record — the record is the AlignmentSession written when the session ends."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import AlignmentSession, Membership, Spec

PHASE_MINUTES = {AlignmentSession.Phase.CONTEXT_SETTING: 15, AlignmentSession.Phase.SOLUTION_DESIGN: 30}
TTL = 8 * 3600  # a forgotten session stops showing after a working day


@dataclass(frozen=True)
class LiveSession:
    started_at: datetime
    phase: str
    phase_started_at: datetime
    started_by: int | None

    @property
    def phase_minutes(self) -> int:
        return PHASE_MINUTES[self.phase]  # type: ignore[index]

    @property
    def phase_ends_at(self) -> datetime:
        return self.phase_started_at + timedelta(minutes=self.phase_minutes)

    @property
    def phase_label(self) -> str:
        return str(AlignmentSession.Phase(self.phase).label)

    def elapsed_minutes(self, now: datetime | None = None) -> int:
        seconds = ((now or timezone.now()) - self.started_at).total_seconds()
        return max(1, math.ceil(seconds / 60))


def _key(spec: Spec) -> str:
    return f"collab:spec-session:{spec.pk}"


def _store(spec: Spec, live: LiveSession) -> LiveSession:
    cache.set(
        _key(spec),
        {
            "started_at": live.started_at.isoformat(),
            "phase": live.phase,
            "phase_started_at": live.phase_started_at.isoformat(),
            "started_by": live.started_by,
        },
        TTL,
    )
    return live


def live_session_get(*, spec: Spec) -> LiveSession | None:
    raw = cache.get(_key(spec))
    if not raw:
        return None
    return LiveSession(
        started_at=datetime.fromisoformat(raw["started_at"]),
        phase=raw["phase"],
        phase_started_at=datetime.fromisoformat(raw["phase_started_at"]),
        started_by=raw.get("started_by"),
    )


def live_session_start(*, spec: Spec, by: Membership) -> LiveSession:
    """Start the guided session at context setting (or join the one already running)."""
    if spec.aligned_at is not None:
        raise ValidationError(_("This spec is already aligned; change it through revisions."))
    running = live_session_get(spec=spec)
    if running is not None:
        return running
    now = timezone.now()
    return _store(spec, LiveSession(now, AlignmentSession.Phase.CONTEXT_SETTING, now, by.pk))


def live_session_phase(*, spec: Spec, phase: str) -> LiveSession:
    """Move the running session to `phase`; its countdown restarts from now."""
    running = live_session_get(spec=spec)
    if running is None:
        raise ValidationError(_("No spec session is running."))
    if phase not in PHASE_MINUTES:
        raise ValidationError(_("Unknown phase."))
    if phase == running.phase:
        return running
    return _store(spec, LiveSession(running.started_at, phase, timezone.now(), running.started_by))


def live_session_stop(*, spec: Spec) -> None:
    cache.delete(_key(spec))
