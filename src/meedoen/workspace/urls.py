from django.urls import path

from meedoen.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("gemeente/", views.switch_municipality, name="switch-municipality"),
    path("gebieden/", views.areas, name="areas"),
    path("organisaties/", views.organisations, name="organisations"),
    path("logboek/", views.audit, name="audit"),
]
