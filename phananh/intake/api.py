"""Citizen endpoints of the native API: send a report, read reports, and
(with the private token) rate or reopen one's own report. docs/api.md
describes each with examples.

Submission goes through the web form's own checks (`intake.forms.ReportForm`:
same limits, same messages) and `workflow.submit(channel=API)`; the
Idempotency-Key handling is explained in `intake.idempotency`.
"""

import json

from django.conf import settings
from django.core.files.storage import storages
from django.http import QueryDict
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from phananh.api_errors import ApiError, ErrorBody, form_error, json_response, rate_limit
from phananh.lib.codes import normalize_tracking_code
from phananh.lib.ratelimit import client_ip
from phananh.notify.models import Channel as NotifyChannel
from phananh.public import reportpage
from phananh.public.forms import RatingForm, ReopenForm
from phananh.reports import workflow
from phananh.reports.models import Channel, Report

from . import api_list, api_output, idempotency
from .forms import DESCRIPTION_MAX, ReportForm
from .photo_tray import FIELD as CARRIED_PHOTO_FIELD
from .photo_tray import REMOVE_FIELD as REMOVE_PHOTO_FIELD

router = Router(tags=["reports"])

# Per client address, anonymous writes together (reports, ratings, reopens).
# Generous, because many phones share one carrier address in Vietnam.
WRITES_PER_WINDOW = 30
WRITE_WINDOW_SECONDS = 600
# Above this the body cannot be a valid report: refused before it is read.
FORM_FIELDS_BYTES = 64 * 1024
NOTIFY_CHOICES = ("email", "sms", "none")


def max_body_bytes():
    return settings.MAX_PHOTOS * settings.MAX_UPLOAD_BYTES + FORM_FIELDS_BYTES


# --- schemas ---------------------------------------------------------------------------------

class Ref(Schema):
    code: str
    name: str


class ReportIn(Schema):
    """The fields of a new report (multipart/form-data with `photos`, or JSON without)."""

    category: str = Field(description="Category code, from GET /api/v1/categories (= Open311 service_code)",
                          examples=["rac-thai"])
    description: str = Field(description=f"What is wrong; published. At most {DESCRIPTION_MAX} characters.")
    lat: str = Field("", description="Latitude (WGS 84) of the problem; with lng it decides the ward")
    lng: str = Field("", description="Longitude (WGS 84)")
    ward: str = Field("", description="Ward code from GET /api/v1/wards, when no lat/lng is given "
                                      "(then address is required)")
    address: str = Field("", description="House number and street, alley or landmark (at most 300 characters)")
    reporter_name: str = Field("", description="Never published")
    reporter_phone: str = Field("", description="Never published; Vietnamese numbers like 0903 123 456")
    reporter_email: str = Field("", description="Never published; updates are sent here unless notify is none")
    confidential: bool = Field(False, description="Hide the reporter from the handling unit too "
                                                  "(only the coordination centre sees them)")
    notify: str = Field("", description="How the reporter hears about progress: email, sms or none. "
                                        "Default: email when reporter_email is given, else none")


class ReportCreated(Schema):
    code: str = Field(description="Tracking code")
    status: str
    received_at: str
    ack_due: str | None
    resolve_due: str | None
    url: str = Field(description="This report in the API")
    web_url: str = Field(description="The public page of the report")
    token_included: bool = Field(description="False on a retry after the first answer was forgotten "
                                             "(see Idempotency-Key in docs/api.md)")
    citizen_token: str | None = Field(description="Secret that proves the citizen sent the report (rate, reopen). "
                                                  "Given once; keep it on the device")
    private_url: str | None = Field(description="The citizen's private page (contains the token)")
    notify: str = Field(description="email, sms or none: where progress is sent")


class Photo(Schema):
    url: str
    thumbnail_url: str
    width: int | None
    height: int | None


