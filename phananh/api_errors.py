"""One error shape for the whole native API (/api/v1/), in the caller's language.

Every error answer is JSON:

    {"detail": "One sentence saying what is wrong and how to put it right.",
     "field": "the input at fault, or empty",
     "errors": [{"field": "...", "message": "..."}, ...]}   # only when several inputs are wrong

plus "retry_after" (seconds) on 429. `detail` follows Accept-Language
(LanguageMiddleware activates it for /api/ paths). The handlers installed
here replace django-ninja's defaults, whose messages are English and whose
validation errors put a list in `detail`; a client can now always show
`detail` as it is.

Nothing reaches Django's HTML error pages: bodies too large, broken
multipart, unknown paths under /api/v1/ and wrong methods get the same
shape, and an unexpected exception is logged (as Django would) and answered
with a JSON 500.
"""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponseNotAllowed, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from phananh.lib import ratelimit

log = logging.getLogger("django.request")


class FieldError(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    """The body of every error answer (documented once, used by every endpoint)."""

    detail: str = Field(description="What is wrong, in the language asked for with Accept-Language")
    field: str = Field("", description="The input at fault (a parameter, form field or header), or empty")
    errors: list[FieldError] | None = Field(None, description="Every input at fault, when there are several")
    retry_after: int | None = Field(None, description="Only on 429: seconds to wait before trying again")


class ApiError(Exception):
    """Raised anywhere below a view to answer with `status` and an ErrorBody."""

    def __init__(self, status, detail, field="", errors=None, headers=None, **extra):
        super().__init__(detail)
        self.status, self.detail, self.field = status, str(detail), field
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    def body(self):
        body = {"detail": self.detail, "field": self.field}
        if self.errors:
            body["errors"] = [{"field": name, "message": str(message)} for name, message in self.errors]
        body.update(self.extra)
        return body


class RateLimited(ApiError):
    def __init__(self, retry_after):
        retry_after = max(int(retry_after), 1)
        super().__init__(
            429, _("Too many requests. Try again in %(n)d seconds.") % {"n": retry_after},
            headers={"Retry-After": str(retry_after)}, retry_after=retry_after,
        )


def rate_limit(scope, ident, limit, window_seconds):
    """Count one request of `ident` in `scope`; raise RateLimited past `limit`."""
    verdict = ratelimit.hit(scope, ident, limit, window_seconds)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)


def form_error(form, status=400):
    """ApiError for an invalid Django form: the first message as `detail`,
    every message in `errors`."""
    errors = [(name if name != "__all__" else "", message)
              for name, messages in form.errors.items() for message in messages]
    field, message = errors[0]
    return ApiError(status, message, field, errors if len(errors) > 1 else None)


def json_response(status, body, headers=None):
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- django-ninja's own errors, reworded -------------------------------------------------

# pydantic error types → what the client should send instead.
_EXPECTED = {
    "int": lambda: _("a whole number"),
    "float": lambda: _("a number"),
    "decimal": lambda: _("a number"),
    "bool": lambda: _("true or false"),
    "string": lambda: _("text"),
    "list": lambda: _("a list"),
    "dict": lambda: _("a JSON object"),
    "model": lambda: _("a JSON object"),
    "model_attributes": lambda: _("a JSON object"),
    "date": lambda: _("a date (YYYY-MM-DD)"),
    "datetime": lambda: _("a date and time (ISO 8601)"),
    "uuid": lambda: _("a UUID"),
}
# Where ninja puts a value; not a field name of the client's.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
# What the views call their schema parameters; not a field name either.
_PARAMETERS = {"payload", "params"}


def _pydantic_message(error):
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind in ("string_too_long", "too_long"):
        return _("This is too long (at most %(n)s).") % {"n": ctx.get("max_length", "?")}
    if kind in ("string_too_short", "too_short"):
        return _("This is too short (at least %(n)s).") % {"n": ctx.get("min_length", "?")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("This must be at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt", "?"))}
    if kind in ("less_than_equal", "less_than"):
        return _("This must be at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt", "?"))}
    if kind in ("literal_error", "enum"):
        return _("This is not one of the accepted values: %(values)s.") % {"values": ctx.get("expected", "?")}
    if kind in ("string_unicode", "string_sub_type"):
        return _("This must be text.")
    for prefix, expected in _EXPECTED.items():
        if kind.startswith(prefix + "_"):
            return _("This must be %(expected)s.") % {"expected": expected()}
    return _("This value is not valid.")


