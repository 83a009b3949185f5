"""Webhooks: POST the stored JSON body, signed with the endpoint's secret
(phananh.notify.webhooks). 2xx is delivered; 4xx other than 408 and 429
fails for good; anything else is retried with the very same body."""

import json

from django.conf import settings

from phananh.lib import clock
from phananh.notify import http, webhooks

from .base import PermanentError, http_error, timeout


def send(notification):
    endpoint = notification.webhook
    if endpoint is None:
        raise PermanentError("the webhook endpoint was deleted")
    if not endpoint.active:
        raise PermanentError("the webhook endpoint is switched off")
    event_id = json.loads(notification.body)["event_id"]
    headers = webhooks.headers(endpoint.secret, event_id, notification.body, timestamp=clock.now().timestamp())
    answer = http.request("POST", endpoint.url, body=notification.body.encode(), headers=headers,
                          timeout=timeout(settings.WEBHOOK_TIMEOUT))
    if not 200 <= answer.status < 300:
        raise http_error(answer.status, answer.text, retry_after=answer.headers.get("retry-after"))
