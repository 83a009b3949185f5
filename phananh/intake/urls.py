from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("gui-phan-anh/", views.submit, name="submit"),
    path("gui-phan-anh/da-gui/<str:code>/", views.sent, name="sent"),
    path("gui-phan-anh/vi-tri/", views.locate, name="locate"),
]
