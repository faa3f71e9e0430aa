from django.conf import settings
from django.urls import path

from meedoen.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login-code"),
    path("login/setup/", views.login_setup_view, name="login-setup"),
    path("logout/", views.logout_view, name="logout"),
]

if settings.DIGID_OIDC_ENABLED:
    urlpatterns += [
        path("digid/", oidc.DigiDRequestView.as_view(), name="digid-login"),
        path("digid/callback/", oidc.DigiDCallbackView.as_view(), name="digid-callback"),
    ]
