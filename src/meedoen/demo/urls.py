from django.urls import path

from meedoen.demo import views

app_name = "demo"

urlpatterns = [path("personas/", views.personas, name="personas")]
