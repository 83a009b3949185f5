"""/open311/: the discovery document and GeoReport v2 under v2/, each in .json or .xml."""

from django.urls import re_path

from . import views

app_name = "open311"
FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FORMAT, views.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[^/]+?)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FORMAT, views.request_list, name="requests"),
    re_path(r"^v2/requests/(?P<request_id>[^/]+?)" + FORMAT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[^/]+?)" + FORMAT, views.token, name="token"),
    # Anything else under /open311/ is a 404 in the spec's format, not an HTML page.
    re_path(r"^(?P<path>.*?)(?:\.(?P<fmt>json|xml))?$", views.not_found),
]
