"""Open311 service list, service definitions and the discovery document, in JSON and XML."""

import json
import xml.etree.ElementTree as ET

import pytest

from phananh.open311 import services
from phananh.open311.models import AttributeValue, Datatype, ServiceAttribute
from phananh.reports.models import Category

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.OPEN311_READ_RATE_LIMIT = 100_000


def get_json(client, url, **headers):
    response = client.get(url, **headers)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response, json.loads(response.content)


def get_xml(client, url, **headers):
    response = client.get(url, **headers)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return response, ET.fromstring(response.content)


@pytest.fixture
def question(city):
    """A singlevaluelist question on street lights, and an informational notice."""
    category = Category.objects.get(code="den-chieu-sang")
    attribute = ServiceAttribute.objects.create(
        category=category, code="POLE", order=1, datatype=Datatype.SINGLE, required=True,
        description_vi="Đèn hỏng thế nào?", description_en="What is wrong with the light?",
        datatype_description_en="Pick one",
    )
    AttributeValue.objects.create(attribute=attribute, key="off", name_vi="Tắt hẳn", name_en="Off", position=1)
    AttributeValue.objects.create(attribute=attribute, key="blink", name_vi="Chập chờn", name_en="Flickering",
                                  position=2)
    ServiceAttribute.objects.create(category=category, code="NOTE", order=2, variable=False,
                                    description_vi="Gọi 115 nếu có dây điện rơi.", description_en="")
    return attribute


def test_service_list_json_has_every_active_category_with_the_spec_fields(client, city):
    Category.objects.filter(code="tieng-on").update(is_active=False)
    response, services_ = get_json(client, "/open311/v2/services.json", **EN)
    assert response.status_code == 200
    codes = [s["service_code"] for s in services_]
    assert "rac-thai" in codes and "tieng-on" not in codes
    assert len(codes) == Category.objects.filter(is_active=True).count()
    garbage = next(s for s in services_ if s["service_code"] == "rac-thai")
    assert set(garbage) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert garbage["service_name"] == "Garbage and illegal dumping"
    assert garbage["group"] == "Environment"
    assert garbage["metadata"] is False
    assert garbage["type"] == "realtime"
    assert "Rác thải" in garbage["keywords"] and "Môi trường" in garbage["keywords"]
    assert "2 working days" in garbage["description"]
    parking = next(s for s in services_ if s["service_code"] == "dau-xe-trai-phep")
    assert parking["description"].endswith("resolved within 1 working day.")


