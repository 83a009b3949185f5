from django.urls import path

from . import hotline, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("tong-dai/", hotline.page, name="hotline"),
    path("tong-dai/trung-lap/", hotline.hints, name="hotline_hints"),
    path("phan-anh/<str:code>/", views.report, name="report"),
    path("phan-anh/<str:code>/<slug:action>/", views.act, name="act"),
]
