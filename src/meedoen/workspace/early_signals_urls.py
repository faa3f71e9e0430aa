"""The early-signalling team's pages: trays, cases, offer letters, and the municipality's settings."""

from django.urls import URLPattern, path

from meedoen.workspace import early_signals_views as views

urlpatterns: list[URLPattern] = [
    path("", views.trays, name="early_signals"),
    path("zoeken/", views.search, name="early-signals-search"),
    path("instellingen/", views.settings_page, name="early_signals_settings"),
    path("instellingen/termijnen/", views.settings_terms, name="early-signals-settings-terms"),
    path("instellingen/drempels/", views.settings_thresholds, name="early-signals-settings-thresholds"),
    path("instellingen/brief/", views.settings_letter, name="early-signals-settings-letter"),
    path("<uuid:case>/", views.case, name="early-signals-case"),
    path("<uuid:case>/poging/", views.attempt, name="early-signals-attempt"),
    path("<uuid:case>/verplaatsen/", views.move, name="early-signals-move"),
    path("<uuid:case>/sluiten/", views.close, name="early-signals-close"),
    path("<uuid:case>/heropenen/", views.reopen, name="early-signals-reopen"),
    path("<uuid:case>/samenvoegen/", views.join, name="early-signals-join"),
    path("<uuid:case>/samenvoegen-ongedaan-maken/", views.split, name="early-signals-split"),
    path("<uuid:case>/signalen-afsplitsen/", views.separate, name="early-signals-separate"),
    path("<uuid:case>/brief.pdf", views.letter, name="early-signals-letter"),
]
