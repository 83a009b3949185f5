"""Open311 GeoReport v2 endpoints (/open311/v2/) and the discovery document.

Each view is wrapped by `endpoint`, which answers what every endpoint
answers alike: the wrong method (405), the rate limit (429), a body that
cannot be read (400/413), an unknown jurisdiction_id (404) and every
Open311Error, always in the spec's error format and the format asked for.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from phananh.lib.ratelimit import client_ip, hit

from . import conf, keys, queries, services, submissions
from .models import Submission
from .render import Open311Error, error_response, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
READS = ("GET", "HEAD")
# Without settings.MAX_REQUEST_BYTES: a body larger than a full set of photos
# plus the form is refused before it is read.
BODY_ALLOWANCE = 1024 * 1024


def endpoint(*methods):
    allowed = tuple(methods)

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt=None, **kwargs):
            fmt = fmt or "json"
            try:
                if request.method not in allowed:
                    raise Open311Error(405, _("This address does not accept %(method)s requests.")
                                       % {"method": request.method[:10]}, headers={"Allow": ", ".join(allowed)})
                if request.method in READS:
                    _limit("open311-read", client_ip(request), conf.read_rate_limit())
                    params = _query(request)
                else:
                    params = _body(request)
                _check_jurisdiction(params)
                response = view(request, fmt, params, **kwargs)
            except Open311Error as error:
                response = error_response(fmt, error)
            if request.method in READS:
                # Public data: browser apps on other sites may read it.
                response["Access-Control-Allow-Origin"] = "*"
            return response
        return wrapper
    return decorate


def _limit(scope, ident, limit):
    verdict = hit(scope, ident, limit)
    if not verdict.allowed:
        wait = max(verdict.retry_after, 1)
        raise Open311Error(429, _("Too many requests. Try again in %(n)d seconds.") % {"n": wait},
                           headers={"Retry-After": str(wait)})


def _query(request):
    try:
        return request.GET
    except TooManyFieldsSent:
        raise Open311Error(400, _("The query string has too many parameters.")) from None


def _body(request):
    """request.POST, or the spec's error when the body is too big or malformed."""
    limit = getattr(settings, "MAX_REQUEST_BYTES", settings.MAX_UPLOAD_BYTES * settings.MAX_PHOTOS + BODY_ALLOWANCE)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise Open311Error(413, _("The request is too large."))
    try:
        request.POST  # noqa: B018 - parses the body (and the uploads) now, inside this try
    except RequestDataTooBig:
        raise Open311Error(413, _("The request is too large.")) from None
    except (MultiPartParserError, TooManyFieldsSent, SuspiciousOperation, UnicodeDecodeError, ValueError):
        raise Open311Error(400, _("The request body could not be read. Send the fields form-encoded "
                                  "(application/x-www-form-urlencoded) or as multipart/form-data.")) from None
    return request.POST


def _check_jurisdiction(params):
    expected = conf.jurisdiction_id()
    given = (params.get("jurisdiction_id") or "").strip()
    if expected and given and given.lower() != expected.lower():
        raise Open311Error(404, _("jurisdiction_id “%(id)s” was not found; this endpoint serves “%(expected)s”.")
                           % {"id": given[:100], "expected": expected})


@endpoint(*READS)
def discovery(request, fmt, params):
    changeset = services.changeset()
    # The endpoint's base URL, as this client reached it: ".../open311/v2".
    url = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "xml"})).rsplit("/", 1)[0]
    document = {
        "changeset": changeset,
        "contact": conf.contact() or _("For help with this API, use the contact details on %(site)s.")
        % {"site": settings.SITE_URL},
        "key_service": conf.key_service() or _("API keys are issued by the administrators of %(site)s; "
                                               "ask them for one.") % {"site": settings.SITE_URL},
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": url,
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(fmt, "discovery", document)


@endpoint(*READS)
def service_list(request, fmt, params):
    return respond(fmt, "services", services.service_list())


@endpoint(*READS)
def service_definition(request, fmt, params, code):
    return respond(fmt, "service_definition", services.definition(code))


@endpoint(*READS, "POST")
def request_list(request, fmt, params):
    if request.method == "POST":
        return _create(request, fmt, params)
    found = queries.find(queries.parse_filters(params))
    rows = [queries.describe(report, request.build_absolute_uri) for report in found]
    return respond(fmt, "service_requests", rows)


def _create(request, fmt, params):
    api_key = keys.authenticate(params.get("api_key") or _query(request).get("api_key"))
    # The bucket is named by the key's hash: unique, and it names neither the key nor a reusable id.
    _limit("open311-post", api_key.key_hash[:24], keys.rate_limit_of(api_key))
    scoped = submissions.scoped_key(api_key, request.headers.get("Idempotency-Key"))
    print_ = submissions.fingerprint(params, request.FILES)
    submission, replayed = submissions.previous(scoped, print_), True
    if submission is None:
        submission, replayed = submissions.create(api_key, submissions.read(params, request.FILES), scoped, print_)
    headers = {"Open311-Token": submission.token}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(fmt, "service_requests", submissions.answer(submission), headers=headers)


@endpoint(*READS)
def request_detail(request, fmt, params, request_id):
    report = queries.find_one(request_id)
    return respond(fmt, "service_requests", [queries.describe(report, request.build_absolute_uri)])


@endpoint(*READS)
def token(request, fmt, params, token):
    found = list(
        Submission.objects.filter(token=token).select_related("report").only("token", "report__code")
        .order_by("id")[:100]
    )
    if not found:
        raise Open311Error(404, _("There is no service request for the token “%(token)s”.") % {"token": token[:80]})
    rows = [{"service_request_id": s.report.code, "token": s.token} for s in found]
    return respond(fmt, "service_requests", rows)


@endpoint(*READS, "POST", "PUT", "PATCH", "DELETE")
def not_found(request, fmt, params, path=""):
    raise Open311Error(404, _("There is no such Open311 resource. The service list is at %(url)s.")
                       % {"url": request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "xml"}))})