class ReportRow(Schema):
    code: str
    status: str = Field(description="Workflow status (submitted, assigned, acknowledged, in_progress, resolved, "
                                    "reopened, closed, rejected, duplicate)")
    status_label: str = Field(description="The status in words, in the language asked for")
    outcome: str = Field(description="fixed, cannot_fix or referred once resolved; otherwise empty. "
                                     "Only fixed means the problem was fixed")
    category: Ref
    description: str
    address: str
    lat: float | None
    lng: float | None
    ward: Ref | None
    unit: Ref | None = Field(description="The unit handling it now")
    received_at: str
    resolve_due: str | None
    thumbnail_url: str | None = Field(None, description="First published photo, small")
    url: str
    web_url: str


class ReportPage(Schema):
    results: list[ReportRow]
    next: str | None = Field(description="URL of the next (older) page; null on the last page")
    next_cursor: str | None


class TimelineEntry(Schema):
    type: str
    text: str = Field(description="What happened, in words, in the language asked for")
    at: str
    report: str | None = Field(description="Another report it points to (the original of a duplicate)")


class OutcomeOut(Schema):
    kind: str = Field(description="fixed, cannot_fix, referred or no_outcome")
    title: str
    text: str
    referred_to: str
    planned_date: str | None


class ReportOut(Schema):
    code: str
    status: str
    status_label: str
    explanation: str = Field(description="What the status means and what happens next")
    outcome: str
    outcome_detail: OutcomeOut | None
    category: Ref
    description: str
    address: str
    lat: float | None
    lng: float | None
    ward: Ref | None
    unit: Ref | None
    received_at: str
    ack_due: str | None = Field(description="Acknowledge-by deadline while it runs")
    resolve_due: str | None = Field(description="Resolve-by deadline while it runs")
    acknowledge_overdue: bool
    resolve_overdue: bool
    acknowledged_at: str | None
    resolved_at: str | None
    closed_at: str | None
    reopen_count: int
    public_reason: str = Field(description="Why it was rejected, when it was")
    duplicate_of: str | None
    photos: list[Photo]
    proof_photos: list[Photo] = Field(description="Photos of the fix")
    photos_processing: int = Field(description="Photos received but not published yet")
    timeline: list[TimelineEntry]
    url: str
    web_url: str


class ListParams(Schema):
    # Strings, read by api_list so that every error is one sentence in the client's language.
    bbox: str = Field("", description="west,south,east,north in degrees (WGS 84)",
                      examples=["106.68,10.76,106.72,10.79"])
    status: str = Field("", description="A status (in_progress) or a group (open, resolved, closed, rejected, "
                                        "duplicate)")
    category: str = Field("", description="Category code")
    ward: str = Field("", description="Ward code")
    unit: str = Field("", description="Handling unit code")
    since: str = Field("", description="Received on or after: YYYY-MM-DD or ISO 8601 date-time")
    until: str = Field("", description="Received before (a date counts whole): YYYY-MM-DD or ISO 8601")
    q: str = Field("", description="Words from the description or address, a category, or a tracking code; "
                                   "accents optional")
    cursor: str = Field("", description="From `next_cursor` of the previous page")
    limit: str = Field("", description=f"Rows per page, 1 to {api_list.MAX_LIMIT} (default "
                                       f"{api_list.DEFAULT_LIMIT})")


class RatingIn(Schema):
    token: str = Field(description="The citizen_token given when the report was sent")
    rating: str = Field(description="satisfied or unsatisfied (unsatisfied reopens the report)")
    comment: str = Field("", description="For the unit; say what is still wrong when unsatisfied")


class ReopenIn(Schema):
    token: str
    comment: str = Field(description="What is still wrong")


ERRORS = {status: ErrorBody for status in (400, 404, 409, 413, 415, 422, 429)}


def _create_body_schema():
    schema = ReportIn.model_json_schema()
    multipart = json.loads(json.dumps(schema))
    multipart["properties"]["photos"] = {
        "type": "array", "items": {"type": "string", "format": "binary"},
        "description": f"Up to {settings.MAX_PHOTOS} photos (JPEG, PNG, WebP, HEIC), "
                       f"{settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB each",
    }
    return {"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": multipart},
        "application/json": {"schema": schema},
    }}, "parameters": [{
        "in": "header", "name": idempotency.HEADER, "required": False,
        "schema": {"type": "string", "maxLength": idempotency.MAX_KEY_LENGTH},
        "description": "Any unique string per report (a UUID): a retry with the same key never creates a second "
                       "report and gets the first answer again",
    }]}


