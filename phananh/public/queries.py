"""Report querysets for the public list and home page.

Rows come with category, ward and unit joined and the first ready photo
prefetched (one extra query per page, not one per row), and never with the
reporter's contact fields.
"""

from django.db.models import Prefetch

from phananh.reports.models import Media, MediaKind, Report

from .statuses import STATUS_GROUPS

ROW_FIELDS = (
    "id", "code", "description", "address", "status", "outcome", "received_at",
    "category__id", "category__name_vi", "category__name_en",
    "ward__id", "ward__name", "unit__id", "unit__name",
)


def public_rows():
    # All columns: deferring width/height would cost a query per photo (ImageField reads them on load).
    photos = Media.objects.filter(kind=MediaKind.EVIDENCE).exclude(thumbnail="")
    return (
        Report.objects.select_related("category", "ward", "unit")
        .only(*ROW_FIELDS)
        .prefetch_related(Prefetch("media", queryset=photos, to_attr="ready_photos"))
    )


def apply_filters(queryset, cleaned):
    """Narrow `queryset` with the valid values of a ReportFilterForm.

    The search condition (accent-insensitive, see phananh.reports.search)
    is a scan within the other filters, which use the indexes; the keyset
    page then stops at the page size."""
    if cleaned.get("q") is not None:
        queryset = queryset.filter(cleaned["q"])
    status = cleaned.get("status")
    if status in STATUS_GROUPS:
        queryset = queryset.filter(status__in=STATUS_GROUPS[status][1])
    if cleaned.get("category"):
        queryset = queryset.filter(category=cleaned["category"])
    if cleaned.get("ward"):
        queryset = queryset.filter(ward=cleaned["ward"])
    if cleaned.get("unit"):
        queryset = queryset.filter(unit=cleaned["unit"])
    return queryset


def latest(count=10):
    return list(public_rows().order_by("-received_at", "-id")[:count])
