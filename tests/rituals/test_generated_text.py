"""Text the app writes into syncs is stored as a code and parameters and shown in the reader's
language; rows without a code (older ones, typed ones) keep their text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from rituals.models import Decision, SyncItem
from rituals.syncs.generated import TEXTS, generated_english, generated_text
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db


def test_a_code_renders_in_the_readers_language_and_its_english_is_stored() -> None:
    params = {"points": 13, "average": 11.5}
    assert (
        generated_english("velocity", params) == "13 points delivered this week, 11.5 a week over four weeks"
    )
    with translation.override("fr"):
        assert generated_text("velocity", params, "x") == (
            "13 points livrés cette semaine, 11,5 par semaine sur quatre semaines"
        )
        for code in TEXTS:  # every code has its French
            assert generated_text(code, _sample(code), "") != generated_english(code, _sample(code)), code


def _sample(code: str) -> dict[str, object]:
    return {
        name: "A"
        for name in ("title", "first", "second", "key", "who", "decision", "resolution", "points", "level")
    } | {"average": 1.5}


def test_rows_without_a_code_or_with_parameters_that_do_not_fit_keep_their_text(org, team, pm) -> None:
    sync = drive_sync(org, team, pm)
    section = sync.sections.first()
    typed = SyncItem.objects.create(sync=sync, section=section, title="Planned this week: typed by hand")
    broken = SyncItem.objects.create(
        sync=sync, section=section, title="Stored text", title_code="planned", title_params={}
    )
    old = Decision.objects.create(sync=sync, section=section, text="E-1 decided by Ann: yes")
    with translation.override("fr"):
        assert typed.label == "Planned this week: typed by hand"
        assert broken.label == "Stored text"
        assert old.label == "E-1 decided by Ann: yes"


def test_the_demo_syncs_generated_items_get_their_codes() -> None:
    from workspace.demo import build_demo_document
    from workspace.demo.codes import demo_codes_apply
    from workspace.importer import import_workspace

    org = import_workspace(build_demo_document(today=dt.date(2026, 11, 21)))
    assert demo_codes_apply(org) > 100
    items = SyncItem.objects.filter(sync__org=org)
    with translation.override("fr"):
        english = [
            i.label
            for i in items
            if i.label.startswith(("Shipped:", "Planned this week", "Nothing shipped", "Obstacle:", "Rank "))
            or "points delivered" in i.label
        ]
    assert english == []
    coded = items.exclude(title_code="")
    assert set(coded.values_list("title_code", flat=True)) >= {
        "shipped",
        "nothing_shipped",
        "obstacle",
        "rank",
        "velocity",
        "planned_not_delivered",
    }
    # The English stays as stored, so an export is unchanged.
    assert all(generated_english(i.title_code, i.title_params) == i.title for i in coded)
