"""Version 1 of the Meedoen API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from meedoen.areas.api.views import AreaViewSet
from meedoen.ledger.views import ConsistencyProofView, CosignatureView, InclusionProofView
from meedoen.organisations.api.views import MeView, MunicipalityViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("municipalities", MunicipalityViewSet, basename="municipality")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("ledger/<str:code>/entries/<int:index>/proof/", InclusionProofView.as_view(), name="ledger-inclusion"),
    path("ledger/<str:code>/consistency/", ConsistencyProofView.as_view(), name="ledger-consistency"),
    path("ledger/<str:code>/cosignatures/", CosignatureView.as_view(), name="ledger-cosignatures"),
    path("hsds/<str:municipality>/", include("meedoen.socialmap.api.urls")),
    path("early-signals/", include("meedoen.early_signals.api.urls")),
    path("local-picture/<str:municipality>/", include("meedoen.compass.api.urls")),
    path("", include(router.urls)),
]
