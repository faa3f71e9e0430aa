from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SocialMapConfig(AppConfig):
    name = "meedoen.socialmap"
    label = "socialmap"
    verbose_name = _("Social map")

    def ready(self) -> None:
        from meedoen.socialmap.services import taxonomies_sync

        post_migrate.connect(taxonomies_sync, sender=self)
