"""Filters and tags that write scorecard figures the same way on every page."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.formats import get_format, number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(ratio):
    """"67%" or, with nothing measured, a dash (never a misleading 0%)."""
    return "–" if ratio is None or ratio.percent is None else f"{ratio.percent}%"


@register.filter
def count_of_n(ratio):
    """"2 of 3" beside every percentage, so its weight is visible."""
    if ratio is None:
        return ""
    return _("%(count)s of %(n)s") % {"count": number_format(ratio.count, force_grouping=True),
                                      "n": number_format(ratio.n, force_grouping=True)}


@register.filter
def hours_range(median):
    """The median's bucket as a range of working hours: "4–4.5 h"."""
    if median is None or median.bucket is None:
        return "–"
    if median.high is None:
        return _("over %(hours)s h") % {"hours": number_format(median.low)}
    return f"{number_format(median.low)}–{number_format(median.high)} h"


@register.filter
def lookup(mapping, key):
    return mapping.get(key, 0) if mapping else 0


class Numbers:
    """number_format's result for this request's language, without its
    per-call settings lookups (a ranking formats thousands of numbers)."""

    def __init__(self):
        self.thousands = get_format("THOUSAND_SEPARATOR")
        self.decimal = get_format("DECIMAL_SEPARATOR")
        self.grouped = get_format("NUMBER_GROUPING") != 0

    def __call__(self, value):
        if isinstance(value, int):
            return f"{value:,}".replace(",", self.thousands) if self.grouped else str(value)
        return f"{value:g}".replace(".", self.decimal)


def _ratio(ratio, of, number):
    """(main, note) of a percentage cell: "67%" and "2 of 3"."""
    main = "–" if ratio.percent is None else f"{ratio.percent}%"
    return main, of % {"count": number(ratio.count), "n": number(ratio.n)}


def _cells(cells):
    """<td>s from (escaped label, main, note, alert). Plain string building
    with explicit escaping: format_html per cell costs more than the query."""
    out = []
    for label, main, note, alert in cells:
        main = f'<strong class="overdue">{escape(main)}</strong>' if alert else escape(main)
        note = f' <span class="pct">{escape(note)}</span>' if note else ""
        out.append(f'<td class="num" data-label="{label}"><span class="v">{main}{note}</span></td>')
    return "".join(out)


def _link(base, code, query, name):
    if base and code:
        return f'<a href="{escape(base.replace("__code__", code) + query)}">{escape(name)}</a>'
    return escape(name)


@register.simple_tag
def score_rows(rows, link_to="", period=None, show_rank=False):
    """The body of a scorecard table, one row per unit, category or ward.

    Built in Python rather than with an include per row: a ranking of a few
    hundred units would otherwise spend most of its 100 ms budget in the
    template engine. Every cell keeps its column name (data-label) for the
    phone layout and every percentage its count and n."""
    number = Numbers()
    of = _("%(count)s of %(n)s")
    label = {key: escape(text) for key, text in (
        ("rank", _("Rank")), ("received", _("Received")), ("ack", _("Acknowledged on time")),
        ("resolution", _("Resolved on time")), ("median", _("Median working hours")), ("fixed", _("Fixed")),
        ("satisfied", _("Satisfied")), ("reopened", _("Reopened")), ("overdue", _("Overdue now")))}
    open_text = _("of %(n)s open")
    link_base = reverse(link_to, args=["__code__"]) if link_to else ""
    query = f"?ky={period.value}" if period is not None else ""
    out = []
    for row in rows:
        median = row.median_hours
        rank = _cells([(label["rank"], number(row.rank), "", False)]) if show_rank else ""
        cells = [
            (label["received"], number(row.received), "", False),
            (label["ack"], *_ratio(row.on_time_ack, of, number), False),
            (label["resolution"], *_ratio(row.on_time_resolution, of, number), False),
            (label["median"], _median_text(median, number), f"n = {number(median.n)}", False),
            (label["fixed"], *_ratio(row.fixed_share, of, number), False),
            (label["satisfied"], *_ratio(row.satisfaction, of, number), False),
            (label["reopened"], *_ratio(row.reopen_rate, of, number), False),
            (label["overdue"], number(row.overdue_now), open_text % {"n": number(row.open_now)},
             bool(row.overdue_now)),
        ]
        note = f'<span class="row-note">{escape(row.hidden_reason)}</span>' if row.hidden_reason else ""
        out.append(f'<tr>{rank}<th scope="row">{_link(link_base, _code(row), query, row.name)}{note}</th>'
                   f"{_cells(cells)}</tr>")
    return mark_safe("\n".join(out))


def _code(row):
    target = getattr(row, "category", None) or getattr(row, "unit", None)
    return getattr(target, "code", "") if target is not None else ""


def _median_text(median, number):
    if median.bucket is None:
        return "–"
    if median.high is None:
        return _("over %(hours)s h") % {"hours": number(median.low)}
    return f"{number(median.low)}–{number(median.high)} h"


@register.simple_tag
def monthly_unit_rows(report):
    """The "by unit" rows of the city-wide monthly report (one per unit with
    reports that month), built in Python for the same reason as score_rows."""
    number = Numbers()
    of = _("%(count)s of %(n)s")
    labels = [escape(text) for text in (
        _("Received"), _("Resolved on time"), _("Resolved late"), _("Still overdue"),
        _("of which over 5 working days"), _("Satisfied"), _("Reopened"))]
    link_base = reverse("stats:unit_monthly", args=[f"{report.month:%Y-%m}", "__code__"])
    out = []
    for row in report.rows:
        on_time = row.on_time_resolution
        values = (
            (number(row.received), "", False),
            (number(row.res_on_time), "–" if on_time.percent is None else f"{on_time.percent}%", False),
            (number(row.res_late), "", False),
            (number(row.res_overdue), "", bool(row.res_overdue)),
            (number(row.bands["over_5_days"]), "", False),
            (*_ratio(row.satisfaction, of, number), False),
            (*_ratio(row.reopen_rate, of, number), False),
        )
        cells = [(label, *value) for label, value in zip(labels, values, strict=True)]
        name = _link(link_base, row.unit.code if row.unit else "", "", row.name)
        out.append(f'<tr><th scope="row">{name}</th>{_cells(cells)}</tr>')
    return mark_safe("\n".join(out))
