from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rituals.leadership import reviews, selectors, speaking
from rituals.leadership.models import ReviewDecision, ReviewRecord, SpeakingTurn
from rituals.models import Ritual, Sync
from rituals.syncs import services
from tests.rituals.factories import SyncItemFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def cpo(make_member: Any) -> Any:
    return make_member("cpo", name="Claire CPO")


@pytest.fixture
def cto(make_member: Any) -> Any:
    return make_member("cto", name="Tom CTO")


@pytest.fixture
def review(org: Any, cpo: Any, cto: Any) -> Sync:
    return services.sync_create(
        org=org,
        team=None,
        template=services.template_for(org, Ritual.DECISION_REVIEW),
        facilitator=cpo,
        scheduled_at=T0,
    )


def add(review: Sync, title: str, **kwargs: Any) -> ReviewDecision:
    product, tech = reviews.default_presenters(review.org_id)
    return reviews.review_decision_add(
        sync=review, title=title, product_presenter=product, tech_presenter=tech, **kwargs
    )


def codes(sync: Sync) -> list[str]:
    return list(sync.sections.order_by("position", "id").values_list("code", flat=True))


def test_every_organisation_gets_the_decision_review_template(org: Any) -> None:
    template = services.template_for(org, Ritual.DECISION_REVIEW)
    assert template.name == "Leadership decision review"
    assert [s.code for s in template.sections.all()] == ["context", "next-steps"]


def test_decisions_are_steps_between_context_and_next_steps_with_cpo_and_cto(
    review: Sync, cpo: Any, cto: Any
) -> None:
    first = add(review, "Move the checkout to the new payment platform")
    add(review, "Freeze features for two sprints of debt work", minutes=15)
    assert codes(review) == ["context", "decision-1", "decision-2", "next-steps"]
    assert (first.product_presenter, first.tech_presenter) == (cpo, cto)
    assert review.sections.get(code="decision-2").planned_minutes == 15


def test_a_decision_can_come_from_an_escalation_of_the_org(review: Sync, org: Any, make_member: Any) -> None:
    from rituals.models import Escalation

    escalation = Escalation.objects.create(
        org=org, key="E-1", level=2, title="Budget for the data platform", context="Two options", opened_at=T0
    )
    decision = add(review, "", source=reviews.Source(kind="escalation", escalation=escalation))
    assert (decision.title, decision.context, decision.source) == (
        "Budget for the data platform",
        "Two options",
        "escalation",
    )


def test_an_escalation_of_another_org_is_refused(review: Sync) -> None:
    from rituals.models import Escalation
    from tests.factories import OrganisationFactory

    other = Escalation.objects.create(
        org=OrganisationFactory(), key="E-9", level=2, title="Theirs", opened_at=T0
    )
    with pytest.raises(ValidationError):
        add(review, "", source=reviews.Source(kind="escalation", escalation=other))


def test_candidates_list_sync_decisions_escalations_and_conflicts_of_the_org_only(
    org: Any, team: Any
) -> None:
    from rituals.models import Decision

    item = SyncItemFactory(section__sync__team=team)
    Decision.objects.create(sync=item.sync, section=item.section, text="Ship the API v2 in May")
    SyncItemFactory()  # another organisation's sync
    candidates = selectors.review_candidates(org=org)
    assert [c.label.split(" · ")[1] for c in candidates["decision"]] == ["Ship the API v2 in May"]


def _run(review: Sync) -> Sync:
    add(review, "Decision A")
    add(review, "Decision B")
    services.sync_start(sync=review, now=T0)
    return Sync.objects.get(pk=review.pk)


def test_speaking_shares_per_decision_and_for_the_meeting_are_recorded_at_close(
    review: Sync, cpo: Any
) -> None:
    sync = _run(review)
    services.sync_next(sync=sync, now=T0 + timedelta(seconds=60))  # decision A
    reviews.speaking_mark(sync=sync, side="product", by=cpo, now=T0 + timedelta(seconds=60))
    reviews.speaking_mark(sync=sync, side="tech", by=cpo, now=T0 + timedelta(seconds=90))
    # Moving on: tech goes on speaking on decision B.
    services.sync_next(sync=sync, now=T0 + timedelta(seconds=150))
    reviews.speaking_mark(sync=sync, side="product", by=cpo, now=T0 + timedelta(seconds=180))
    reviews.speaking_mark(sync=sync, side=None, by=cpo, now=T0 + timedelta(seconds=240))
    services.sync_close(sync=sync, now=T0 + timedelta(seconds=300), send_summary=False)

    a, b = ReviewDecision.objects.order_by("section__position")
    assert (a.product_seconds, a.tech_seconds) == (30, 60)
    assert (b.product_seconds, b.tech_seconds) == (60, 30)
    record = ReviewRecord.objects.get(sync=sync)
    assert (record.product_seconds, record.tech_seconds) == (90, 90)
    rows, whole = selectors.recorded_shares(sync=sync)
    assert [speaking.percent(s.product_share) for _d, s in rows] == [33, 67]
    assert whole is not None
    assert whole.balanced(0.4)