def _field_name(loc):
    """The client's name for the input at `loc`: ('body', 'payload', 'text') → 'text'."""
    parts = [str(part) for part in loc if not isinstance(part, int)]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] in _PARAMETERS:
        parts = parts[1:]
    return ".".join(parts)


def _validation_error(request, exc):
    errors = []
    for error in exc.errors:
        field = _field_name(error.get("loc") or ())
        if not field and error.get("type", "").startswith(("model_", "dict_")):
            errors.append((field, _("The request body must be a JSON object.")))
        else:
            errors.append((field, _pydantic_message(error)))
    if not errors:
        return json_response(422, {"detail": _("The request is not valid."), "field": ""})
    field, message = errors[0]
    return json_response(422, ApiError(422, message, field, errors if len(errors) > 1 else None).body())


def _http_error(request, exc):
    if isinstance(exc, Throttled):
        return _api_error(request, RateLimited(exc.wait or 60))
    if isinstance(exc, AuthenticationError):
        return json_response(401, {"detail": _("Send a valid staff API token: Authorization: Bearer <token>."),
                                      "field": "Authorization"}, {"WWW-Authenticate": "Bearer"})
    if isinstance(exc, AuthorizationError):
        return json_response(403, {"detail": _("You are not allowed to do this."), "field": ""})
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return json_response(400, {"detail": _("The request body is not valid JSON."), "field": ""})
    return json_response(exc.status_code, {"detail": str(exc), "field": ""})


def _api_error(request, exc):
    return json_response(exc.status, exc.body(), exc.headers)


def _not_found(request, exc):
    message = str(exc) if exc.args and exc.args[0] else _("Not found.")
    return json_response(404, {"detail": message, "field": ""})


def _unexpected(request, exc):
    """The request itself was broken (too big, bad multipart...): the client's
    fault, answered 400/413; anything else is ours, logged and answered 500."""
    if isinstance(exc, RequestDataTooBig):
        return json_response(413, {"detail": _("The request is too large."), "field": ""})
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return json_response(400, {"detail": _("The request has too many fields or files."), "field": ""})
    if isinstance(exc, SuspiciousOperation | MultiPartParserError | UnreadablePostError | UnicodeDecodeError):
        return json_response(400, {"detail": _("The request could not be read."), "field": ""})
    log.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request})
    return json_response(500, {"detail": _("Something went wrong on our side. Please try again later."),
                                  "field": ""})


def install(api):
    """Replace django-ninja's error handlers on `api` with the ones above."""
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(Exception, _unexpected)
    _json_method_not_allowed()


def _json_method_not_allowed():
    """django-ninja answers a wrong method with a plain-text 405 from its
    PathView and offers no hook for it; give that answer the API's shape."""
    from ninja.operation import PathView

    if getattr(PathView, "_phananh_json_405", False) or not hasattr(PathView, "_not_allowed"):
        return

    def _not_allowed(self):
        allowed = sorted({method for op in self.operations for method in op.methods})
        response = HttpResponseNotAllowed(allowed, content_type="application/json")
        response.content = JsonResponse({
            "detail": _("This method is not allowed here. Allowed: %(methods)s.") % {"methods": ", ".join(allowed)},
            "field": "",
        }, json_dumps_params={"ensure_ascii": False}).content
        return response

    PathView._not_allowed = _not_allowed
    PathView._phananh_json_405 = True


def not_found_view(request, rest=""):
    """Unknown paths under /api/v1/ (mounted after the API in phananh/urls.py)."""
    return json_response(404, {"detail": _("There is no such API endpoint. The list is at /api/v1/docs."),
                                  "field": ""})
