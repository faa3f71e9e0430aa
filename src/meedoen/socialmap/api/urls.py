"""Addresses of the HSDS API of one municipality, below ``hsds/<municipality>/``.

The paths are those of the HSDS OpenAPI description, without a trailing slash.
"""

from django.urls import path

from meedoen.socialmap.api import views

urlpatterns = [
    path("", views.RootView.as_view(), name="hsds-root"),
    path("services", views.ServiceListView.as_view(), name="hsds-services"),
    path("services/<str:hsds_id>", views.ServiceDetailView.as_view(), name="hsds-service"),
    path("organizations", views.OrganizationListView.as_view(), name="hsds-organizations"),
    path("organizations/<str:hsds_id>", views.OrganizationDetailView.as_view(), name="hsds-organization"),
    path("service_at_locations", views.ServiceAtLocationListView.as_view(), name="hsds-service-at-locations"),
    path(
        "service_at_locations/<str:hsds_id>",
        views.ServiceAtLocationDetailView.as_view(),
        name="hsds-service-at-location",
    ),
    path("taxonomies", views.TaxonomyListView.as_view(), name="hsds-taxonomies"),
    path("taxonomies/<str:hsds_id>", views.TaxonomyDetailView.as_view(), name="hsds-taxonomy"),
    path("taxonomy_terms", views.TaxonomyTermListView.as_view(), name="hsds-taxonomy-terms"),
    path("taxonomy_terms/<str:hsds_id>", views.TaxonomyTermDetailView.as_view(), name="hsds-taxonomy-term"),
]
