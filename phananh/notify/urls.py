from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("thong-bao/day/<str:code>/", views.push_subscribe, name="push_subscribe"),
]