# --- sending a report ---------------------------------------------------------------------

@router.post(
    "/reports", response={201: ReportCreated, **ERRORS}, url_name="reports_create", summary="Send a report",
    openapi_extra=_create_body_schema(),
    description="Creates a report as the web form does (same checks and limits) and routes it. Send an "
                "Idempotency-Key so that a retry never makes a second report. The answer holds the "
                "citizen's secret token once.",
)
def create_report(request):
    length = _content_length(request)
    if length > max_body_bytes():
        raise ApiError(413, _("The request is too large: at most %(n)d photos of %(mb)d MB each.")
                       % {"n": settings.MAX_PHOTOS, "mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)})
    key = idempotency.scoped_key(request.headers.get(idempotency.HEADER))
    data, uploads = _submitted(request)
    print_ = idempotency.fingerprint(data, uploads) if key else None
    if key:
        replay = idempotency.recall(key, print_) or _replay_without_token(request, key)
        if replay:
            return _replayed(*replay)
    rate_limit("api-write", client_ip(request), WRITES_PER_WINDOW, WRITE_WINDOW_SECONDS)
    form = _validated(data, uploads)
    form.park_photos()
    submission = form.submission()
    try:
        report, token = workflow.submit(channel=Channel.API, idempotency_key=key, **submission)
    except workflow.WorkflowError as error:
        _discard(form.tray.names())
        raise ApiError(400, str(error))
    if token is None:
        # A concurrent retry with the same key created the report first.
        _discard(form.tray.names())
        replay = idempotency.wait_for(key, print_) or _replay_without_token(request, key)
        return _replayed(*replay)
    body = _created_body(request, report, token)
    if key:
        idempotency.remember(key, print_, 201, body)
    return json_response(201, body)


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, _("The Content-Length header is not a number."))


def _submitted(request):
    """(fields as a QueryDict, photo uploads) from a multipart, urlencoded or JSON body."""
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(400, _("The request body is not valid JSON."))
        if not isinstance(payload, dict):
            raise ApiError(400, _("The request body must be a JSON object."))
        data = QueryDict(mutable=True)
        for name, value in payload.items():
            if isinstance(value, dict | list):
                raise ApiError(400, _("This must be text, a number or true/false."), str(name))
            data[str(name)] = _form_value(value)
        return data, []
    if request.content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ApiError(415, _("Send the report as multipart/form-data (with photos) or as JSON."))
    data = request.POST.copy()
    # The web form's carried-photo fields are not part of the API.
    for name in (CARRIED_PHOTO_FIELD, REMOVE_PHOTO_FIELD, "idempotency_key"):
        data.pop(name, None)
    return data, request.FILES.getlist("photos")


def _form_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def _validated(data, uploads):
    """A bound, valid ReportForm, or ApiError with the form's messages."""
    if len(uploads) > settings.MAX_PHOTOS:
        raise ApiError(400, _("Send at most %(n)d photos.") % {"n": settings.MAX_PHOTOS}, "photos")
    notify = data.pop("notify", [""])[-1].strip().lower()
    if notify and notify not in NOTIFY_CHOICES:
        raise ApiError(400, _("notify must be email, sms or none."), "notify")
    form = ReportForm(data, MultiValueDict({"photos": uploads}))
    # The form's own choice field, so that its checks apply (an address for
    # the channel chosen, a mobile number for SMS).
    form.data["notify_by"] = notify
    ward_code = data.get("ward", "")
    if ward_code:
        # The API names wards by their stable code; the form lists them by id.
        ward = next((w for w in form.wards if w.code == ward_code), None)
        if ward is None:
            raise ApiError(422, _("There is no ward with the code “%(value)s”.") % {"value": ward_code}, "ward")
        form.data["ward"] = str(ward.pk)
    if data.get("confidential", "").lower() in ("false", "0", "no", "off"):
        form.data["confidential"] = ""
    if not form.is_valid():
        raise form_error(form)
    return form


def _created_body(request, report, token):
    private = reverse("public:private", args=[report.code, token]) if token else None
    return {
        "code": report.code,
        "status": report.status,
        "received_at": api_output.local(report.received_at),
        "ack_due": api_output.local(report.ack_due),
        "resolve_due": api_output.local(report.resolve_due),
        **api_output.links(request, report.code),
        "token_included": token is not None,
        "citizen_token": token,
        "private_url": api_output.absolute(request, private) if private else None,
        "notify": _notified_by(report),
    }


def _notified_by(report):
    channels = set(report.subscriptions.filter(is_reporter=True).values_list("channel", flat=True))
    return "email" if NotifyChannel.EMAIL in channels else "sms" if NotifyChannel.SMS in channels else "none"


def _replay_without_token(request, key):
    """(201, body) for a report made with `key` whose first answer is no longer kept."""
    report = Report.objects.filter(idempotency_key=key).first()
    if report is None:
        return None
    return 201, _created_body(request, report, None)


def _replayed(status, body):
    response = json_response(status, body)
    response["Idempotent-Replayed"] = "true"
    return response


def _discard(names):
    for name in names:
        storages["incoming"].delete(name)


# --- reading reports -----------------------------------------------------------------------

@router.get("/reports", response={200: ReportPage, **ERRORS}, url_name="reports", summary="List reports",
            description="Public reports, newest first, in pages (cursor). No reporter data.")
def list_reports(request, params: Query[ListParams]):
    listing = api_list.parse(params)
    rows, next_cursor = api_list.page(api_output.list_queryset(), listing)
    next_url = None
    if next_cursor:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"results": [api_output.list_row(request, row) for row in rows], "next": next_url,
            "next_cursor": next_cursor}


