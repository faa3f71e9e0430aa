"""Creditors authenticate to the signals API with a token of their organisation (``Bearer``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from meedoen.early_signals.models import CreditorToken
from meedoen.early_signals.services import token_authenticate


@dataclass(frozen=True)
class CreditorPrincipal:
    """Who called: a creditor organisation, by one of its tokens. Not a user of the site."""

    organisation_slug: str
    token_prefix: str
    is_authenticated: bool = True
    is_anonymous: bool = False


class CreditorTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, CreditorToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Give the token after Bearer, separated by one space."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        token = token_authenticate(raw)
        if token is None:
            raise AuthenticationFailed(_("Invalid or revoked token."))
        return CreditorPrincipal(organisation_slug=token.organisation.slug, token_prefix=token.prefix), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="early-signals"'


class IsCreditor(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, CreditorToken)


class CreditorTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "meedoen.early_signals.api.auth.CreditorTokenAuthentication"
    name = "creditorToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token of the creditor organisation, issued with `manage.py early_signals_token`.",
        }
