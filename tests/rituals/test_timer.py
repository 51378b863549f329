from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rituals.models import Sync, SyncSection
from rituals.syncs import selectors, services
from rituals.syncs.timer import clock, phase, section_elapsed, timer_state
from tests.rituals.factories import drive_sync

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- Pure arithmetic ---------------------------------------------------------------------------


def test_elapsed_runs_with_the_clock():
    assert (
        section_elapsed(started_at=T0, ended_at=None, paused_seconds=0, sync_paused_at=None, now=at(125))
        == 125
    )


def test_elapsed_before_start_is_zero():
    assert (
        section_elapsed(started_at=None, ended_at=None, paused_seconds=0, sync_paused_at=None, now=at(50))
        == 0
    )


def test_elapsed_stops_when_the_section_ends():
    assert (
        section_elapsed(started_at=T0, ended_at=at(300), paused_seconds=20, sync_paused_at=None, now=at(900))
        == 280
    )


def test_elapsed_freezes_while_the_sync_is_paused():
    elapsed = section_elapsed(
        started_at=T0, ended_at=None, paused_seconds=10, sync_paused_at=at(100), now=at(500)
    )
    assert elapsed == 90


@pytest.mark.parametrize(
    ("elapsed", "planned", "expected"),
    [(0, 600, "ok"), (479, 600, "ok"), (480, 600, "warn"), (600, 600, "warn"), (600.5, 600, "over")],
)
def test_phase_is_amber_from_80_percent_and_red_past_the_time_box(elapsed, planned, expected):
    assert phase(elapsed, planned) == expected


def test_display_counts_down_then_counts_the_overrun():
    running = timer_state(
        started_at=T0, ended_at=None, paused_seconds=0, planned_minutes=10, sync_paused_at=None, now=at(61.7)
    )
    assert running.display == "8:58"
    over = timer_state(
        started_at=T0, ended_at=None, paused_seconds=0, planned_minutes=1, sync_paused_at=None, now=at(125)
    )
    assert (over.phase, over.display) == ("over", "+1:05")
    assert clock(3725) == "62:05"


# --- Navigation and pauses on the real database -------------------------------------------------


@pytest.fixture
def live_sync(db, org, team, pm):
    return services.sync_start(sync=drive_sync(org, team, pm, T0), now=T0)


def sections_of(sync: Sync) -> list[SyncSection]:
    return list(sync.sections.order_by("position"))


def elapsed_of(sync: Sync, section: SyncSection, now: datetime) -> float:
    sync.refresh_from_db()
    section.refresh_from_db()
    state = selectors.section_timer(sync=sync, section=section, now=now)
    assert state is not None
    return state.elapsed


def test_start_sets_started_at_and_runs_the_first_section(live_sync):
    first = sections_of(live_sync)[0]
    assert live_sync.status == Sync.Status.LIVE
    assert live_sync.started_at == T0
    assert live_sync.current_section_id == first.pk
    assert elapsed_of(live_sync, first, at(42)) == 42


def test_pause_and_resume_subtract_the_pause(live_sync):
    first = sections_of(live_sync)[0]
    services.sync_pause(sync=live_sync, now=at(60))
    assert elapsed_of(live_sync, first, at(80)) == 60
    services.sync_resume(sync=live_sync, now=at(90))
    assert elapsed_of(live_sync, first, at(120)) == 90
    first.refresh_from_db()
    assert first.paused_seconds == 30


def test_pause_twice_keeps_the_first_pause(live_sync):
    services.sync_pause(sync=live_sync, now=at(60))
    services.sync_pause(sync=live_sync, now=at(70))
    live_sync.refresh_from_db()
    assert live_sync.paused_at == at(60)


def test_next_records_actual_durations(live_sync):
    first, second = sections_of(live_sync)[:2]
    services.sync_next(sync=live_sync, now=at(650))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.ended_at == at(650)
    assert second.started_at == at(650)
    assert elapsed_of(live_sync, first, at(900)) == 650
    assert elapsed_of(live_sync, second, at(700)) == 50


def test_moving_while_paused_keeps_the_new_section_paused(live_sync):
    first, second = sections_of(live_sync)[:2]
    services.sync_pause(sync=live_sync, now=at(100))
    services.sync_next(sync=live_sync, now=at(160))
    assert elapsed_of(live_sync, first, at(999)) == 100
    assert elapsed_of(live_sync, second, at(200)) == 0
    services.sync_resume(sync=live_sync, now=at(220))
    assert elapsed_of(live_sync, second, at(250)) == 30


def test_revisiting_a_section_resumes_its_clock(live_sync):
    first, second = sections_of(live_sync)[:2]
    services.sync_next(sync=live_sync, now=at(60))
    services.sync_previous(sync=live_sync, now=at(90))
    assert elapsed_of(live_sync, second, at(500)) == 30
    assert elapsed_of(live_sync, first, at(100)) == 70


def test_last_next_asks_to_close_and_first_previous_refuses(live_sync):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.sync_previous(sync=live_sync, now=at(1))
    for step in range(4):
        services.sync_next(sync=live_sync, now=at(10 + step))
    live_sync.refresh_from_db()
    assert live_sync.current_section_id == sections_of(live_sync)[-1].pk
    with pytest.raises(ValidationError, match="last section"):
        services.sync_next(sync=live_sync, now=at(20))


def test_a_move_from_a_stale_screen_changes_nothing(live_sync):
    first, second, third = sections_of(live_sync)[:3]
    services.sync_next(sync=live_sync, expected_current_id=first.pk, now=at(10))
    services.sync_next(sync=live_sync, expected_current_id=first.pk, now=at(11))
    live_sync.refresh_from_db()
    assert live_sync.current_section_id == second.pk
    third.refresh_from_db()
    assert third.started_at is None


def test_every_move_bumps_the_revision(live_sync):
    live_sync.refresh_from_db()
    before = live_sync.revision
    services.sync_pause(sync=live_sync, now=at(5))
    services.sync_resume(sync=live_sync, now=at(6))
    services.sync_next(sync=live_sync, now=at(7))
    live_sync.refresh_from_db()
    assert live_sync.revision == before + 3
