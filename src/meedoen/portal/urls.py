from django.urls import path

from meedoen.portal import board_views, views
from meedoen.portal.check_views import check, check_pdf, check_print

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("gemeente/<slug:slug>/", views.municipality_home, name="municipality"),
    path("gemeente/<slug:slug>/hulp/", views.find_help, name="find-help"),
    path("gemeente/<slug:slug>/hulp/<str:offer_uuid>/", views.offer_detail, name="offer"),
    path("gemeente/<slug:slug>/regelingen/", views.entitlements, name="entitlements"),
    path("gemeente/<slug:slug>/regelingen/check/", check, name="check"),
    path("gemeente/<slug:slug>/regelingen/afdrukken/", check_print, name="check-print"),
    path("gemeente/<slug:slug>/regelingen/pdf/", check_pdf, name="check-pdf"),
    path("gemeente/<slug:slug>/mijn-gegevens/", views.my_data, name="my-data"),
    path("doe-mee/", board_views.join, name="board-join"),
    path("doe-mee/<str:code>/", board_views.participate, name="board-participate"),
    path("doe-mee/<str:code>/nieuw/", board_views.participate_poll, name="board-participate-poll"),
    path("doe-mee/<str:code>/bord/", board_views.screen, name="board-screen"),
    path("doe-mee/<str:code>/bord/nieuw/", board_views.screen_poll, name="board-screen-poll"),
]
