from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitlementsConfig(AppConfig):
    name = "meedoen.entitlements"
    label = "entitlements"
    verbose_name = _("Entitlements check")

    def ready(self) -> None:
        from meedoen.entitlements import indicators  # noqa: F401  (publishes the estimated non-take-up)
