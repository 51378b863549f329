from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rituals.conflicts import selectors, services
from rituals.models import ESCALATION_LEVEL, Conflict, ConflictCategory
from tests.factories import MembershipFactory, OrganisationFactory, TeamFactory
from tests.rituals.factories import (
    ConflictFactory,
    ConflictSessionFactory,
    PivotedConflictFactory,
    SyncItemFactory,
)

pytestmark = pytest.mark.django_db

MATRIX = [
    ("timeline", 1),
    ("scope", 1),
    ("resources", 1),
    ("strategy", 2),
    ("budget", 2),
    ("capacity", 2),
    ("company_priority", 3),
    ("architecture", 3),
    ("external_commitment", 3),
]


def test_matrix_table_covers_every_category():
    assert {category for category, _ in MATRIX} == set(ConflictCategory.values)


@pytest.mark.parametrize(("category", "level"), MATRIX)
def test_category_sets_the_escalation_level(org, team, pm, category, level):
    conflict = services.conflict_open(org=org, team=team, title="Release date", category=category, by=pm)
    assert conflict.level == level
    assert ESCALATION_LEVEL[ConflictCategory(category)] == level


def test_keys_are_numbered_per_organisation(org, team, pm):
    other_team = TeamFactory()
    ConflictFactory(team=team, key="C-7")
    ConflictFactory(team=team, key="IMPORTED-99")
    first = services.conflict_open(org=org, team=team, title="A", category="scope", by=pm)
    second = services.conflict_open(org=org, team=team, title="B", category="scope", by=pm)
    elsewhere = services.conflict_open(
        org=other_team.org, team=other_team, title="C", category="scope", by=None
    )
    assert (first.key, second.key, elsewhere.key) == ("C-8", "C-9", "C-1")


def test_open_from_a_sync_item_keeps_it_and_refreshes_live_screens(org, team, pm):
    item = SyncItemFactory(section__sync__team=team)
    revision = item.sync.revision
    conflict = services.conflict_open(
        org=org, team=team, title=item.title, category="scope", by=pm, origin_item=item
    )
    item.sync.refresh_from_db()
    assert conflict.origin_item == item
    assert item.sync.revision == revision + 1


def test_open_refuses_a_team_or_item_of_another_organisation(org, team, pm):
    with pytest.raises(ValidationError) as exc:
        services.conflict_open(org=org, team=TeamFactory(), title="x", category="scope", by=pm)
    assert "team" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.conflict_open(
            org=org, team=team, title="x", category="scope", by=pm, origin_item=SyncItemFactory()
        )
    assert "origin_item" in exc.value.message_dict


def test_open_refuses_an_unknown_category(org, team, pm):
    with pytest.raises(ValidationError) as exc:
        services.conflict_open(org=org, team=team, title="x", category="mood", by=pm)
    assert "category" in exc.value.message_dict


def _resolve(conflict):
    return services.conflict_resolve(conflict=conflict, resolution="We ship on legacy.", by=None)


def test_resolve_needs_a_session(team):
    conflict = PivotedConflictFactory(team=team)
    with pytest.raises(ValidationError) as exc:
        _resolve(conflict)
    assert exc.value.messages == ["Record at least one working session."]
    ConflictSessionFactory(conflict=conflict)
    assert _resolve(conflict).resolved_at is not None


@pytest.mark.parametrize(
    ("options", "criteria", "message"),
    [
        (
            [{"title": "A", "impact": "1", "chosen": False}, {"title": "B", "impact": "2", "chosen": False}],
            "criteria",
            "Options: choose the option you go with.",
        ),
        (
            [{"title": "A", "impact": "1", "chosen": True}, {"title": "B", "impact": "2", "chosen": True}],
            "criteria",
            "Options: exactly one option can be chosen.",
        ),
        (
            [{"title": "A", "impact": "1", "chosen": True}, {"title": "B", "impact": "2", "chosen": False}],
            "  ",
            "Test: write the success criteria of the chosen option.",
        ),
    ],
)
def test_resolve_needs_exactly_one_chosen_option_and_its_criteria(team, options, criteria, message):
    conflict = PivotedConflictFactory(team=team, options=options, success_criteria=criteria)
    ConflictSessionFactory(conflict=conflict)
    with pytest.raises(ValidationError) as exc:
        _resolve(conflict)
    assert exc.value.messages == [message]
    conflict.refresh_from_db()
    assert conflict.resolved_at is None