def test_pause_stops_the_speaker_and_close_stops_the_open_turn(review: Sync, cpo: Any) -> None:
    sync = _run(review)
    reviews.speaking_mark(sync=sync, side="tech", by=cpo, now=T0 + timedelta(seconds=10))
    services.sync_pause(sync=sync, now=T0 + timedelta(seconds=40))
    assert not SpeakingTurn.objects.filter(ended_at__isnull=True).exists()
    with pytest.raises(ValidationError):
        reviews.speaking_mark(sync=sync, side="product", by=cpo, now=T0 + timedelta(seconds=50))
    services.sync_resume(sync=sync, now=T0 + timedelta(seconds=100))
    reviews.speaking_mark(sync=sync, side="product", by=cpo, now=T0 + timedelta(seconds=100))
    services.sync_close(sync=sync, now=T0 + timedelta(seconds=120), send_summary=False)
    record = ReviewRecord.objects.get(sync=sync)
    assert (record.product_seconds, record.tech_seconds) == (20, 30)


def test_marking_the_same_side_twice_keeps_the_running_turn(review: Sync, cpo: Any) -> None:
    sync = _run(review)
    reviews.speaking_mark(sync=sync, side="tech", by=cpo, now=T0 + timedelta(seconds=10))
    reviews.speaking_mark(sync=sync, side="tech", by=cpo, now=T0 + timedelta(seconds=20))
    assert SpeakingTurn.objects.get().started_at == T0 + timedelta(seconds=10)


def test_live_state_counts_the_open_turn_up_to_now(review: Sync, cpo: Any) -> None:
    sync = _run(review)
    reviews.speaking_mark(sync=sync, side="product", by=cpo, now=T0)
    state = selectors.review_state(
        sync=Sync.objects.get(pk=sync.pk), membership=cpo, now=T0 + timedelta(seconds=45)
    )
    assert state is not None
    assert (state.current.product, state.meeting.product, state.speaking_side) == (45, 45, "product")
    assert state.may_mark


def test_speaking_is_refused_before_the_review_starts_and_for_other_rituals(
    review: Sync, org: Any, team: Any, pm: Any
) -> None:
    with pytest.raises(ValidationError):
        reviews.speaking_mark(sync=review, side="product")
    drive = services.sync_create(
        org=org, team=team, template=services.template_for(org, Ritual.DRIVE), facilitator=pm, scheduled_at=T0
    )
    services.sync_start(sync=drive)
    with pytest.raises(ValidationError):
        reviews.speaking_mark(sync=drive, side="product")


def test_trend_and_target(org: Any, review: Sync, cpo: Any) -> None:
    sync = _run(review)
    reviews.speaking_mark(sync=sync, side="product", by=cpo, now=T0)
    services.sync_close(sync=sync, now=T0 + timedelta(seconds=100), send_summary=False)
    trend = selectors.speaking_trend(org=org)
    assert [p.shares.product_share for p in trend] == [1.0]
    assert trend[0].shares.balanced(selectors.speaking_target(org)) is False
    org.targets = {"speaking_share_min": 0.3}
    assert selectors.speaking_target(org) == 0.3
    org.targets = {"speaking_share_min": "nonsense"}
    assert selectors.speaking_target(org) == 0.4


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        ([("product", 0, 30), ("tech", 30, 60)], (0.5, 0.5)),
        ([("tech", 0, 90), ("product", 90, 100)], (0.1, 0.9)),
        ([], (None, None)),
    ],
)
def test_share_arithmetic(turns: list[tuple[str, int, int]], expected: tuple[Any, Any]) -> None:
    rows = [
        speaking.Turn(1, side, T0 + timedelta(seconds=a), T0 + timedelta(seconds=b)) for side, a, b in turns
    ]
    shares = speaking.shares_by_section(rows, now=T0).get(1, speaking.Shares())
    assert (shares.product_share, shares.tech_share) == expected


# --- Views --------------------------------------------------------------------------------------


