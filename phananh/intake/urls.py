from django.urls import path

from . import inbound_views, pwa, views

app_name = "intake"
urlpatterns = [
    path("gui-phan-anh/", views.submit, name="submit"),
    path("gui-phan-anh/da-gui/<str:code>/", views.sent, name="sent"),
    path("gui-phan-anh/vi-tri/", views.locate, name="locate"),
    path("sms/inbound", inbound_views.sms_inbound, name="sms_inbound"),
    path("email/inbound", inbound_views.email_inbound, name="email_inbound"),
    path("gui-phan-anh/csrf/", pwa.csrf_token, name="csrf_token"),
    path("ngoai-tuyen/", pwa.offline, name="offline"),
    # At the root: a service worker controls only URLs under its own folder.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
]
