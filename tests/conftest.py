"""Shared fixtures: the real PostgreSQL and Redis (DATABASE_URL/REDIS_URL when set, embedded
otherwise — config.settings starts them), factories, another-organisation checks, a browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

# Playwright's sync API runs an event loop in the test thread; the ORM calls tests make around it
# are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"  # noqa: S105


@pytest.fixture(autouse=True)
def _fresh_cache_and_locale(settings: Any) -> Iterator[None]:
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def org() -> Any:
    return OrganisationFactory()


@pytest.fixture
def team(org: Any) -> Any:
    return TeamFactory(org=org)


@pytest.fixture
def make_member(org: Any) -> Any:
    def make(role: str = "pm", *, team: Any = None, organisation: Any = None, **user_kwargs: Any) -> Any:
        membership = MembershipFactory(org=organisation or org, role=role, user=UserFactory(**user_kwargs))
        if team is not None:
            TeamMemberFactory(team=team, membership=membership, role=role)
        return membership

    return make


@pytest.fixture
def pm(make_member: Any, team: Any) -> Any:
    return make_member("pm", team=team)


@pytest.fixture
def tech_lead(make_member: Any, team: Any) -> Any:
    return make_member("tech_lead", team=team)


@pytest.fixture
def ops(make_member: Any) -> Any:
    return make_member("product_ops")


@pytest.fixture
def viewer(make_member: Any) -> Any:
    return make_member("viewer")


@pytest.fixture
def client_for(client: Any) -> Any:
    """client_for(membership) → the test client logged in as that person, in that organisation."""

    def login(membership: Any) -> Any:
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session["active_org_id"] = membership.org_id
        session.save()
        return client

    return login


@pytest.fixture
def other_org_client(client: Any) -> Any:
    """A client logged in as a product-ops person (broad rights) of a different organisation."""
    outsider = MembershipFactory(role="product_ops")
    client.force_login(outsider.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def assert_other_org_gets_404(client: Any, url: str, *, methods: tuple[str, ...] = ("get",)) -> None:
    """The caller (from another organisation) must get 404 for every method on the URL."""
    for method in methods:
        response = getattr(client, method)(url)
        assert response.status_code == 404, (
            f"{method.upper()} {url} answered {response.status_code} to an outsider"
        )


@pytest.fixture
def assert_404_for_outsider(other_org_client: Any) -> Any:
    def check(url: str, methods: tuple[str, ...] = ("get",)) -> None:
        assert_other_org_gets_404(other_org_client, url, methods=methods)

    return check


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child process (manage.py, a Celery worker) that must see the test database."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    host = quote(db["HOST"] or db["OPTIONS"].get("host", ""), safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{host}{port}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "TESTING": "1", **extra}


# --- Browser ---------------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """new_page(viewport=(w, h), locale="en") → a page in a fresh browser context."""
    contexts: list[Any] = []

    def make(viewport: tuple[int, int] = (1440, 900), locale: str = "en-GB") -> Any:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda msg: page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        return page

    yield make
    for context in contexts:
        context.close()


def browser_login(page: Any, live_server: Any, membership: Any, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", membership.user.email)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run tasks sent during the test inline (e-mail goes through Celery; tests read mail.outbox)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
