"""Feedback to creditors: whether the help they signalled was accepted, as an export per creditor."""

from django.urls import URLPattern, path

from meedoen.workspace import early_signals_feedback_views as views

urlpatterns: list[URLPattern] = [
    path("", views.overview, name="early-signals-feedback"),
    path("<slug:creditor>.csv", views.download, name="early-signals-feedback-csv"),
]
