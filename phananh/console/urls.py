from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("phan-anh/<str:code>/", views.report, name="report"),
    path("phan-anh/<str:code>/<slug:action>/", views.act, name="act"),
]
