from django.urls import path, re_path

from . import views

MONTH = r"(?P<month>[0-9]{4}-[0-9]{2})"

app_name = "stats"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("don-vi/<slug:code>/", views.unit, name="unit"),
    path("linh-vuc/", views.categories, name="categories"),
    path("linh-vuc/<slug:code>/", views.category, name="category"),
    path("phuong-xa/", views.wards, name="wards"),
    path("phuong-xa/<slug:code>/", views.ward, name="ward"),
    path("bao-cao-thang/", views.monthly_latest, name="monthly_latest"),
    re_path(rf"^bao-cao-thang/{MONTH}/$", views.monthly_city, name="monthly"),
    re_path(rf"^bao-cao-thang/{MONTH}/ban-in/$", views.monthly_city, name="monthly_print"),
    re_path(rf"^bao-cao-thang/{MONTH}\.csv$", views.monthly_city, name="monthly_csv"),
    re_path(rf"^bao-cao-thang/{MONTH}/(?P<code>[-\w]+)/$", views.monthly_unit, name="unit_monthly"),
    re_path(rf"^bao-cao-thang/{MONTH}/(?P<code>[-\w]+)/ban-in/$", views.monthly_unit, name="unit_monthly_print"),
    re_path(rf"^bao-cao-thang/{MONTH}/(?P<code>[-\w]+)\.csv$", views.monthly_unit, name="unit_monthly_csv"),
    path("du-lieu-mo/", views.opendata_page, name="opendata"),
    path("du-lieu-mo/phan-anh.csv", views.export, {"name": "reports_csv"}, name="reports_csv"),
    path("du-lieu-mo/phan-anh.geojson", views.export, {"name": "reports_geojson"}, name="reports_geojson"),
    path("du-lieu-mo/su-kien.csv", views.export, {"name": "events_csv"}, name="events_csv"),
    path("du-lieu-mo/su-kien.geojson", views.export, {"name": "events_geojson"}, name="events_geojson"),
    path("nhat-ky-kiem-toan/", views.chain_heads, name="chain_heads"),
]
