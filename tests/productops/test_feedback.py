from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collab.models import Feature
from productops.feedback import selectors, services
from productops.models import FeedbackItem
from tests.factories import FeatureFactory
from tests.productops.factories import FeedbackItemFactory

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "text,source,account,segment,date\r\n"
    "Exports are too slow,support,Acme,Enterprise,2026-03-02\r\n"
    '"We need SSO, before renewal",sales,Globex,Enterprise,2026-03-04\r\n'
    "Love the new board,in_app,,SMB,2026-03-05\r\n"
)
BAD_CSV = (
    "text,source,account,segment,date\r\n"
    "Exports are too slow,support,Acme,Enterprise,2026-03-02\r\n"
    "Bad source here,phone,Acme,Enterprise,2026-03-02\r\n"
    "Fine row,survey,Initech,SMB,2026-03-03\r\n"
    "Bad date here,interview,Initech,SMB,03/04/2026\r\n"
)


@pytest.fixture
def feature(team):
    return FeatureFactory(team=team)


@pytest.fixture
def item(ops):
    return FeedbackItemFactory(logged_by=ops)


def test_pm_logs_feedback_by_hand(client_for, pm):
    response = client_for(pm).post(
        reverse("productops:feedback_create"),
        {
            "text": "Exports are too slow",
            "source": "interview",
            "account": "Acme",
            "segment": "Enterprise",
            "received_on": "2026-03-02",
        },
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get(org=pm.org)
    assert (item.text, item.source, item.account, item.logged_by) == (
        "Exports are too slow",
        "interview",
        "Acme",
        pm,
    )
    assert item.status == FeedbackItem.Status.UNTRIAGED


def test_the_form_shows_errors_for_a_bad_source(client_for, pm):
    response = client_for(pm).post(
        reverse("productops:feedback_create"), {"text": "x", "source": "phone", "received_on": "2026-03-02"}
    )
    assert response.status_code == 200
    assert "source" in response.context["form"].errors
    assert not FeedbackItem.objects.exists()


def test_a_good_csv_is_imported(client_for, ops):
    upload = SimpleUploadedFile("feedback.csv", GOOD_CSV.encode(), content_type="text/csv")
    response = client_for(ops).post(reverse("productops:feedback_import"), {"file": upload})
    assert response.status_code == 302
    items = FeedbackItem.objects.filter(org=ops.org).order_by("received_on")
    assert [(i.text, i.source, i.account) for i in items] == [
        ("Exports are too slow", "support", "Acme"),
        ("We need SSO, before renewal", "sales", "Globex"),
        ("Love the new board", "in_app", ""),
    ]
    assert all(i.logged_by == ops for i in items)


def test_a_csv_with_errors_on_lines_3_and_5_stores_nothing_and_names_both(client_for, ops):
    upload = SimpleUploadedFile("feedback.csv", BAD_CSV.encode(), content_type="text/csv")
    response = client_for(ops).post(reverse("productops:feedback_import"), {"file": upload})
    assert response.status_code == 200
    assert not FeedbackItem.objects.exists()
    errors = response.context["errors"]
    assert [(e.line, e.column) for e in errors] == [(3, "source"), (5, "date")]
    page = response.content.decode()
    assert "Line 3" in page
    assert "Line 5" in page


def test_link_an_item_to_a_feature(client_for, pm, item, feature):
    response = client_for(pm).post(
        reverse("productops:feedback_link", args=[item.pk]), {"feature": feature.pk}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.feature) == (FeedbackItem.Status.LINKED, feature)


def test_linking_to_another_organisations_feature_is_refused(client_for, pm, item):
    foreign = FeatureFactory()
    client_for(pm).post(reverse("productops:feedback_link", args=[item.pk]), {"feature": foreign.pk})
    item.refresh_from_db()
    assert (item.status, item.feature) == (FeedbackItem.Status.UNTRIAGED, None)


def test_create_a_feature_from_an_item(client_for, pm, item, team):
    response = client_for(pm).post(
        reverse("productops:feedback_create_feature", args=[item.pk]),
        {"team": team.pk, "title": "Faster exports"},
    )
    assert response.status_code == 302
    feature = Feature.objects.get(org=pm.org, title="Faster exports")
    assert feature.description == item.text
    assert feature.status == Feature.Status.IDEA
    item.refresh_from_db()
    assert (item.status, item.feature) == (FeedbackItem.Status.LINKED, feature)


def test_merge_duplicates_into_the_item_kept(client_for, ops, feature):
    kept, first, second = (FeedbackItemFactory(logged_by=ops) for _ in range(3))
    services.feedback_link(item=kept, feature=feature)
    response = client_for(ops).post(
        reverse("productops:feedback_merge"), {"keep": kept.pk, "duplicates": [first.pk, second.pk, kept.pk]}
    )
    assert response.status_code == 302
    for duplicate in (first, second):
        duplicate.refresh_from_db()
        assert (duplicate.status, duplicate.duplicate_of, duplicate.feature) == (
            FeedbackItem.Status.MERGED,
            kept,
            feature,
        )
    kept.refresh_from_db()
    assert (kept.status, kept.duplicate_of) == (FeedbackItem.Status.LINKED, None)


def test_dismiss_needs_a_reason(client_for, ops, item):
    url = reverse("productops:feedback_dismiss", args=[item.pk])
    client_for(ops).post(url, {"reason": "  "})
    item.refresh_from_db()
    assert item.status == FeedbackItem.Status.UNTRIAGED
    client_for(ops).post(url, {"reason": "Not our market"})
    item.refresh_from_db()
    assert (item.status, item.dismiss_reason) == (FeedbackItem.Status.DISMISSED, "Not our market")


def test_suggested_reach_counts_distinct_accounts_shown_on_the_inbox(client_for, ops, feature):
    items = [
        FeedbackItemFactory(logged_by=ops, account="Acme"),
        FeedbackItemFactory(logged_by=ops, account="Acme"),
        FeedbackItemFactory(logged_by=ops, account="Globex"),
        FeedbackItemFactory(logged_by=ops, account=""),
    ]
    for it in items[:3]:
        services.feedback_link(item=it, feature=feature)
    services.feedback_merge(kept=items[0], duplicates=[items[3]])
    FeedbackItemFactory(logged_by=ops, account="Initech")  # untriaged: not evidence
    dismissed = FeedbackItemFactory(logged_by=ops, account="Umbrella")
    services.feedback_dismiss(item=dismissed, reason="Spam")
    [reach] = selectors.feedback_reach(org=ops.org)
    assert (reach.feature, reach.mentions, reach.accounts, reach.suggested_reach) == (feature, 4, 2, 3)
    page = client_for(ops).get(reverse("productops:feedback_inbox"))
    assert page.context["reach"] == [reach]
    html = page.content.decode()
    assert reverse("productops:feedback_evidence", args=[feature.key]) in html
    evidence = client_for(ops).get(reverse("productops:feedback_evidence", args=[feature.key]))
    assert evidence.context["reach"].suggested_reach == 3
    assert {i.pk for i in evidence.context["items"]} == {items[0].pk, items[1].pk, items[2].pk, items[3].pk}


def test_inbox_filters_by_source_status_and_segment(client_for, ops):
    support = FeedbackItemFactory(logged_by=ops, source="support", segment="SMB")
    FeedbackItemFactory(logged_by=ops, source="sales", segment="SMB")
    FeedbackItemFactory(logged_by=ops, source="support", segment="Enterprise")
    dismissed = FeedbackItemFactory(logged_by=ops, source="support", segment="SMB")
    services.feedback_dismiss(item=dismissed, reason="Duplicate of a call")
    client = client_for(ops)
    page = client.get(reverse("productops:feedback_inbox"), {"source": "support", "segment": "SMB"})
    assert [i.pk for i in page.context["items"]] == [support.pk]
    page = client.get(reverse("productops:feedback_inbox"), {"status": "dismissed"})
    assert [i.pk for i in page.context["items"]] == [dismissed.pk]
    page = client.get(reverse("productops:feedback_inbox"), {"status": "all"})
    assert len(page.context["items"]) == 4


def test_everyone_reads_only_editors_triage(client_for, make_member, item, feature):
    engineer = make_member("engineer")
    client = client_for(engineer)
    page = client.get(reverse("productops:feedback_inbox"))
    assert page.status_code == 200
    assert item.text in page.content.decode()
    assert not page.context["may_edit"]
    assert client.get(reverse("productops:feedback_create")).status_code == 403
    assert (
        client.post(reverse("productops:feedback_link", args=[item.pk]), {"feature": feature.pk}).status_code
        == 403
    )
    assert (
        client.post(reverse("productops:feedback_dismiss", args=[item.pk]), {"reason": "no"}).status_code
        == 403
    )
    item.refresh_from_db()
    assert item.status == FeedbackItem.Status.UNTRIAGED
    assert client_for(make_member("cpo")).get(reverse("productops:feedback_create")).status_code == 200


def test_another_organisations_item_is_404(assert_404_for_outsider, item, feature):
    for name in ["feedback_link", "feedback_create_feature", "feedback_dismiss"]:
        assert_404_for_outsider(reverse(f"productops:{name}", args=[item.pk]), methods=("post",))
    assert_404_for_outsider(reverse("productops:feedback_evidence", args=[feature.key]))


def test_another_organisations_item_cannot_be_merged(client_for, ops):
    mine = FeedbackItemFactory(logged_by=ops)
    theirs = FeedbackItemFactory()
    response = client_for(ops).post(
        reverse("productops:feedback_merge"), {"keep": theirs.pk, "duplicates": [mine.pk]}
    )
    assert response.status_code == 404
    client_for(ops).post(reverse("productops:feedback_merge"), {"keep": mine.pk, "duplicates": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == FeedbackItem.Status.UNTRIAGED


def test_french_feedback_page(client_for, pm, item):
    client = client_for(pm)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("productops:feedback_inbox"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Preuves par fonctionnalité" not in page  # no evidence yet
    assert "Saisir un retour" in page
    assert "Non triés" in page