def test_facilitator_adds_a_decision_and_a_presenter_marks_who_speaks(
    review: Sync, cpo: Any, cto: Any, client_for: Any
) -> None:
    client = client_for(cpo)
    response = client.post(
        reverse("rituals:review_decision_add", args=[review.pk]),
        {
            "source": "",
            "title": "Hire a platform team",
            "minutes": "10",
            "product_presenter": cpo.pk,
            "tech_presenter": cto.pk,
        },
    )
    assert response.status_code == 302
    assert ReviewDecision.objects.get().title == "Hire a platform team"
    services.sync_start(sync=review)
    page = client.get(reverse("rituals:sync_present", args=[review.pk]))
    assert b'data-speak="product"' in page.content
    assert b"Speaking time" in page.content
    client = client_for(cto)
    response = client.post(
        reverse("rituals:speaking_mark", args=[review.pk]),
        {"side": "tech", "view": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"Tech is speaking" in response.content
    assert SpeakingTurn.objects.get().side == "tech"


def test_someone_else_cannot_mark_who_speaks(review: Sync, make_member: Any, client_for: Any) -> None:
    add(review, "Decision A")
    services.sync_start(sync=review)
    client = client_for(make_member("engineer"))
    response = client.post(reverse("rituals:speaking_mark", args=[review.pk]), {"side": "tech"})
    assert response.status_code == 403
    assert not SpeakingTurn.objects.exists()


@pytest.mark.parametrize("side", ["", "both", "te\x00ch", "x" * 5000])
def test_bad_side_is_a_message_not_a_500(review: Sync, cpo: Any, client_for: Any, side: str) -> None:
    add(review, "Decision A")
    services.sync_start(sync=review)
    response = client_for(cpo).post(reverse("rituals:speaking_mark", args=[review.pk]), {"side": side})
    assert response.status_code in (302, 400)
    assert not SpeakingTurn.objects.exists()


def test_bad_agenda_input_is_refused_without_a_500(review: Sync, cpo: Any, client_for: Any) -> None:
    client = client_for(cpo)
    for data in (
        {"source": "escalation:99999999999999999999", "minutes": "10"},
        {"source": "", "title": "", "minutes": "10"},
        {"source": "", "title": "ok", "minutes": "100000"},
    ):
        response = client.post(reverse("rituals:review_decision_add", args=[review.pk]), data)
        assert response.status_code == 302
    assert not ReviewDecision.objects.exists()


def test_other_org_gets_404(review: Sync, assert_404_for_outsider: Any) -> None:
    decision = add(review, "Decision A")
    assert_404_for_outsider(reverse("rituals:speaking_mark", args=[review.pk]), methods=("post",))
    assert_404_for_outsider(reverse("rituals:review_decision_add", args=[review.pk]), methods=("post",))
    assert_404_for_outsider(
        reverse("rituals:review_decision_delete", args=[review.pk, decision.pk]), methods=("post",)
    )


def test_summary_shows_shares_per_decision_in_french(review: Sync, cpo: Any, client_for: Any) -> None:
    sync = _run(review)
    services.sync_next(sync=sync, now=T0 + timedelta(seconds=10))
    reviews.speaking_mark(sync=sync, side="product", by=cpo, now=T0 + timedelta(seconds=10))
    reviews.speaking_mark(sync=sync, side="tech", by=cpo, now=T0 + timedelta(seconds=40))
    services.sync_close(sync=sync, now=T0 + timedelta(seconds=100), send_summary=False)
    client = client_for(cpo)
    page = client.get(reverse("rituals:sync_summary", args=[sync.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert 'data-testid="speaking-summary"' in text
    assert "33 %" in text
    assert "67 %" in text
    assert "Temps de parole" in text


def test_sync_create_form_allows_an_org_wide_review_only(org: Any, cpo: Any, client_for: Any) -> None:
    client = client_for(cpo)
    templates = {t.ritual: t for t in services.templates_ensure_defaults(org)}
    data = {"scheduled_at": "2026-12-10T10:00", "facilitator": cpo.pk}
    response = client.post(reverse("rituals:sync_create"), {**data, "template": templates["drive"].pk})
    assert response.status_code == 200
    response = client.post(
        reverse("rituals:sync_create"), {**data, "template": templates["decision_review"].pk}
    )
    assert response.status_code == 302
    assert Sync.objects.get().ritual == "decision_review"


def test_markdown_summary_records_the_shares(review: Sync, cpo: Any) -> None:
    from rituals.syncs.markdown import summary_markdown
    from rituals.syncs.selectors import sync_summary

    sync = _run(review)
    services.sync_next(sync=sync, now=T0 + timedelta(seconds=10))
    reviews.speaking_mark(sync=sync, side="tech", by=cpo, now=T0 + timedelta(seconds=10))
    services.sync_close(sync=sync, now=T0 + timedelta(seconds=70), send_summary=False)
    text = summary_markdown(sync_summary(sync=Sync.objects.get(pk=sync.pk)))
    assert "## Speaking time" in text
    assert "| Decision A | 0 % (0:00) | 100 % (1:00) |" in text
    assert "| **Whole review** | 0 % (0:00) | 100 % (1:00) |" in text


def test_each_decision_step_asks_the_decision_prompts(review: Sync) -> None:
    decision = add(review, "Decision A")
    assert decision.section.prompts == list(reviews.DECISION_PROMPTS)
