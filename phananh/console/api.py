"""Staff endpoints of the native API (/api/v1/staff/...), with a bearer token.

They are the console over HTTP and reuse its parts rather than copying them:
the queue (`queue.reports_for` / `queue.page`, visibility from
`units.access`), the pickers' territory (`scope`), the report lookup that
answers 404 for what a person may not see (`report_page`), and for every
action the console's own form and `actions.refusal`, then `workflow.apply`.
The workflow stays the only judge of what is allowed; its messages are
passed on as they are.

Forms pick units, categories and officers by database id; the API names
them by code (units, categories) and username (officers), set on the same
form fields with `to_field_name`, so validation and scoping stay the form's.
"""

import json
from typing import Literal

from django.conf import settings
from django.core.files.storage import storages
from django.http import Http404, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from phananh.api_errors import ApiError, ErrorBody, form_error
from phananh.intake.api import Ref
from phananh.lib import clock
from phananh.lib.codes import normalize_tracking_code
from phananh.reports import search, workflow
from phananh.reports.models import Category, Status

from . import actions, api_output, queue, report_page, scope
from .tokens import StaffTokenAuth

router = Router(tags=["staff"], auth=StaffTokenAuth())

MAX_LIMIT = 100
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
ActionName = Literal[tuple(actions.ACTIONS)]


# --- schemas ---------------------------------------------------------------------------------

class Person(Schema):
    username: str
    name: str


class QueueRow(Schema):
    code: str
    status: str
    status_label: str
    outcome: str
    category: Ref
    description: str
    address: str
    lat: float | None
    lng: float | None
    ward: Ref | None
    unit: Ref | None
    assignee: Person | None
    received_at: str
    ack_due: str | None
    resolve_due: str | None
    overdue: bool = Field(description="Open and past its resolve-by deadline")
    extension_requested_until: str | None
    reopen_count: int
    url: str


class QueuePage(Schema):
    order: str = Field(description="due: open work, soonest deadline first; new: newest first")
    results: list[QueueRow]
    next: str | None
    next_cursor: str | None


class QueueParams(Schema):
    status: str = Field("", description="open (default), all, or one status (e.g. in_progress)")
    category: str = Field("", description="Category code")
    unit: str = Field("", description="Handling unit code (one of the units you work for or coordinate)")
    ward: str = Field("", description="Ward code")
    overdue: str = Field("", description="true: only open reports past their deadline")
    mine: str = Field("", description="true: only reports assigned to you")
    extension: str = Field("", description="true: only reports with an extension request waiting")
    q: str = Field("", description="Words, a category or a tracking code; accents optional")
    cursor: str = Field("", description="From `next_cursor` of the previous page")
    limit: str = Field("", description=f"Rows per page, 1 to {MAX_LIMIT} (default {queue.PAGE_SIZE})")


class Reporter(Schema):
    name: str
    phone: str
    email: str


class Extension(Schema):
    until: str | None
    reason: str


class EventOut(Schema):
    seq: int
    type: str
    title: str = Field(description="In words, in the language asked for")
    details: list[str]
    actor: str
    actor_role: str
    public: bool = Field(description="False: internal, never shown to the public")
    at: str
    payload: dict


class PhotoOut(Schema):
    url: str
    thumbnail_url: str
    width: int | None
    height: int | None


class StaffReport(Schema):
    code: str
    status: str
    status_label: str
    outcome: str
    category: Ref
    description: str
    address: str
    lat: float | None
    lng: float | None
    ward: Ref | None
    unit: Ref | None
    channel: str
    assignee: Person | None
    received_at: str
    ack_due: str | None
    resolve_due: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    closed_at: str | None
    overdue: bool
    acknowledge_late: bool
    extension: Extension | None = Field(description="A pending extension request")
    result_text: str
    public_reason: str
    rating: str
    rating_comment: str
    reopen_count: int
    duplicate_of: str | None
    duplicates: list[str]
    confidential: bool
    reporter: Reporter | None = Field(description="Null when you may not see who reported it (confidential "
                                                  "reports are hidden from unit staff)")
    routing_reason: str | None
    photos: list[PhotoOut]
    proof_photos: list[PhotoOut]
    photos_processing: int
    events: list[EventOut] = Field(description="Every event, internal ones included, oldest first")
    actions: list[str] = Field(description="Actions you can take now")
    url: str
    console_url: str
    web_url: str


class Choice(Schema):
    value: str
    label: str


class ActionField(Schema):
    name: str
    required: bool
    label: str
    help: str
    type: str = Field(description="text, integer, date, choice, code (unit/category), username (officer), photos")
    choices: list[Choice] | None


class ActionSpec(Schema):
    name: str
    title: str
    button: str
    warning: str = Field(description="What cannot be undone, when something cannot")
    fields: list[ActionField]


