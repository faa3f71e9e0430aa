from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompassConfig(AppConfig):
    name = "meedoen.compass"
    label = "compass"
    verbose_name = _("Quality compass")

    def ready(self) -> None:
        from meedoen.compass import indicators  # noqa: F401  (publishes this module's operational indicators)
