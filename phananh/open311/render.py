"""Open311 answers in XML and JSON, and errors in the spec's own format.

The spec defines the XML and derives the JSON from it by the "Spark
convention": a wrapper element holding repeated children (services/service,
service_requests/request, errors/error...) becomes a JSON array, an empty
element becomes null. Views build one plain Python value and this module
writes it either way, so the two formats cannot drift apart.
"""

import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

# Wrapper element → name of each repeated child (GeoReport v2 and Service Discovery).
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates,
# U+FFFE/U+FFFF). ElementTree would write them and produce a document no
# parser accepts, so they are dropped from every text.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """A refused request: the HTTP status and one or more sentences for the person using the client."""

    def __init__(self, status, *descriptions, headers=None):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.headers = headers or {}


def w3c(moment):
    """A datetime in the W3C profile of ISO 8601, in Vietnam's time (+07:00)."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def xml_text(value):
    return _NOT_XML.sub("", value)


def to_xml(root, value):
    element = ET.Element(root)
    _fill(element, value)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


def _fill(element, value):
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, (list, tuple)):
        item = ITEM_NAMES[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item), child)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = xml_text(str(value))


def respond(fmt, root, value, status=200, headers=None):
    """`value` as the document `root` (XML) or its JSON mapping."""
    if fmt == "xml":
        body, content_type = to_xml(root, value), XML_TYPE
    else:
        body, content_type = json.dumps(value, ensure_ascii=False), JSON_TYPE
    response = HttpResponse(body.encode("utf-8"), content_type=content_type, status=status)
    for name, header in (headers or {}).items():
        response[name] = header
    return response


def error_response(fmt, error):
    errors = [{"code": error.status, "description": text} for text in error.descriptions]
    return respond(fmt, "errors", errors, status=error.status, headers=error.headers)
