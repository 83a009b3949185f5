"""A generic Open311 client's session, over real HTTP, with the spec's own example POST body.

The `requests` library is not a dependency, so the client is the standard
library's urllib, which is what a minimal client would use: form-encoded
POST, XML answers read with ElementTree, nothing PhanAnh-specific.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from phananh.open311 import keys
from phananh.open311.models import Submission
from phananh.reports.models import Channel, Report

from .conftest import WARD_A_POINT

# The example request of the GeoReport v2 spec ("POST Service Request"),
# with this city's service code, a point inside it and a Vietnamese phone
# number in place of the example's values; everything else as the spec has it.
SPEC_EXAMPLE_BODY = (
    "api_key={key}&jurisdiction_id=city.gov&service_code=rac-thai&lat={lat}&long={lng}"
    "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
    "&first_name=john&last_name=smith&phone=0912345678&description=A+large+sinkhole+is+destroying+the+street"
    "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
    "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
)
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.OPEN311_READ_RATE_LIMIT = 100_000
    settings.OPEN311_RATE_LIMIT = 100_000


def example_body(key):
    return SPEC_EXAMPLE_BODY.format(key=key, lat=WARD_A_POINT[0], lng=WARD_A_POINT[1])


def fetch(url, body=None):
    """(status, headers, bytes) for a GET, or a form POST when `body` is given."""
    request = urllib.request.Request(url, data=body.encode() if body is not None else None,
                                     headers={"Content-Type": FORM_TYPE} if body is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.django_db(transaction=True)
def test_a_generic_client_discovers_lists_posts_and_follows_over_http(live_server, city):
    _api_key, key = keys.create_key("Generic client")

    status, headers, body = fetch(f"{live_server.url}/open311/discovery.xml")
    assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
    endpoint = ET.fromstring(body).find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    base = endpoint.findtext("url")
    assert base == f"{live_server.url}/open311/v2"

    status, _headers, body = fetch(f"{base}/services.xml?jurisdiction_id=city.gov")
    services = ET.fromstring(body).findall("service")
    garbage = next(s for s in services if s.findtext("service_code") == "rac-thai")
    assert garbage.findtext("metadata") == "false" and garbage.findtext("type") == "realtime"

    status, _headers, body = fetch(f"{base}/requests.xml", example_body(key))
    assert status == 200, body
    request_id = ET.fromstring(body).findtext("request/service_request_id")
    assert ET.fromstring(body).findtext("request/account_id") == "123456"

    status, _headers, body = fetch(f"{base}/requests/{urllib.parse.quote(request_id)}.xml?jurisdiction_id=city.gov")
    assert status == 200
    request = ET.fromstring(body).find("request")
    assert request.findtext("status") == "open"
    assert request.findtext("description") == "A large sinkhole is destroying the street"
    assert request.findtext("address") == "1234 5th street, Phường Bến Thành"
    assert "smith" not in body.decode() and "sfgov" not in body.decode()

    status, _headers, body = fetch(f"{base}/requests.json?status=open")
    assert [row["service_request_id"] for row in json.loads(body)] == [request_id]

    status, _headers, body = fetch(f"{base}/requests.json", example_body("o311_not-a-key"))
    assert status == 403 and json.loads(body)[0]["code"] == 403


def test_the_spec_example_body_through_the_test_client(client, city):
    _api_key, key = keys.create_key("Generic client")
    response = client.post("/open311/v2/requests.json", example_body(key), content_type=FORM_TYPE)
    assert response.status_code == 200
    (answer,) = json.loads(response.content)
    report = Report.objects.get(code=answer["service_request_id"])
    assert report.channel == Channel.OPEN311
    assert report.reporter_name == "john smith" and report.reporter_email == "smit333@sfgov.edu"
    assert report.reporter_phone == "+84912345678"
    assert report.description == "A large sinkhole is destroying the street"
    submission = Submission.objects.get(report=report)
    assert submission.device_id == "tt222111" and submission.account_id == "123456"
    assert submission.media_url == "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"
    assert submission.attributes == {}  # the example's attributes are not asked by this service