class ActionDone(Schema):
    message: str
    status: str = Field(description="The report's status after the action")
    report: StaffReport | None = Field(description="Null when the action took the report out of your sight "
                                                   "(e.g. returned to the coordinator)")


class ActionIn(Schema):
    """Every input any action takes; each action reads its own (GET .../actions lists them)."""

    unit: str | None = Field(None, description="route: code of the unit to send it to")
    category: str | None = Field(None, description="route (optional) and reclassify: category code")
    reason: str | None = Field(None, description="reject (public), return, request_extension, decline_extension, "
                                                 "reset_deadlines")
    original: str | None = Field(None, description="merge: tracking code of the original report")
    officer: str | None = Field(None, description="assign_officer: username (an officer can only name themself; "
                                                  "default: yourself)")
    days: int | None = Field(None, description="request_extension: 1 to 30 working days")
    outcome: str | None = Field(None, description="resolve: fixed, cannot_fix or referred")
    result: str | None = Field(None, description="resolve: what was done, for the citizen")
    referred_to: str | None = Field(None, description="resolve with referred: the organisation")
    planned_date: str | None = Field(None, description="resolve with cannot_fix: YYYY-MM-DD (optional)")
    text: str | None = Field(None, description="note: the internal note")


ERRORS = {status: ErrorBody for status in (400, 401, 403, 404, 409, 413, 415, 422, 429)}


def _action_body_schema():
    schema = ActionIn.model_json_schema()
    multipart = json.loads(json.dumps(schema))
    multipart["properties"]["photos"] = {
        "type": "array", "items": {"type": "string", "format": "binary"},
        "description": f"resolve: photos of the fix, up to {settings.MAX_PHOTOS} (required for fixed)",
    }
    return {"requestBody": {"required": False, "content": {
        "application/json": {"schema": schema},
        "multipart/form-data": {"schema": multipart},
    }}}


# --- the queue -----------------------------------------------------------------------------------

@router.get("/staff/queue", response={200: QueuePage, **ERRORS}, url_name="staff_queue", summary="Your work queue",
            description="The reports you can see, as in the console: open work by deadline, soonest first; "
                        "finished work newest first. Cursor pages.")
def staff_queue(request, params: Query[QueueParams]):
    user = request.auth
    filters = _filters(user, params)
    cursor = _text(params.cursor, "cursor", 300)
    if cursor and queue.decode_cursor(cursor, filters.order) is None:
        raise ApiError(400, _("This cursor is not valid. Start again from the first page."), "cursor")
    now = clock.now()
    page = queue.page(queue.reports_for(user, filters, now), filters.order, cursor, now, size=_limit(params.limit))
    next_url = None
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"order": page.order, "results": [api_output.queue_row(request, row) for row in page.rows],
            "next": next_url, "next_cursor": page.next_cursor}


def _text(value, name, max_length=200):
    value = (value or "").strip()
    if "\x00" in value:
        raise ApiError(400, _("This value contains a null character."), name)
    if len(value) > max_length:
        raise ApiError(400, _("This value is too long (at most %(n)d characters).") % {"n": max_length}, name)
    return value


def _flag(value, name):
    value = _text(value, name).lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ApiError(400, _("Use true or false."), name)


def _filters(user, params):
    status = _text(params.status, "status") or queue.OPEN
    if status not in (queue.OPEN, queue.ALL, *Status.values):
        raise ApiError(422, _("Unknown status “%(value)s”. Use open, all or a status (e.g. in_progress).")
                       % {"value": status}, "status")
    filters = queue.Filters(status=status, overdue=_flag(params.overdue, "overdue"), mine=_flag(params.mine, "mine"),
                            extension=_flag(params.extension, "extension"))
    code = _text(params.category, "category")
    if code:
        filters.category = Category.objects.filter(code=code).first()
        if filters.category is None:
            raise ApiError(422, _("Unknown category “%(value)s”.") % {"value": code}, "category")
    code = _text(params.unit, "unit")
    if code:
        filters.unit = scope.filter_units(user).filter(code=code).first()
        if filters.unit is None:
            raise ApiError(422, _("“%(value)s” is not a unit whose reports you can see.") % {"value": code}, "unit")
    code = _text(params.ward, "ward")
    if code:
        filters.ward = scope.filter_wards(user).filter(code=code).first()
        if filters.ward is None:
            raise ApiError(422, _("“%(value)s” is not a ward in your area.") % {"value": code}, "ward")
    q = _text(params.q, "q", search.MAX_QUERY_LENGTH)
    if q:
        filters.search = search.condition(q)
        if filters.search is None:
            raise ApiError(400, _("Type at least one letter or digit to search."), "q")
    return filters


def _limit(raw):
    raw = _text(raw, "limit", 10)
    if not raw:
        return queue.PAGE_SIZE
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, _("limit must be a whole number from 1 to %(n)d.") % {"n": MAX_LIMIT}, "limit")
    return limit


