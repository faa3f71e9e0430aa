"""OpenID Connect logins: staff through their organisation's identity provider, residents with
DigiD through an OIDC broker. Both reuse mozilla-django-oidc; the DigiD pieces read their
settings from ``settings.DIGID_OIDC`` instead of the staff ``OIDC_*`` settings."""

from __future__ import annotations

from typing import Any

import requests
import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from stdnum.exceptions import ValidationError as BsnInvalid

from meedoen.accounts.models import User
from meedoen.accounts.pseudonyms import resident_ref_for_bsn
from meedoen.core.access import SECOND_FACTOR_BY_IDP
from meedoen.core.audit import record_access

log = structlog.get_logger(__name__)

BROKER_ATTRIBUTE = "_meedoen_oidc_broker"
DIGID = "digid"


def _from_digid(request: HttpRequest | None) -> bool:
    return getattr(request, BROKER_ATTRIBUTE, None) == DIGID


def _answered(backend: OIDCAuthenticationBackend, request: HttpRequest | None, **kwargs: Any) -> Any:
    """The backend's login, or None (a failed login, shown as such) when the provider refuses the
    code, cannot be reached in time or answers with something that is not JSON. mozilla-django-oidc
    lets those errors through, and the callback would answer 500."""
    try:
        return OIDCAuthenticationBackend.authenticate(backend, request, **kwargs)
    except (requests.RequestException, ValueError) as error:
        # The kind of error only: the provider's answer may name the person.
        log.warning("oidc.provider_failed", backend=type(backend).__name__, error=type(error).__name__)
        return None


def digid_setting(attr: str, *args: Any) -> Any:
    if attr in settings.DIGID_OIDC:
        return settings.DIGID_OIDC[attr]
    return import_from_settings(attr, *args)


class StaffOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Staff log in with their organisation's account. Accounts are never made by a login."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        if _from_digid(request):
            return None
        return _answered(self, request, **kwargs)  # type: ignore[no-any-return]

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        email = claims.get("email")
        if not email:
            return User.objects.none()
        return User.objects.filter(email__iexact=email, resident_ref="", is_active=True)


class DigiDBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Residents log in with DigiD. Only a keyed hash of the BSN is kept, never the number."""

    get_settings = staticmethod(digid_setting)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        if not _from_digid(request):
            return None
        return _answered(self, request, **kwargs)  # type: ignore[no-any-return]

    def _resident_ref(self, claims: dict[str, Any]) -> str | None:
        bsn = claims.get(str(settings.DIGID_OIDC["BSN_CLAIM"]))
        if not isinstance(bsn, str):
            return None
        try:
            return resident_ref_for_bsn(bsn)
        except BsnInvalid:
            return None

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return self._resident_ref(claims) is not None

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        ref = self._resident_ref(claims)
        return User.objects.filter(resident_ref=ref) if ref else User.objects.none()

    def create_user(self, claims: dict[str, Any]) -> User:
        ref = self._resident_ref(claims)
        assert ref is not None  # verify_claims ran first
        user = User(username=f"inwoner-{ref[:20]}", resident_ref=ref)
        user.set_unusable_password()
        user.save()
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return user  # nothing of the claims is kept


class StaffOIDCCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    def login_success(self) -> HttpResponse:
        response = super().login_success()
        # The identity provider is trusted to have asked a second factor; see docs/operations.md.
        self.request.session[SECOND_FACTOR_BY_IDP] = True
        record_access(action="login.oidc", actor_id=self.user.pk, actor_label=self.user.get_username())
        return response  # type: ignore[no-any-return]


class DigiDRequestView(OIDCAuthenticationRequestView):  # type: ignore[misc]
    get_settings = staticmethod(digid_setting)


class DigiDCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    get_settings = staticmethod(digid_setting)

    @property
    def success_url(self) -> str:
        return self.request.session.get("oidc_login_next") or "/"

    @property
    def failure_url(self) -> str:
        # Back to the resident's page, where they can try again; not the staff login.
        return self.success_url

    def get(self, request: HttpRequest) -> HttpResponse:
        # Tell the backends this code came from the DigiD broker, not the staff provider.
        setattr(request, BROKER_ATTRIBUTE, DIGID)
        return super().get(request)  # type: ignore[no-any-return]
