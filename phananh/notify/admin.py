"""The outbox in the admin, read-only: rows are written by the workflow and the worker."""

from django.contrib import admin

from phananh.reports.admin import NoWrites

from .models import Attempt, Notification


class AttemptInline(NoWrites, admin.TabularInline):
    model = Attempt
    fields = ["started_at", "finished_at", "ok", "error"]
    readonly_fields = fields
    extra = 0


@admin.register(Notification)
class NotificationAdmin(NoWrites, admin.ModelAdmin):
    list_display = ["id", "report", "channel", "recipient", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["=report__code", "=recipient"]
    list_select_related = ["report"]
    ordering = ["-id"]
    show_full_result_count = False
    fields = ["report", "event", "channel", "recipient", "language", "subject", "body", "status", "attempts",
              "next_attempt_at", "last_error", "created_at", "sent_at"]
    readonly_fields = fields
    inlines = [AttemptInline]