# --- one report -----------------------------------------------------------------------------------

def _visible(user, code):
    """The report if `user` may see it; 404 with the same words whether it
    exists or not, as the console does, so existence is never revealed."""
    try:
        return report_page.get_visible_report(user, code)
    except Http404:
        shown = normalize_tracking_code(code) or code[:20]
        raise ApiError(404, _("There is no report %(code)s that you can see.") % {"code": shown}, "code")


@router.get("/staff/reports/{code}", response={200: StaffReport, **ERRORS}, url_name="staff_report",
            summary="A report, with its internal history")
def staff_report(request, code: str):
    return api_output.detail(request, _visible(request.auth, code), request.auth)


@router.get("/staff/reports/{code}/actions", response={200: list[ActionSpec], **ERRORS}, url_name="staff_actions",
            summary="Actions you can take on a report now, with their inputs")
def staff_actions(request, code: str):
    user = request.auth
    report = _visible(user, code)
    specs = []
    for action in actions.offered(report, user):
        form = _form(action, report, user)
        specs.append(api_output.action_spec(action, form))
    return specs


@router.post(
    "/staff/reports/{code}/actions/{action}", response={200: ActionDone, **ERRORS}, url_name="staff_act",
    summary="Take an action on a report", openapi_extra=_action_body_schema(),
    description="Any workflow action a person can take in the console. Send its inputs as JSON, or as "
                "multipart/form-data (resolve with photos of the fix). 403 when you may not take it, 409 when "
                "the report's state does not allow it now, 400 when an input is wrong.",
)
def staff_act(request, code: str, action: ActionName):
    user = request.auth
    report = _visible(user, code)
    spec = actions.ACTIONS[action]
    refused = actions.refusal(report, user, action)
    if refused:
        message, status = refused
        raise ApiError(status, message)
    data, files = _action_input(request)
    if action == "assign_officer" and not data.get("officer"):
        data["officer"] = user.username  # taking it oneself, the common case on a phone
    form = _form(spec, report, user, data, files)
    if not form.is_valid():
        raise form_error(form)
    try:
        done = actions.perform(form, report, user)
    except workflow.NotAllowed as error:
        _discard_parked(form)
        raise ApiError(403, str(error))
    except workflow.WorkflowError as error:
        _discard_parked(form)
        report.refresh_from_db()
        refused = actions.refusal(report, user, action)  # someone else moved it meanwhile?
        raise ApiError(refused[1] if refused else 400, str(error))
    message = str(spec.done) % {"code": report.code}
    if not report_page.still_visible(user, done):
        return {"message": message, "status": done.status, "report": None}
    fresh = report_page.get_visible_report(user, done.code)
    return {"message": message, "status": fresh.status, "report": api_output.detail(request, fresh, user)}


def _form(action, report, user, data=None, files=None):
    form = action.form_class(data, files, report=report, user=user, prefix=None)
    for name, attribute in api_output.CODE_FIELDS.items():
        if name in form.fields:
            form.fields[name].to_field_name = attribute
    return form


def _action_input(request):
    """(data QueryDict, files) from a JSON, multipart or urlencoded body (an empty body is no input)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, _("The Content-Length header is not a number."))
    if length > settings.MAX_PHOTOS * settings.MAX_UPLOAD_BYTES + 64 * 1024:
        raise ApiError(413, _("The request is too large: at most %(n)d photos of %(mb)d MB each.")
                       % {"n": settings.MAX_PHOTOS, "mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)})
    data = QueryDict(mutable=True)
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = request.POST.copy()
        data.pop("kept", None)  # the console's signed carry-over of photos; not part of the API
        photos = request.FILES.getlist("photos")
        if len(photos) > settings.MAX_PHOTOS:
            raise ApiError(400, _("Send at most %(n)d photos.") % {"n": settings.MAX_PHOTOS}, "photos")
        return data, MultiValueDict({"photos": photos})
    if request.body:
        if request.content_type != "application/json":
            raise ApiError(415, _("Send the action's inputs as JSON or as multipart/form-data."))
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise ApiError(400, _("The request body is not valid JSON."))
        if not isinstance(payload, dict):
            raise ApiError(400, _("The request body must be a JSON object."))
        for name, value in payload.items():
            if isinstance(value, dict | list):
                raise ApiError(400, _("This must be text, a number or true/false."), str(name))
            if value is not None:
                data[str(name)] = str(value).lower() if isinstance(value, bool) else str(value)
    return data, MultiValueDict()


def _discard_parked(form):
    """Photos parked for a resolve that did not happen: delete them now
    rather than leave them for the sweep."""
    for name, _label in getattr(form, "kept_photos", []):
        storages["incoming"].delete(name)
