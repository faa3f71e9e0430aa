from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarlySignalsConfig(AppConfig):
    name = "meedoen.early_signals"
    label = "early_signals"
    verbose_name = _("Early signalling")

    def ready(self) -> None:
        from meedoen.early_signals import monitor  # the models are loaded only now

        monitor.register_indicators()
