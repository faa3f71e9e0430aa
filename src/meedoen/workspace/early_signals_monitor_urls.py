"""The early-signalling monitor (per month and district, after the Divosa monitor)."""

from django.urls import URLPattern, path

from meedoen.workspace import early_signals_monitor_views

urlpatterns: list[URLPattern] = [
    path("", early_signals_monitor_views.monitor_page, name="early-signals-monitor"),
    path("csv", early_signals_monitor_views.monitor_csv, name="early-signals-monitor-csv"),
]
