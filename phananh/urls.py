from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language
from django.views.static import serve

from . import api_errors, health
from .api import api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_errors.not_found_view),  # unknown API paths: JSON 404, not the HTML page
    path("open311/", include("phananh.open311.urls")),
    path("can-bo/", include("phananh.console.urls")),
    path("thong-ke/", include("phananh.stats.urls")),
    path("", include("phananh.intake.urls")),
    path("", include("phananh.notify.urls")),
    path("", include("phananh.public.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Single-box default: media from local disk through Django. Processed
    # photos only; originals stay in private incoming storage.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
