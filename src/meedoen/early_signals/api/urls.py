"""Addresses of the signals API, below ``early-signals/``."""

from django.urls import path

from meedoen.early_signals.api import deliveries, views, withdrawals

urlpatterns = [
    path("", views.SignalBatchView.as_view(), name="early-signals"),
    path("files/", views.SignalFileView.as_view(), name="early-signals-files"),
    path("feedback/", views.FeedbackView.as_view(), name="early-signals-feedback"),
    path("proof/", views.SignalProofView.as_view(), name="early-signals-proof"),
    path("withdrawals/", withdrawals.WithdrawalView.as_view(), name="early-signals-withdrawals"),
    path("deliveries/", deliveries.DeliveryListView.as_view(), name="early-signals-deliveries"),
    path("deliveries/<uuid:delivery>/", deliveries.DeliveryView.as_view(), name="early-signals-delivery"),
]
