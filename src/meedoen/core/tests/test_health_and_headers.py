"""Health check and the security headers every page carries."""

from __future__ import annotations

from unittest import mock

import pytest

from meedoen.core.health import Health


@pytest.mark.django_db
def test_healthz_reports_database_and_migrations(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


@pytest.mark.django_db
def test_healthz_is_unavailable_when_migrations_are_pending(client):
    with mock.patch("meedoen.core.views.check_health", return_value=Health(database=True, migrations=False, pending=2)):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "2 pending"


@pytest.mark.django_db
def test_healthz_is_unavailable_when_the_database_is_unreachable(client):
    with mock.patch(
        "meedoen.core.views.check_health", return_value=Health(database=False, migrations=False, pending=-1)
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.django_db
def test_pages_carry_strict_security_headers(client, world):
    response = client.get("/gemeente/waalwijk/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts(client, world):
    for path in ("/", "/gemeente/waalwijk/", "/accounts/login/"):
        html = client.get(path).content.decode()
        assert "<script>" not in html
        assert " onclick=" not in html


def test_request_lines_are_logged_without_what_the_resident_typed():
    import logging

    from meedoen.conf.logging import WithoutQueryStrings

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /gemeente/waalwijk/hulp/?q=brief+deurwaarder HTTP/1.1", "200", "5120"),
        None,
    )
    assert WithoutQueryStrings().filter(record)
    assert record.getMessage() == '"GET /gemeente/waalwijk/hulp/ HTTP/1.1" 200 5120'