def test_service_list_follows_the_request_language(client, city):
    _response, services_ = get_json(client, "/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="vi")
    garbage = next(s for s in services_ if s["service_code"] == "rac-thai")
    assert garbage["service_name"] == "Rác thải, xả rác bừa bãi"
    assert garbage["group"] == "Môi trường"


def test_service_list_xml(client, city, question):
    response, root = get_xml(client, "/open311/v2/services.xml", **EN)
    assert response.status_code == 200
    assert root.tag == "services"
    items = root.findall("service")
    assert len(items) == Category.objects.filter(is_active=True).count()
    light = next(s for s in items if s.findtext("service_code") == "den-chieu-sang")
    assert light.findtext("metadata") == "true"
    assert light.findtext("type") == "realtime"
    assert light.findtext("service_name") == "Street lighting failure"
    garbage = next(s for s in items if s.findtext("service_code") == "rac-thai")
    assert garbage.findtext("metadata") == "false"


def test_definition_without_questions_is_the_spec_empty_attributes(client, city):
    _response, definition = get_json(client, "/open311/v2/services/rac-thai.json")
    assert definition == {"service_code": "rac-thai", "attributes": []}
    _response, root = get_xml(client, "/open311/v2/services/rac-thai.xml")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "rac-thai"
    assert root.find("attributes") is not None and list(root.find("attributes")) == []


def test_definition_lists_questions_in_order_with_their_choices(client, question):
    _response, definition = get_json(client, "/open311/v2/services/den-chieu-sang.json", **EN)
    first, notice = definition["attributes"]
    assert first == {
        "variable": True, "code": "POLE", "datatype": "singlevaluelist", "required": True,
        "datatype_description": "Pick one", "order": 1, "description": "What is wrong with the light?",
        "values": [{"key": "off", "name": "Off"}, {"key": "blink", "name": "Flickering"}],
    }
    # No English text given: the Vietnamese one, never an empty question.
    assert notice["variable"] is False and notice["description"] == "Gọi 115 nếu có dây điện rơi."
    assert notice["datatype_description"] is None and notice["values"] == []

    _response, root = get_xml(client, "/open311/v2/services/den-chieu-sang.xml", **EN)
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "POLE"
    assert attribute.findtext("required") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["off", "blink"]


def test_unknown_or_inactive_service_is_404_in_both_formats(client, city):
    Category.objects.filter(code="tieng-on").update(is_active=False)
    for code in ("khong-co", "tieng-on"):
        response, errors = get_json(client, f"/open311/v2/services/{code}.json", **EN)
        assert response.status_code == 404
        assert errors[0]["code"] == 404 and code in errors[0]["description"]
    response, root = get_xml(client, "/open311/v2/services/khong-co.xml", **EN)
    assert response.status_code == 404
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_service_list_costs_one_query(client, city, question, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/open311/v2/services.json")
    assert response.status_code == 200


def test_discovery_json_and_xml(client, city):
    response, document = get_json(client, "/open311/discovery.json")
    assert response.status_code == 200
    assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = document["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": document["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    # The url really is the endpoint base: appending a resource works.
    assert client.get(endpoint["url"].replace("http://testserver", "") + "/services.json").status_code == 200

    _response, root = get_xml(client, "/open311/discovery.xml")
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    assert root.findtext("endpoints/endpoint/type") == "production"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("contact") and root.findtext("key_service")


def test_discovery_texts_come_from_settings(client, city, settings):
    settings.OPEN311_CONTACT = "api@phananh.example.vn, 1022"
    settings.OPEN311_KEY_SERVICE = "Write to api@phananh.example.vn"
    _response, document = get_json(client, "/open311/discovery.json")
    assert document["contact"] == "api@phananh.example.vn, 1022"
    assert document["key_service"] == "Write to api@phananh.example.vn"


def test_changeset_moves_forward_when_a_category_or_question_changes(city, question, monkeypatch):
    from django.core.cache import cache

    cache.delete(services.CHANGESET_KEY)
    first = services.changeset()
    assert services.changeset() == first  # stable while nothing changes
    monkeypatch.setattr(services, "_stamp", lambda: "2999-01-01T00:00:00Z")
    category = Category.objects.get(code="rac-thai")
    category.name_en = "Rubbish"
    category.save()
    assert services.changeset() == "2999-01-01T00:00:00Z" > first
    monkeypatch.setattr(services, "_stamp", lambda: "2999-01-02T00:00:00Z")
    question.delete()
    assert services.changeset() == "2999-01-02T00:00:00Z"


@pytest.fixture
def admin_client(client, city):
    from .conftest import make_user

    client.force_login(make_user("quantri", is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "en"
    return client


def question_form(datatype, choices=()):
    data = {
        "category": Category.objects.get(code="rac-thai").pk, "code": "SIZE", "order": "1", "variable": "on",
        "datatype": datatype, "description_vi": "Đống rác lớn cỡ nào?",
        "values-TOTAL_FORMS": str(len(choices)), "values-INITIAL_FORMS": "0",
        "values-MIN_NUM_FORMS": "0", "values-MAX_NUM_FORMS": "1000",
    }
    for index, (key, name) in enumerate(choices):
        data.update({f"values-{index}-key": key, f"values-{index}-name_vi": name, f"values-{index}-position": "0"})
    return data


def test_admin_refuses_a_list_question_without_choices(admin_client, client):
    response = admin_client.post("/admin/open311/serviceattribute/add/", question_form("singlevaluelist"))
    assert response.status_code == 200
    assert "A list question needs at least one choice." in response.content.decode()
    assert not ServiceAttribute.objects.exists()
    response = admin_client.post("/admin/open311/serviceattribute/add/",
                                 question_form("singlevaluelist", [("small", "Nhỏ"), ("big", "Lớn")]))
    assert response.status_code == 302
    _response, services_ = get_json(client, "/open311/v2/services.json")
    assert next(s for s in services_ if s["service_code"] == "rac-thai")["metadata"] is True
    # A text question needs none.
    ServiceAttribute.objects.all().delete()
    response = admin_client.post("/admin/open311/serviceattribute/add/", question_form("text"))
    assert response.status_code == 302
