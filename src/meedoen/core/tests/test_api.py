"""The API: schema and docs, public area and municipality data, and the caller's own roles."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_the_openapi_schema_and_its_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"<script" in docs.content
    assert client.head("/api/docs/").status_code == 200
    for method in ("options", "post", "put", "delete"):
        assert getattr(client, method)("/api/docs/").status_code == 405


@pytest.mark.django_db
def test_areas_are_public_and_filterable(client, world):
    response = client.get("/api/v1/areas/", {"municipality": "GM0867", "level": "wijk"})
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == ["WK086700", "WK086701", "WK086702"]
    detail = client.get("/api/v1/areas/WK086701/").json()
    assert detail["part_of"] == "GM0867"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"municipality": "0867"}, "municipality"),
        ({"municipality": "GM08'7"}, "municipality"),
        ({"level": "provincie"}, "level"),
    ],
)
def test_bad_area_filters_are_named(client, world, params, field):
    response = client.get("/api/v1/areas/", params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_unknown_area_is_404(client, world):
    assert client.get("/api/v1/areas/GM9999/").status_code == 404
    assert client.get("/api/v1/areas/nonsense/").status_code == 404


@pytest.mark.django_db
def test_partner_organisations_of_a_municipality(client, world):
    response = client.get("/api/v1/municipalities/GM0867/organisations/")
    names = [row["name"] for row in response.json()["results"]]
    assert "Voedselbank Waalwijk" in names
    assert "Gemeente Meerssen" not in names


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status", "grants"),
    [("anonymous", 403, None), ("no_second_factor", 200, 0), ("ww_auditor", 200, 1), ("resident", 200, 0)],
)
def test_me_shows_roles_only_after_the_second_factor(client_as, persona, status, grants):
    response = client_as(persona).get("/api/v1/me/")
    assert response.status_code == status
    if grants is not None:
        assert len(response.json()["grants"]) == grants


@pytest.mark.django_db
def test_the_api_is_read_only(client_as, world):
    client = client_as("ww_application_manager")
    assert client.post("/api/v1/areas/", {"code": "GM0001"}).status_code in (403, 405)
    assert client.delete("/api/v1/municipalities/GM0867/").status_code in (403, 405)
