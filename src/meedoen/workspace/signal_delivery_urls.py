"""A creditor's staff deliver signals by hand: the upload with the organisation's deliveries, a
delivery's receipt and its answer per row, the format description and its example file, and the
withdrawal of a signal."""

from django.urls import URLPattern, path

from meedoen.workspace import signal_delivery_views as views

urlpatterns: list[URLPattern] = [
    path("", views.upload, name="signal-delivery"),
    path("formaat.txt", views.format_description, name="signal-delivery-format"),
    path("voorbeeld.csv", views.example_file, name="signal-delivery-example"),
    path("intrekken/", views.withdraw, name="signal-withdrawal"),
    path("<uuid:delivery>/", views.receipt, name="signal-delivery-receipt"),
    path("<uuid:delivery>/antwoord.csv", views.answer_csv, name="signal-delivery-answer-csv"),
]
