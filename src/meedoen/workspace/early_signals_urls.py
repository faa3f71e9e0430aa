"""The early-signalling team's pages: trays, cases, offer letters, and the municipality's settings."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
