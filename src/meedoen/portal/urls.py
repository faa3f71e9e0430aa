from django.urls import path

from meedoen.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("gemeente/<slug:slug>/", views.municipality_home, name="municipality"),
    path("gemeente/<slug:slug>/hulp/", views.find_help, name="find-help"),
    path("gemeente/<slug:slug>/hulp/<str:offer_uuid>/", views.offer_detail, name="offer"),
    path("gemeente/<slug:slug>/regelingen/", views.entitlements, name="entitlements"),
    path("gemeente/<slug:slug>/mijn-gegevens/", views.my_data, name="my-data"),
]
