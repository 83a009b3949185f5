from django.urls import path

from . import follow, views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("phan-anh/", views.report_list, name="reports"),
    path("phan-anh/<str:code>/", views.report_detail, name="report"),
    path("phan-anh/<str:code>/rieng/<str:token>/", views.report_private, name="private"),
    path("phan-anh/<str:code>/theo-doi/", follow.follow, name="follow"),
    path("tra-cuu/", views.track, name="track"),
    path("don-vi/", views.units, name="units"),
]
