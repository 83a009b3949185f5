from django.contrib import admin

from .models import DayOverride


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_working", "note"]
    list_filter = ["is_working"]
