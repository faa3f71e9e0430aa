from django.urls import path

from meedoen.workspace import coordination_views, socialmap_views, views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("gemeente/", views.switch_municipality, name="switch-municipality"),
    path("gebieden/", views.areas, name="areas"),
    path("organisaties/", views.organisations, name="organisations"),
    path("logboek/", views.audit, name="audit"),
    path("aanbod/", socialmap_views.socialmap, name="socialmap"),
    path("aanbod/nieuw/", socialmap_views.offer_create, name="offer-create"),
    path("aanbod/<uuid:offer>/", socialmap_views.offer_edit, name="offer-edit"),
    path("aanbod/<uuid:offer>/klopt-nog/", socialmap_views.offer_checked, name="offer-checked"),
    path("aanbod/<uuid:offer>/verwijderen/", socialmap_views.offer_delete, name="offer-delete"),
    path("aanbod/locaties/", socialmap_views.locations, name="locations"),
    path("aanbod/locaties/nieuw/", socialmap_views.location_create, name="location-create"),
    path("aanbod/locaties/<uuid:location>/", socialmap_views.location_edit, name="location-edit"),
    path("sociale-kaart/overzicht/", coordination_views.coordination, name="coordination"),
    path("sociale-kaart/overzicht/csv", coordination_views.coordination_csv, name="coordination-csv"),
]
