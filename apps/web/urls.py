"""The web pages: shared pages here, each user group's pages in its own package."""

from django.urls import include, path

from apps.web import views

app_name = "web"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/code/", views.PasswordCodeView.as_view(), name="password_code"),
    path("password/set/", views.PasswordSetView.as_view(), name="password_set"),
    path("favicon.ico", views.favicon, name="favicon"),
]

# Each group's pages keep their own namespace (member:, profile:, staff:, dashboard:, notifications:, manage:,
# public:, residents:).
group_urlpatterns = [
    path("m/", include("apps.web.member.urls")),
    path("me/", include("apps.web.profile.urls")),
    path("staff/", include("apps.web.staff.urls")),
    path("dashboard/", include("apps.web.dashboard.urls")),
    path("notifications/", include("apps.web.notifications.urls")),
    path("manage/", include("apps.web.manage.urls")),
    # Public pages, for anyone: /verify/<code>/ is what a certificate's QR code opens.
    path("verify/", include("apps.web.public.urls")),
    # Public too: the residents' order form a community poster's QR code opens, and the tracking links (居民点单).
    path("r/", include("apps.web.residents.urls")),
]
