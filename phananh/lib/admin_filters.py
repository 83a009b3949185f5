"""Admin list filters shared by the apps."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class RevocationFilter(admin.SimpleListFilter):
    """Active or revoked, for credentials with a `revoked_at` (API keys, staff tokens)."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("revoked", _("revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset
