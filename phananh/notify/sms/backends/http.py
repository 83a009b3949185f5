"""A generic HTTP SMS gateway: most Vietnamese providers (and Twilio-like
services) take one request per message with the number and the text in a
JSON or form body. Everything about the request is a setting:

    SMS_GATEWAY_URL              where to send (required)
    SMS_GATEWAY_METHOD           POST (default), PUT or GET (GET sends the form fields in the query)
    SMS_GATEWAY_FORMAT           json (default) or form
    SMS_GATEWAY_BODY             the body template; placeholders {to} (+84903123456),
                                 {to_digits} (84903123456), {to_national} (0903123456), {text}.
                                 JSON: '{"to": "{to}", "text": "{text}", "brand": "PHANANH"}'
                                 form: 'to={to}&text={text}&brand=PHANANH'
    SMS_GATEWAY_AUTH_HEADER      header carrying the credential (default Authorization)
    SMS_GATEWAY_TOKEN            its whole value, e.g. "Bearer abc123" (empty: no header)
    SMS_GATEWAY_SUCCESS_STATUSES HTTP statuses meaning "accepted" (default 200, 201, 202)
    SMS_GATEWAY_TIMEOUT          seconds (default 15; always kept well inside the delivery lease)

Placeholders are filled inside the parsed template, so a text with quotes,
ampersands or braces can never break the body or add a field.

An answer of 4xx (a malformed or unreachable number, say) fails the message
for good; 401/403 (our credential), 408, 429, 5xx and network errors are
retried with backoff.
"""

import json
import re
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from phananh.notify import http
from phananh.notify.channels.base import http_error, timeout

from ..phones import national
from .base import BaseSmsBackend

DEFAULT_BODIES = {
    "json": '{"to": "{to}", "text": "{text}"}',
    "form": "to={to}&text={text}",
}
_PLACEHOLDER = re.compile(r"\{(to|to_digits|to_national|text)\}")


def fill(template, values):
    """Put `values` into every string of a parsed template (dicts, lists, strings)."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
    if isinstance(template, dict):
        return {fill(key, values): fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    return template


def build_request(number, text):
    """(method, url, body bytes or None, headers) for one message; raises
    ImproperlyConfigured when the settings cannot make a request."""
    url = settings.SMS_GATEWAY_URL
    if not url:
        raise ImproperlyConfigured("SMS_BACKEND is http but SMS_GATEWAY_URL is empty")
    method = settings.SMS_GATEWAY_METHOD.upper()
    kind = settings.SMS_GATEWAY_FORMAT.lower()
    if kind not in DEFAULT_BODIES:
        raise ImproperlyConfigured("SMS_GATEWAY_FORMAT must be json or form")
    template = settings.SMS_GATEWAY_BODY or DEFAULT_BODIES[kind]
    values = {"to": number, "to_digits": number.lstrip("+"), "to_national": national(number), "text": text}
    headers = {}
    if settings.SMS_GATEWAY_TOKEN:
        headers[settings.SMS_GATEWAY_AUTH_HEADER] = settings.SMS_GATEWAY_TOKEN
    if kind == "json":
        try:
            parsed = json.loads(template)
        except ValueError as error:
            raise ImproperlyConfigured(f"SMS_GATEWAY_BODY is not valid JSON: {error}") from None
        if method == "GET":
            raise ImproperlyConfigured("SMS_GATEWAY_METHOD GET needs SMS_GATEWAY_FORMAT form")
        body = json.dumps(fill(parsed, values), ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
        return method, url, body, headers
    fields = urlencode([(fill(k, values), fill(v, values)) for k, v in parse_qsl(template, keep_blank_values=True)])
    if method == "GET":
        return method, f"{url}{'&' if '?' in url else '?'}{fields}", None, headers
    headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    return method, url, fields.encode(), headers


class HttpGatewayBackend(BaseSmsBackend):
    def send(self, number, text):
        method, url, body, headers = build_request(number, text)
        answer = http.request(method, url, body=body, headers=headers,
                              timeout=timeout(settings.SMS_GATEWAY_TIMEOUT))
        if answer.status in settings.SMS_GATEWAY_SUCCESS_STATUSES:
            return
        raise http_error(answer.status, answer.text, retry_after=answer.headers.get("retry-after"),
                         transient=(401, 403, 408))
