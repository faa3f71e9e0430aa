from django.urls import path, re_path

from meedoen.ledger import views

app_name = "ledger"

urlpatterns = [
    path("log/<str:code>/checkpoint", views.checkpoint, name="checkpoint"),
    re_path(r"^log/(?P<code>GM[0-9]{4})/tile/(?P<path>.+)$", views.tile, name="tile"),
    path("logboek/<str:code>/<int:index>/", views.entry_page, name="entry"),
]
