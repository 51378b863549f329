"""NUL characters and lone surrogates in every path parameter, query string and form field: refused
at the edge (404 for a path, 400 otherwise, JSON under /api/), never a 500, nothing stored."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.apps import apps
from django.test import Client

from delivery.api.services import token_create
from tests.security.conftest import ROUTES, ROUTES_WITH_PARAMS, Route, World, fill, names_a_record

pytestmark = pytest.mark.django_db

NUL = "a%00b"
SURROGATE = "a%ED%A0%80b"  # the UTF-8-style bytes of U+D800: what a browser or a script can send
FUZZ = {"nul": NUL, "surrogate": SURROGATE}
GETTABLE = [r for r in ROUTES if not r.route.startswith("admin/")]  # the admin is Django's own


def _refused(response: Any, url: str, *, path: bool = False) -> None:
    if urlsplit(url).path.startswith("/api/"):
        assert response.status_code == 400, f"{url} → {response.status_code}"
        body = response.json()
        assert body["error"], body
        assert body["details"], body
    else:
        assert response.status_code == (404 if path else 400), f"{url} → {response.status_code}"


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("collab", "delivery", "rituals", "metrics")
        for model in apps.get_app_config(app).get_models()
    }


# --- Paths -----------------------------------------------------------------------------------


def _caller(route: Route, request: pytest.FixtureRequest) -> tuple[Client, World | None]:
    """A signed-in member and their organisation's records when the URL names a record, else an
    anonymous client (the refusal comes before any login check)."""
    if not names_a_record(route):
        return Client(raise_request_exception=False), None
    world: World = request.getfixturevalue("world_a")
    return request.getfixturevalue("client_of")(world.member), world


@pytest.mark.parametrize("route", ROUTES_WITH_PARAMS, ids=lambda r: r.name)
def test_nul_in_a_path_parameter_is_not_found(route: Route, request: pytest.FixtureRequest) -> None:
    client, world = _caller(route, request)
    for param in route.params:
        url = fill(route, world, **{param: NUL})
        _refused(client.get(url), url, path=True)
        _refused(client.post(url), url, path=True)
        # A lone surrogate's bytes in a path stay percent-encoded (Django keeps broken UTF-8 as sent).
        assert client.get(fill(route, world, **{param: SURROGATE})).status_code < 500


@pytest.mark.parametrize(
    "url",
    ["/features/a%00b/", "/rituals/feeds/a%00b.ics", "/invitations/accept/a%00b/", "/api/v1/incidents/a%00b"],
)
def test_nul_in_a_path_is_refused_without_login(url: str, db: Any) -> None:
    _refused(Client(raise_request_exception=False).get(url), url, path=True)


# --- Query strings ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", GETTABLE, ids=lambda r: r.name)
def test_odd_characters_in_a_query_string_are_refused(route: Route, request: pytest.FixtureRequest) -> None:
    client, world = _caller(route, request)
    base = fill(route, world)
    for raw in FUZZ.values():
        for query in (f"q={raw}", f"team={raw}", f"{raw}=1", f"page=2&{raw}"):
            _refused(client.get(f"{base}?{query}"), f"{base}?{query}")


@pytest.mark.parametrize("url", ["/features/?q=a%00b", "/features/roadmap/?team=a%00b", "/?q=%ED%A0%80"])
def test_odd_query_strings_are_refused_without_login(url: str, db: Any) -> None:
    _refused(Client(raise_request_exception=False).get(url), url)


def test_the_400_page_is_the_projects(db: Any) -> None:
    response = Client(raise_request_exception=False).get("/features/?q=a%00b", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"This request could not be read" in response.content


def test_api_refusal_names_the_field(db: Any) -> None:
    response = Client(raise_request_exception=False).get("/api/v1/deployments?team=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["details"] == {
        "query.team": "must be UTF-8 text without NUL characters or unpaired surrogates"
    }


def test_ordinary_text_passes(world_a: World, client_of: Any) -> None:
    response = client_of(world_a.member).get("/features/?q=caf%C3%A9+%E2%82%AC+%F0%9F%9A%80")
    assert response.status_code == 200


# --- Forms -----------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action and [(field, default value)], files left out."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._current: list[tuple[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._current = []
            self.forms.append((a.get("action", ""), self._current))
        elif self._current is not None and a.get("name"):
            if tag == "input" and a.get("type") not in ("file", "submit", "checkbox", "radio", "button"):
                self._current.append((a["name"], a.get("value", "")))
            elif tag in ("textarea", "select"):
                self._current.append((a["name"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _forms(client: Client, world: World) -> dict[str, list[tuple[str, str]]]:
    """Every POST form the signed-in member's pages show, by the URL it posts to."""
    found: dict[str, list[tuple[str, str]]] = {}
    for route in GETTABLE:
        url = fill(route, world)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for action, fields in parser.forms:
            target = urlsplit(action or url).path or url
            if fields and not target.startswith(("/accounts/", "/i18n/")):
                found.setdefault(target, fields)
    return found


def _urlencode(fields: list[tuple[str, str]], name: str, raw: str) -> str:
    return "&".join(f"{quote(n)}={raw if n == name else quote(v)}" for n, v in fields)


def test_every_form_field_refuses_nul_and_lone_surrogates(world_a: World, client_of: Any) -> None:
    client = client_of(world_a.member)
    forms = _forms(client, world_a)
    assert len(forms) >= 20, sorted(forms)  # the crawl found the app's forms
    counts = _row_counts()
    answers = {}
    for target, fields in forms.items():
        for name, _ in fields:
            for kind, raw in FUZZ.items():
                body = _urlencode(fields, name, raw)
                response = client.post(target, body, content_type="application/x-www-form-urlencoded")
                answers[f"{target} {name} {kind} urlencoded"] = response.status_code
            data = dict(fields) | {name: "a\x00b"}  # the test client's default: multipart, as with a file
            answers[f"{target} {name} nul multipart"] = client.post(target, data).status_code
    wrong = {case: status for case, status in answers.items() if status != 400}
    assert not wrong, wrong
    assert _row_counts() == counts


# --- The JSON API's bodies -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\\u0000b", "a\\ud800b"])
@pytest.mark.parametrize("where", ["key", "value"])
def test_api_json_bodies_with_odd_characters_are_refused(world_a: World, text: str, where: str) -> None:
    _, token = token_create(org=world_a.org, name="fuzz", by=None)
    incident = {
        "key": "I-9",
        "team": world_a.team.slug,
        "title": "Down",
        "started_at": "2026-03-02T14:05:00Z",
    }
    body = json.dumps(incident).replace(
        '"Down"', f'"{text}"' if where == "value" else '"Down", "' + text + '": 1'
    )
    counts = _row_counts()
    response = Client(raise_request_exception=False).post(
        "/api/v1/incidents", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400, response.content
    assert response.json()["details"]
    assert _row_counts() == counts
