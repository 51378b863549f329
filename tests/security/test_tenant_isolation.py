"""Every URL that names a record, asked for with another organisation's record: 404, never its
data, never a 500. The patterns come from the resolver, so a new view is checked on its own — or
this suite fails until it says how to fill the new view's parameters."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict

from tests.security.conftest import (
    ROUTES_WITH_PARAMS,
    Route,
    World,
    fill,
    names_a_record,
    not_org_scoped,
    unfillable,
)

pytestmark = pytest.mark.django_db

ORG_SCOPED = [
    r for r in ROUTES_WITH_PARAMS if not not_org_scoped(r) and not unfillable(r) and names_a_record(r)
]


def test_every_pattern_with_parameters_is_filled_or_listed_as_not_org_scoped() -> None:
    missing = {r.route: unfillable(r) for r in ROUTES_WITH_PARAMS if not not_org_scoped(r) and unfillable(r)}
    assert not missing, (
        "New URL parameters the tenant-isolation suite cannot fill: add a FILL_RULES entry (and the "
        f"record to build_world) in tests/security/conftest.py, or list the pattern in NOT_ORG_SCOPED: {missing}"
    )


def _snapshot(world: World) -> list[dict[str, Any]]:
    return [model_to_dict(type(record).objects.get(pk=record.pk)) for record in world.records()]


@pytest.mark.parametrize("route", ORG_SCOPED, ids=lambda r: r.name)
def test_other_organisations_record_is_not_found(
    route: Route, world_a: World, world_b: World, client_of: Any
) -> None:
    client = client_of(world_a.member)
    url = fill(route, world_b)
    before = _snapshot(world_b)
    answers = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
    assert answers["get"] in (404, 405), f"GET {url} answered {answers['get']} to another organisation"
    assert answers["post"] in (404, 405), f"POST {url} answered {answers['post']} to another organisation"
    assert _snapshot(world_b) == before


# 1:1s are private to their leader and PM, even inside the organisation.
OWN_RECORD_READER = {"one-on-ones/": lambda w: w.one_on_one.leader}


@pytest.mark.parametrize("route", ORG_SCOPED, ids=lambda r: r.name)
def test_own_record_is_served(route: Route, world_a: World, client_of: Any) -> None:
    # The same URLs filled with the caller's own records answer: the 404s above come from the
    # organisation, not from a URL the filler got wrong.
    reader = next(
        (f(world_a) for p, f in OWN_RECORD_READER.items() if route.route.startswith(p)), world_a.member
    )
    response = client_of(reader).get(fill(route, world_a))
    assert response.status_code in (200, 302, 405), f"GET {fill(route, world_a)} → {response.status_code}"
