"""The outbox in the admin, read-only (rows are written by the workflow and
the worker); webhook endpoints, which administrators manage; subscriptions,
which may be removed when someone asks to hear no more."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from phananh.reports.admin import NoWrites

from .models import Attempt, Notification, Subscription, WebhookEndpoint, new_webhook_secret
from .webhooks import EVENT_TYPES


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
    fields = ["report", "event", "channel", "recipient", "webhook", "language", "subject", "body", "status",
              "attempts", "next_attempt_at", "last_error", "created_at", "sent_at"]
    readonly_fields = fields
    inlines = [AttemptInline]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Where the events are POSTed. Use https."))
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=EVENT_TYPES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to receive every event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["unit", "url", "description", "active", "event_types"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["unit", "url", "active", "description", "created_at"]
    list_filter = ["active"]
    search_fields = ["unit__name", "unit__code", "url"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["secret", "created_at"]
    actions = ["new_secret"]

    def get_fields(self, request, obj=None):
        fields = ["unit", "url", "description", "active", "event_types"]
        # The secret exists once the endpoint is saved: shown to copy into the receiver.
        return fields + ["secret", "created_at"] if obj else fields

    @admin.action(description=_("Give the selected endpoints a new signing secret"))
    def new_secret(self, request, queryset):
        count = 0
        for endpoint in queryset:
            endpoint.secret = new_webhook_secret()
            endpoint.save(update_fields=["secret"])
            count += 1
        self.message_user(request, ngettext(
            "%(count)d endpoint has a new secret: give it to the receiving system.",
            "%(count)d endpoints have a new secret: give it to the receiving systems.", count,
        ) % {"count": count}, messages.SUCCESS)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["report", "channel", "short_address", "is_reporter", "language", "created_at"]
    list_filter = ["channel", "is_reporter"]
    search_fields = ["=report__code", "=address"]
    list_select_related = ["report"]
    ordering = ["-id"]
    show_full_result_count = False
    fields = ["report", "channel", "address", "push_keys", "language", "is_reporter", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("address"))
    def short_address(self, obj):
        return obj.address if len(obj.address) <= 60 else obj.address[:57] + "…"
