"""Admin for the unit tree: units with their members, and area boundaries.

Boundaries come from GeoJSON imports (`manage.py import_areas`); the admin
shows a summary of each polygon but never edits coordinates by hand.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from .models import Area, Membership, Unit, UnitKind


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class ParentFilter(admin.SimpleListFilter):
    """Units under a province or district. Listing every possible parent would
    put 3,000 wards (parents of their police posts) in the sidebar."""

    title = _("parent unit")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        parents = Unit.objects.filter(kind__in=[UnitKind.PROVINCE, UnitKind.DISTRICT]).order_by("name")
        return [(str(u.pk), u.name) for u in parents]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(parent_id=int(self.value()))
        return queryset


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "subtype", "parent", "is_active"]
    list_filter = ["kind", "subtype", ParentFilter, "is_active"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Every membership of a person at a glance, searchable by user or unit."""

    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__code"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "synthetic", "source", "updated_at"]
    list_filter = ["synthetic"]
    search_fields = ["name", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    fields = ["name", "unit", "synthetic", "source", "geometry_summary", "bounding_box", "updated_at"]
    readonly_fields = ["geometry_summary", "bounding_box", "updated_at"]

    def has_add_permission(self, request):
        # An area without a polygon would break routing; they are imported.
        return False

    @admin.display(description=_("geometry"))
    def geometry_summary(self, obj):
        try:
            geom = shape(obj.geometry)
        except (AttributeError, KeyError, TypeError, ValueError):
            return _("Not a valid GeoJSON geometry")
        polygons = list(getattr(geom, "geoms", [geom]))
        points = sum(len(p.exterior.coords) for p in polygons if hasattr(p, "exterior"))
        return _("%(type)s: %(parts)d part(s), %(points)d boundary points, %(valid)s") % {
            "type": geom.geom_type, "parts": len(polygons), "points": points,
            "valid": _("valid") if geom.is_valid else _("INVALID (self-intersecting)"),
        }

    @admin.display(description=_("bounding box"))
    def bounding_box(self, obj):
        return _("latitude %(min_lat).5f to %(max_lat).5f, longitude %(min_lng).5f to %(max_lng).5f") % {
            "min_lat": obj.min_lat, "max_lat": obj.max_lat, "min_lng": obj.min_lng, "max_lng": obj.max_lng,
        }
