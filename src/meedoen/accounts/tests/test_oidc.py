"""OIDC logins: staff through their identity provider, residents with DigiD via a broker.

The provider is replaced by stubs of the three calls mozilla-django-oidc makes (token, verify,
userinfo); no network is used.
"""

from __future__ import annotations

from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import RequestFactory

from meedoen.accounts.models import User
from meedoen.accounts.oidc import BROKER_ATTRIBUTE, DIGID, DigiDBackend, StaffOIDCBackend
from meedoen.accounts.pseudonyms import resident_ref_for_bsn

VALID_BSN = "111222333"  # passes the 11-test; invented


def callback_request(*, digid: bool):
    request = RequestFactory().get("/callback/", {"code": "abc", "state": "xyz"})
    request.session = {}
    if digid:
        setattr(request, BROKER_ATTRIBUTE, DIGID)
    return request


def authenticate(backend, request, claims):
    with (
        mock.patch.object(backend, "get_token", return_value={"id_token": "id", "access_token": "at"}),
        mock.patch.object(backend, "verify_token", return_value={"sub": "x"}),
        mock.patch.object(backend, "get_userinfo", return_value=claims),
    ):
        return backend.authenticate(request, nonce="n", code_verifier=None)


@pytest.mark.django_db
def test_digid_login_creates_a_resident_known_only_by_pseudonym():
    user = authenticate(DigiDBackend(), callback_request(digid=True), {"bsn": VALID_BSN})
    assert isinstance(user, User)
    assert user.resident_ref == resident_ref_for_bsn(VALID_BSN)
    stored = [str(value) for value in User.objects.filter(pk=user.pk).values().first().values()]
    assert not any(VALID_BSN in value for value in stored)
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_digid_login_twice_finds_the_same_resident():
    first = authenticate(DigiDBackend(), callback_request(digid=True), {"bsn": VALID_BSN})
    second = authenticate(DigiDBackend(), callback_request(digid=True), {"bsn": VALID_BSN})
    assert first.pk == second.pk
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("claims", [{}, {"bsn": "123456789"}, {"bsn": 111222333}, {"bsn": "<script>"}, {"bsn": ""}])
def test_digid_login_with_a_missing_or_invalid_bsn_is_refused(claims):
    assert authenticate(DigiDBackend(), callback_request(digid=True), claims) is None
    assert not User.objects.exists()


@pytest.mark.django_db
def test_backends_only_answer_their_own_provider(personas):
    staff_member = personas["ww_policy"]
    assert authenticate(DigiDBackend(), callback_request(digid=False), {"bsn": VALID_BSN}) is None
    assert authenticate(StaffOIDCBackend(), callback_request(digid=True), {"email": staff_member.email}) is None


@pytest.mark.django_db
def test_staff_login_matches_an_existing_account_by_email(personas):
    staff_member = personas["ww_policy"]
    found = authenticate(StaffOIDCBackend(), callback_request(digid=False), {"email": staff_member.email.upper()})
    assert found == staff_member


@pytest.mark.django_db
def test_staff_login_never_creates_accounts_nor_matches_residents(personas):
    resident = personas["resident"]
    resident.email = "inwoner@example.invalid"
    resident.save()
    count = User.objects.count()
    assert (
        authenticate(StaffOIDCBackend(), callback_request(digid=False), {"email": "onbekend@example.invalid"}) is None
    )
    assert authenticate(StaffOIDCBackend(), callback_request(digid=False), {"email": resident.email}) is None
    assert User.objects.count() == count


def test_pseudonym_depends_on_the_key(settings):
    first = resident_ref_for_bsn(VALID_BSN)
    settings.RESIDENT_PSEUDONYM_KEY = "another-key"
    assert resident_ref_for_bsn(VALID_BSN) != first
    assert len(first) == 64


class _ProviderAnswer:
    """What requests.post gives back: a status and a body."""

    def __init__(self, status: int, body: str) -> None:
        self.status_code, self.text, self.url = status, body, "https://idp.example.invalid/token"

    def json(self):
        import json

        return json.loads(self.text)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(self.text, response=self)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer",
    [
        _ProviderAnswer(400, '{"error": "invalid_grant"}'),  # a code that was used, or made up
        requests.ConnectionError("no route to the provider"),
        requests.Timeout("the provider took too long"),
        _ProviderAnswer(200, "<html>maintenance</html>"),
    ],
    ids=["refused code", "unreachable", "too slow", "not JSON"],
)
@pytest.mark.parametrize(
    ("start", "callback"),
    [("/oidc/authenticate/", "/oidc/callback/"), ("/accounts/digid/", "/accounts/digid/callback/")],
)
def test_a_provider_that_refuses_or_fails_is_a_failed_login_not_an_error(client, start, callback, answer):
    location = client.get(start)["Location"]
    state = parse_qs(urlparse(location).query)["state"][0]

    with mock.patch("mozilla_django_oidc.auth.requests.post", side_effect=[answer]):
        response = client.get(callback, {"code": "made-up", "state": state})

    assert response.status_code == 302
    assert response["Location"] == ("/accounts/login/" if start == "/oidc/authenticate/" else "/")
    assert not User.objects.filter(resident_ref__gt="").exists()
