"""Admin: Open311 keys (create, show once, revoke), category questions, submissions.

A new key is shown on the page that follows its creation and never again:
only its hash is stored. It is rendered into that page directly rather than
passed through the messages framework, whose cookie would carry it.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from phananh.lib.admin_filters import RevocationFilter
from phananh.reports.admin import NoWrites

from . import keys
from .models import LIST_DATATYPES, ApiKey, AttributeValue, ServiceAttribute, Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "state", "last_used_at", "created_at", "rate_limit"]
    list_filter = [RevocationFilter]
    search_fields = ["name", "prefix"]
    fields = ["name", "rate_limit", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_keys"]

    def has_delete_permission(self, request, obj=None):
        return False  # submissions point at their key; revoke instead

    @admin.display(description=_("state"), ordering="revoked_at")
    def state(self, obj):
        if obj.revoked_at:
            return _("revoked on %(date)s") % {"date": date_format(localtime(obj.revoked_at), "d/m/Y H:i")}
        return _("active")

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        count = keys.revoke(queryset)
        self.message_user(request, ngettext("%(n)d key revoked.", "%(n)d keys revoked.", count) % {"n": count},
                          messages.SUCCESS)

    def get_fields(self, request, obj=None):
        return self.fields if obj is not None else ["name", "rate_limit"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            # Saving a new key always leads to the page that shows it, once.
            context.update(show_save_and_add_another=False, show_save_and_continue=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj._new_key = keys.assign_new_key(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("New Open311 API key"),
            "api_key": obj,
            "key": obj._new_key,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "open311/admin/key_created.html", context)


class ChoicesFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The formset's instance already carries the kind chosen on this save.
        if self.instance.datatype in LIST_DATATYPES:
            kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
            if not kept:
                raise ValidationError(_("A list question needs at least one choice."))


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    formset = ChoicesFormSet
    fields = ["key", "name_vi", "name_en", "position"]
    extra = 1


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "order", "code", "description_vi", "datatype", "required", "variable"]
    list_filter = ["category", "datatype"]
    list_select_related = ["category"]
    search_fields = ["code", "description_vi", "description_en", "category__code"]
    fields = ["category", "code", "order", "variable", "datatype", "required", "description_vi", "description_en",
              "datatype_description_vi", "datatype_description_en"]
    inlines = [AttributeValueInline]


@admin.register(Submission)
class SubmissionAdmin(NoWrites, admin.ModelAdmin):
    list_display = ["report", "api_key", "created_at", "device_id", "account_id", "media_url"]
    list_select_related = ["report", "api_key"]
    list_filter = ["api_key"]
    search_fields = ["=report__code", "=token", "=account_id"]
    ordering = ["-id"]
    show_full_result_count = False
    fields = ["report", "api_key", "token", "created_at", "device_id", "account_id", "media_url", "attributes"]
    readonly_fields = fields
