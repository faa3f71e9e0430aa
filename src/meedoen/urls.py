"""Addresses of the whole site."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from meedoen.core.views import healthz

# The admin asks for the second factor like every staff page.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", include("meedoen.portal.urls")),
    path("werkplek/", include("meedoen.workspace.urls")),
    path("accounts/", include("meedoen.accounts.urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("meedoen.ledger.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include(("meedoen.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # GET only: the page's renderer is a template, and DRF's answer to OPTIONS has none (500).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
    path("beheer/", admin.site.urls),
]

if settings.OIDC_STAFF_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

if settings.DEMO_MODE:
    urlpatterns.append(path("demo/", include("meedoen.demo.urls")))
