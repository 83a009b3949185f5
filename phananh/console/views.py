"""Staff console views: the work queue, the report page and its actions."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from phananh.lib import clock
from phananh.reports.workflow import NotAllowed, WorkflowError
from phananh.units.access import is_staff_member, memberships

from . import actions, presets, queue, report_page
from .forms import QueueFilterForm


def staff_only(view):
    """Signed-in members of a unit (or superusers); others get a page that
    says why instead of an empty queue."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or is_staff_member(request.user)):
            return render(request, "console/not_member.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
def home(request):
    user = request.user
    params = presets.with_defaults(request.GET, user)
    form = QueueFilterForm(params, user=user)
    filters = form.filters()
    now = clock.now()
    page = queue.page(queue.reports_for(user, filters, now), filters.order, request.GET.get("after"), now)
    return render(request, "console/queue.html", {
        "form": form,
        "filters": filters,
        "page": page,
        "presets": presets.for_user(user, params),
        "next_query": presets.query_with(params, after=page.next_cursor) if page.next_cursor else None,
        "first_query": presets.query_with(params) if request.GET.get("after") else None,
        "filters_open": presets.has_extra_filters(params),
        "memberships": memberships(user),
        "nav": "queue",
    })


@staff_only
def report(request, code):
    item = report_page.get_visible_report(request.user, code)
    return render(request, "console/report.html", report_page.context(item, request.user))


@require_POST
@staff_only
def act(request, code, action):
    user = request.user
    item = report_page.get_visible_report(user, code)
    spec = actions.ACTIONS.get(action)
    if spec is None:
        raise Http404
    refused = actions.refusal(item, user, action)
    if refused:
        message, status = refused
        return _report_again(request, item, status, page_error=message)
    form = spec.form_class(request.POST, request.FILES, report=item, user=user)
    if form.is_valid():
        try:
            actions.perform(form, item, user)
        except NotAllowed as error:
            return _report_again(request, item, 403, page_error=str(error))
        except WorkflowError as error:
            form.add_error(None, str(error))
            item.refresh_from_db()  # someone else may have moved it meanwhile
        else:
            messages.success(request, spec.done % {"code": item.code})
            if report_page.still_visible(user, item):
                return redirect("console:report", code=item.code)
            return redirect("console:home")
    form.keep_after_failure()
    return _report_again(request, item, 400, failed_form=form)


def _report_again(request, item, status, **extra):
    context = report_page.context(item, request.user, **extra)
    return render(request, "console/report.html", context, status=status)
