"""Admin for reference data (categories) and a read-only view of reports.

Reports change only through `workflow.apply`, which also writes the Event
that the statistics and the audit chain are built from; an admin edit would
bypass both, so reports are view-only here and events cannot be touched at
all. Category codes are a contract (Open311 service_code, routing, training
data): editable when a category is created, read-only afterwards.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Category, CategoryGroup, Event, Media, Report


class CodeReadOnlyOnChange:
    """Let `code` be typed when the object is created, never changed after."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and "code" not in fields:
            fields.append("code")
        return fields


class CategoryInline(admin.TabularInline):
    model = Category
    fields = ["code", "name_vi", "name_en", "handler", "ack_hours", "resolve_days", "position", "is_active"]
    readonly_fields = ["code"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # new categories are added on their own page, where the code can be typed


@admin.register(CategoryGroup)
class CategoryGroupAdmin(CodeReadOnlyOnChange, admin.ModelAdmin):
    list_display = ["name_vi", "name_en", "code", "position"]
    list_editable = ["position"]
    search_fields = ["code", "name_vi", "name_en"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(CodeReadOnlyOnChange, admin.ModelAdmin):
    list_display = ["name_vi", "name_en", "code", "group", "handler", "ack_hours", "resolve_days", "is_active"]
    list_filter = ["group", "is_active", "handler"]
    search_fields = ["code", "name_vi", "name_en"]
    list_select_related = ["group"]


class NoWrites:
    """Viewable by those with view permission; nobody adds, edits or deletes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    pass


class MediaInline(NoWrites, admin.TabularInline):
    model = Media
    fields = ["kind", "preview", "width", "height", "created_at"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("photo"))
    def preview(self, obj):
        if not obj.ready:
            return _("being processed")
        return format_html('<a href="{}"><img src="{}" alt="" style="max-height:80px"></a>',
                           obj.image.url, obj.thumbnail.url)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["code", "category", "status", "unit", "ward", "channel", "received_at", "resolve_due"]
    list_filter = ["status", "channel", "category__group"]
    search_fields = ["=code"]
    list_select_related = ["category", "unit", "ward"]
    ordering = ["-received_at", "-id"]
    # The full-table COUNT is what makes big admin changelists slow.
    show_full_result_count = False
    inlines = [MediaInline]
    fields = [
        "code", "category", "status", "unit", "assignee", "ward", "address", "lat", "lng", "description",
        "channel", "received_at", "ack_due", "resolve_due", "acknowledged_at", "resolved_at", "closed_at",
        "extension_requested_until", "extension_reason", "outcome", "result_text", "public_reason",
        "duplicate_of", "rating", "rating_comment", "reopen_count", "confidential",
    ]
    readonly_fields = fields


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "report", "type", "actor", "actor_role", "unit", "public", "created_at"]
    list_filter = ["type", "public", "actor_role"]
    search_fields = ["=report__code"]
    list_select_related = ["report", "actor", "unit"]
    ordering = ["-seq"]
    show_full_result_count = False
    fields = ["seq", "report", "type", "actor", "actor_role", "unit", "public", "payload", "created_at",
              "prev_hash", "hash"]
    readonly_fields = fields