def test_resolve_needs_a_resolution_text(team):
    conflict = PivotedConflictFactory(team=team)
    ConflictSessionFactory(conflict=conflict)
    with pytest.raises(ValidationError):
        services.conflict_resolve(conflict=conflict, resolution="  ", by=None)


def test_a_resolved_conflict_is_locked_until_reopened(team):
    conflict = PivotedConflictFactory(team=team)
    ConflictSessionFactory(conflict=conflict)
    _resolve(conflict)
    conflict.refresh_from_db()
    with pytest.raises(ValidationError):
        services.conflict_update_pause(conflict=conflict, facts="new")
    services.conflict_reopen(conflict=conflict, by=None)
    conflict.refresh_from_db()
    assert conflict.resolved_at is None
    services.conflict_update_pause(conflict=conflict, facts="new")


def test_options_are_two_or_three_and_one_is_chosen(team):
    conflict = ConflictFactory(team=team)
    with pytest.raises(ValidationError):
        services.conflict_set_options(
            conflict=conflict, options=[{"title": str(i), "impact": "x"} for i in range(4)]
        )
    services.conflict_set_options(conflict=conflict, options=[{"title": "Only one", "impact": "x"}])
    with pytest.raises(ValidationError):
        services.conflict_choose_option(conflict=conflict, index=0)
    services.conflict_set_options(
        conflict=conflict,
        options=[{"title": "A", "impact": "1"}, {"title": "B", "impact": "2"}, {"title": "", "impact": ""}],
    )
    services.conflict_choose_option(conflict=conflict, index=1)
    conflict.refresh_from_db()
    assert [o["chosen"] for o in conflict.options] == [False, True]
    with pytest.raises(ValidationError):
        services.conflict_set_options(conflict=conflict, options=[{"title": "", "impact": "no title"}])


def test_current_step_follows_the_protocol(team):
    conflict = ConflictFactory(team=team)
    steps = [services.conflict_current_step(conflict)]
    services.conflict_update_pause(conflict=conflict, facts="f")
    steps.append(services.conflict_current_step(conflict))
    services.conflict_update_identify(conflict=conflict, business_needs="b", technical_constraints="t")
    steps.append(services.conflict_current_step(conflict))
    services.conflict_set_options(
        conflict=conflict, options=[{"title": "A", "impact": "1"}, {"title": "B", "impact": "2"}]
    )
    steps.append(services.conflict_current_step(conflict))
    services.conflict_choose_option(conflict=conflict, index=0)
    steps.append(services.conflict_current_step(conflict))
    services.conflict_update_test(conflict=conflict, success_criteria="c")
    steps.append(services.conflict_current_step(conflict))
    assert steps == ["pause", "identify", "value", "options", "test", "done"]


def test_sessions_are_recorded_with_the_step_reached(team):
    conflict = ConflictFactory(team=team)
    session = services.conflict_session_record(
        conflict=conflict, held_at=timezone.now(), step="value", notes=" n "
    )
    assert (session.step, session.notes) == ("value", "n")
    with pytest.raises(ValidationError):
        services.conflict_session_record(
            conflict=conflict, held_at=conflict.opened_at - timedelta(days=1), step="pause"
        )
    with pytest.raises(ValidationError):
        services.conflict_session_record(conflict=conflict, held_at=timezone.now(), step="argue")


def test_list_counts_sessions_and_the_share_resolved_in_one_session(org, team):
    for sessions, resolved in [(1, True), (1, True), (3, True), (2, False)]:
        conflict = PivotedConflictFactory(team=team, resolved_at=timezone.now() if resolved else None)
        for _ in range(sessions):
            ConflictSessionFactory(conflict=conflict)
    conflicts = selectors.conflict_list(org=org)
    assert sorted(c.session_count for c in conflicts) == [1, 1, 2, 3]
    stats = selectors.conflict_one_session_stats(conflicts=conflicts)
    assert (stats["resolved"], stats["one_session"]) == (3, 2)
    assert stats["share"] == pytest.approx(2 / 3)
    assert float(stats["mean_sessions"]) == pytest.approx(5 / 3)
    assert (stats["benchmark_share"], stats["benchmark_sessions"]) == (0.89, 3.2)


