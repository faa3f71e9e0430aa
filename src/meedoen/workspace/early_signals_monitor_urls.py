"""The early-signalling monitor (per month and district, after the Divosa monitor)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