@router.get("/reports/{code}", response={200: ReportOut, **ERRORS}, url_name="report", summary="One report",
            description="Status, deadlines, outcome, photos and public history. No reporter data.")
def get_report(request, code: str):
    return api_output.detail(request, _public_report(code))


def _public_report(code):
    normalized = normalize_tracking_code(code)
    if normalized is None:
        raise ApiError(404, _("There is no report with this tracking code."), "code")
    return reportpage.get_report(normalized)


# --- the citizen's own actions ----------------------------------------------------------------

@router.post("/reports/{code}/rating", response={200: ReportOut, 403: ErrorBody, **ERRORS}, url_name="report_rate",
             summary="Rate the result (citizen)",
             description="With the citizen_token of the report. Satisfied closes it; unsatisfied reopens it.")
def rate_report(request, code: str, payload: RatingIn):
    rate_limit("api-write", client_ip(request), WRITES_PER_WINDOW, WRITE_WINDOW_SECONDS)
    form = RatingForm({"rating": payload.rating, "comment": payload.comment})
    return _citizen_action(request, code, "rate", payload.token, form)


@router.post("/reports/{code}/reopen", response={200: ReportOut, 403: ErrorBody, **ERRORS}, url_name="report_reopen",
             summary="Reopen: still not fixed (citizen)",
             description="With the citizen_token, within the rating window after a resolution.")
def reopen_report(request, code: str, payload: ReopenIn):
    rate_limit("api-write", client_ip(request), WRITES_PER_WINDOW, WRITE_WINDOW_SECONDS)
    form = ReopenForm({"comment": payload.comment})
    return _citizen_action(request, code, "reopen", payload.token, form)


def _citizen_action(request, code, action, token, form):
    report = _public_report(code)
    if not form.is_valid():
        raise form_error(form)
    try:
        workflow.apply(report, action, workflow.Citizen(token), **form.cleaned_data)
    except workflow.NotAllowed as error:
        raise ApiError(403, str(error), "token")
    except workflow.WorkflowError as error:
        raise ApiError(409, str(error))
    return api_output.detail(request, reportpage.get_report(report.code))

