from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "meedoen.core"
    verbose_name = _("Core")


class StaticFilesConfig(DjangoStaticFilesConfig):
    """Django's static files, without the ReDoc bundle of drf-spectacular's sidecar: the API's
    documentation page is Swagger UI (meedoen.urls), and ReDoc would be half of what collectstatic
    copies and compresses."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "redoc"]