def test_stats_without_resolved_conflicts_have_no_value(org, team):
    ConflictFactory(team=team)
    stats = selectors.conflict_one_session_stats(conflicts=selectors.conflict_list(org=org))
    assert stats["share"] is None
    assert stats["mean_sessions"] is None


def test_list_filters_by_team_category_level_and_status(org, team):
    other = TeamFactory(org=org)
    a = ConflictFactory(team=team, category="scope")
    b = ConflictFactory(team=other, category="budget", resolved_at=timezone.now())
    c = ConflictFactory(team=team, category="architecture")
    assert set(selectors.conflict_list(org=org, team=team)) == {a, c}
    assert set(selectors.conflict_list(org=org, category="budget")) == {b}
    assert set(selectors.conflict_list(org=org, level=3)) == {c}
    assert set(selectors.conflict_list(org=org, status="open")) == {a, c}
    assert set(selectors.conflict_list(org=org, status="resolved")) == {b}


# --- Views -------------------------------------------------------------------------------------


def test_list_page_filters_and_shows_the_benchmark(client_for, pm, team):
    ConflictFactory(team=team, title="Scope of the export", category="scope")
    ConflictFactory(team=team, title="Move to event sourcing", category="architecture")
    response = client_for(pm).get(reverse("rituals:conflict_list"), {"level": "3"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Move to event sourcing" in body
    assert "Scope of the export" not in body
    assert "89 %" in body
    assert "3.2" in body


def test_list_page_answers_htmx_with_the_results_only(client_for, pm, team):
    ConflictFactory(team=team, title="Scope of the export")
    response = client_for(pm).get(reverse("rituals:conflict_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="conflict-results"' in body
    assert "<html" not in body


def test_list_page_ignores_bad_filter_values(client_for, pm, team):
    response = client_for(pm).get(
        reverse("rituals:conflict_list"), {"level": "9", "team": "nope", "page": "x"}
    )
    assert response.status_code == 200


def test_list_page_costs_a_fixed_number_of_queries(client_for, pm, team):
    client = client_for(pm)
    url = reverse("rituals:conflict_list")
    ConflictSessionFactory(conflict=ConflictFactory(team=team))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(8):
        ConflictSessionFactory(conflict=ConflictFactory(team=TeamFactory(org=team.org)))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_empty_list_says_what_to_do(client_for, pm):
    body = client_for(pm).get(reverse("rituals:conflict_list")).content.decode()
    assert "No conflict yet" in body


def test_create_opens_a_conflict_and_goes_to_pause(client_for, pm, team):
    response = client_for(pm).post(
        reverse("rituals:conflict_create"),
        {"team": team.pk, "title": "Date vs quality", "category": "timeline"},
    )
    conflict = Conflict.objects.get(org=team.org)
    assert response.status_code == 302
    assert response.url == reverse("rituals:conflict_step", args=[conflict.pk, "pause"])
    assert (conflict.key, conflict.opened_by) == ("C-1", pm)


def test_create_shows_field_errors(client_for, pm):
    response = client_for(pm).post(reverse("rituals:conflict_create"), {"title": "", "category": "mood"})
    assert response.status_code == 200
    assert Conflict.objects.count() == 0
    assert 'class="errorlist"' in response.content.decode()


def test_create_from_a_sync_item_prefills_and_keeps_the_origin(client_for, pm, team):
    item = SyncItemFactory(section__sync__team=team, title="Checkout date")
    client = client_for(pm)
    url = reverse("rituals:conflict_create") + f"?item={item.pk}"
    assert "Checkout date" in client.get(url).content.decode()
    client.post(url, {"team": team.pk, "title": "Checkout date", "category": "scope"})
    assert Conflict.objects.get().origin_item == item


def test_create_form_speaks_the_callers_language(client_for, pm):
    client = client_for(pm)
    client.post(reverse("set_language"), {"language": "fr"})
    body = client.get(reverse("rituals:conflict_create")).content.decode()
    assert '<optgroup label="Niveau 2 : VP Product + CTO">' in body
    assert "Conflit budgétaire" in body


def test_create_from_another_organisations_item_is_404(client_for, pm):
    url = reverse("rituals:conflict_create") + f"?item={SyncItemFactory().pk}"
    assert client_for(pm).get(url).status_code == 404
    assert client_for(pm).get(reverse("rituals:conflict_create") + "?item=abc").status_code == 404


def test_viewer_reads_but_may_not_work_a_conflict(client_for, viewer, team):
    conflict = ConflictFactory(team=team, org=viewer.org)
    client = client_for(viewer)
    assert client.get(reverse("rituals:conflict_detail", args=[conflict.pk])).status_code == 200
    assert client.get(reverse("rituals:conflict_create")).status_code == 403
    for name, data in [
        ("conflict_session_create", {"held_at": "2026-01-01T10:00", "step": "pause"}),
        ("conflict_resolve", {"resolution": "x"}),
        ("conflict_reopen", {}),
        ("conflict_escalate", {}),
    ]:
        assert client.post(reverse(f"rituals:{name}", args=[conflict.pk]), data).status_code == 403, name
    response = client.post(reverse("rituals:conflict_step", args=[conflict.pk, "pause"]), {"facts": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("step", ["pause", "identify", "value", "options", "test"])
def test_each_step_has_its_own_page(client_for, pm, team, step):
    conflict = PivotedConflictFactory(team=team)
    response = client_for(pm).get(reverse("rituals:conflict_step", args=[conflict.pk, step]))
    assert response.status_code == 200
    assert 'aria-current="step"' in response.content.decode()


def test_unknown_step_is_404(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    assert (
        client_for(pm).get(reverse("rituals:conflict_step", args=[conflict.pk, "argue"])).status_code == 404
    )


def test_step_pages_walk_the_protocol(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    client = client_for(pm)

    def post(step, data):
        return client.post(reverse("rituals:conflict_step", args=[conflict.pk, step]), data)

    assert post("pause", {"facts": "June 1st promised"}).url.endswith("/identify/")
    assert post("identify", {"business_needs": "b", "technical_constraints": "t"}).url.endswith("/value/")
    response = post(
        "value", {"title_0": "Legacy", "impact_0": "+2 weeks", "title_1": "Wait", "impact_1": "-40k€"}
    )
    assert response.url.endswith("/options/")
    assert post("options", {"choice": "1"}).url.endswith("/test/")
    assert post("test", {"success_criteria": "Live by June"}).url.endswith("/test/")
    conflict.refresh_from_db()
    assert conflict.facts == "June 1st promised"
    assert conflict.options == [
        {"title": "Legacy", "impact": "+2 weeks", "chosen": False},
        {"title": "Wait", "impact": "-40k€", "chosen": True},
    ]
    assert conflict.success_criteria == "Live by June"


def test_value_step_keeps_the_chosen_option(client_for, pm, team):
    conflict = PivotedConflictFactory(team=team)
    client_for(pm).post(
        reverse("rituals:conflict_step", args=[conflict.pk, "value"]),
        {"title_0": "Ship on legacy", "impact_0": "+3 weeks", "title_1": "Wait", "impact_1": "-40k€"},
    )
    conflict.refresh_from_db()
    assert [o["chosen"] for o in conflict.options] == [True, False]
    assert conflict.options[0]["impact"] == "+3 weeks"


def test_value_step_refuses_an_option_without_title(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    response = client_for(pm).post(
        reverse("rituals:conflict_step", args=[conflict.pk, "value"]), {"impact_0": "+2"}
    )
    assert response.status_code == 200
    assert "Give every option a title." in response.content.decode()


def test_options_step_asks_for_two_alternatives_first(client_for, pm, team):
    conflict = ConflictFactory(team=team, options=[{"title": "A", "impact": "1", "chosen": False}])
    body = (
        client_for(pm).get(reverse("rituals:conflict_step", args=[conflict.pk, "options"])).content.decode()
    )
    assert "Fewer than two options so far" in body


def test_stepper_navigation_answers_htmx_with_the_panel(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    response = client_for(pm).get(
        reverse("rituals:conflict_step", args=[conflict.pk, "identify"]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="pivot-panel">')


def test_resolve_form_says_what_is_missing(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    response = client_for(pm).post(
        reverse("rituals:conflict_resolve", args=[conflict.pk]), {"resolution": "Done"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Options: choose the option you go with." in body
    assert "Test: write the success criteria of the chosen option." in body
    assert "Record at least one working session." in body


def test_a_session_then_resolve_from_the_pages(client_for, pm, team):
    conflict = PivotedConflictFactory(team=team)
    client = client_for(pm)
    held_at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("rituals:conflict_session_create", args=[conflict.pk]), {"held_at": held_at, "step": "test"}
    )
    response = client.post(
        reverse("rituals:conflict_resolve", args=[conflict.pk]), {"resolution": "Ship on legacy."}
    )
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.resolved_at is not None
    body = client.get(reverse("rituals:conflict_detail", args=[conflict.pk])).content.decode()
    assert "Ship on legacy." in body
    assert "in 1 session" in body


def test_session_form_shows_errors(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    response = client_for(pm).post(
        reverse("rituals:conflict_session_create", args=[conflict.pk]), {"held_at": "nope"}
    )
    assert response.status_code == 400
    assert conflict.sessions.count() == 0


def test_detail_shows_the_matrix_with_the_conflicts_level(client_for, pm, team):
    conflict = ConflictFactory(team=team, category="budget")
    body = client_for(pm).get(reverse("rituals:conflict_detail", args=[conflict.pk])).content.decode()
    assert "Escalation matrix" in body
    assert "Escalation level 2" in body
    assert '<li class="is-current">Budget conflict</li>' in body


def test_detail_page_costs_a_fixed_number_of_queries(client_for, pm, team):
    conflict = PivotedConflictFactory(team=team)
    client = client_for(pm)
    url = reverse("rituals:conflict_detail", args=[conflict.pk])
    ConflictSessionFactory(conflict=conflict)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        ConflictSessionFactory(conflict=conflict)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_every_conflict_url_is_404_for_another_organisation(assert_404_for_outsider, team):
    conflict = PivotedConflictFactory(team=team)
    assert_404_for_outsider(reverse("rituals:conflict_detail", args=[conflict.pk]))
    for name in ["conflict_session_create", "conflict_resolve", "conflict_reopen", "conflict_escalate"]:
        assert_404_for_outsider(reverse(f"rituals:{name}", args=[conflict.pk]), methods=("post",))
    for step in services.STEPS:
        assert_404_for_outsider(
            reverse("rituals:conflict_step", args=[conflict.pk, step]), methods=("get", "post")
        )
    item = SyncItemFactory(section__sync__team=team)
    assert_404_for_outsider(reverse("rituals:conflict_create") + f"?item={item.pk}", methods=("get", "post"))


def test_another_organisations_conflicts_are_not_listed(client_for, pm, team):
    ConflictFactory(team=TeamFactory(org=OrganisationFactory()), title="Secret of another org")
    assert (
        "Secret of another org" not in client_for(pm).get(reverse("rituals:conflict_list")).content.decode()
    )


def test_pivot_text_marks_glossary_terms(client_for, pm, team):
    from collab.models import GlossaryTerm

    GlossaryTerm.objects.create(
        org=team.org, term="technical debt", business_term="Development inefficiencies", language="en"
    )
    conflict = ConflictFactory(team=team, facts="The technical debt slows us.\nSecond line <b>")
    body = client_for(pm).get(reverse("rituals:conflict_detail", args=[conflict.pk])).content.decode()
    assert 'data-business="Development inefficiencies"' in body
    assert "slows us.<br>Second line &lt;b&gt;" in body


def test_person_without_organisation_gets_the_join_page(client):
    user = MembershipFactory(is_active=False).user
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("rituals:conflict_list")).status_code == 200


def test_resolving_enqueues_the_teams_metrics_refresh_after_commit(team, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    conflict = PivotedConflictFactory(team=team)
    ConflictSessionFactory(conflict=conflict)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _resolve(conflict)
    assert cache.get(f"metrics:debounce:team:{team.pk}") is None
    for callback in callbacks:
        callback()
    assert cache.get(f"metrics:debounce:team:{team.pk}") == 1
