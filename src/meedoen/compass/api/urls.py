"""Addresses of the local picture API, below ``local-picture/<municipality>/``."""

from django.urls import path

from meedoen.compass.api import views

urlpatterns = [
    path("indicators/", views.IndicatorListView.as_view(), name="local-picture-indicators"),
    path("indicators/<int:pk>/figures/", views.IndicatorFiguresView.as_view(), name="local-picture-figures"),
]
