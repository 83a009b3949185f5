from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "phananh.sla"
    verbose_name = _("Working time and deadlines")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import DayOverride
        from .service import forget_calendar

        post_save.connect(forget_calendar, sender=DayOverride)
        post_delete.connect(forget_calendar, sender=DayOverride)
