from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarlySignalsConfig(AppConfig):
    name = "meedoen.early_signals"
    label = "early_signals"
    verbose_name = _("Early signalling")
