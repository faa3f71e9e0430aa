"""Feedback to creditors: whether the help they signalled was accepted, as an export per creditor."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
