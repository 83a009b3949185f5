"""One small HTTP client for the SMS gateway and webhooks (standard library
http.client): it never follows redirects, so a message goes exactly where
it was configured to; it sends header names exactly as written; and any
answer, 2xx or not, comes back as an Answer."""

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "PhanAnh-Notify/1"
MAX_READ = 4096  # enough of an answer to log why it failed


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    headers: dict  # names in lower case


def request(method, url, *, body=None, headers=None, timeout):
    """Send one request; raises only for network trouble (refused, timed out,
    DNS, TLS) or a URL that is not http(s)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    elif parts.scheme == "http":
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        raise ValueError(f"not an http(s) URL: {url!r}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        text = response.read(MAX_READ).decode("utf-8", "replace")
        return Answer(response.status, text, {name.lower(): value for name, value in response.getheaders()})
    finally:
        connection.close()
