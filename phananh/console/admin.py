"""Staff API tokens in the admin: create one for a person (shown once), revoke."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from phananh.lib.admin_filters import RevocationFilter

from . import tokens
from .models import StaffToken


@admin.register(StaffToken)
class StaffTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "state"]
    list_filter = [RevocationFilter]
    search_fields = ["=user__username", "name", "=prefix"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name"]
        return ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        # The person a token acts for never changes; make a new token instead.
        return self.readonly_fields + (["user"] if obj is not None else [])

    @admin.display(description=_("state"))
    def state(self, obj):
        return _("revoked") if obj.revoked_at else _("active")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        created, raw = tokens.create(obj.user, obj.name)
        for name in ("pk", "key_hash", "prefix", "created_at"):
            setattr(obj, name, getattr(created, name))
        obj._state.adding = False
        messages.warning(request, format_html(
            "{} <code>{}</code>",
            _("Copy this token now; it is stored hashed and cannot be shown again:"), raw,
        ))

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token)
            count += 1
        self.message_user(request, ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
                          messages.SUCCESS)
