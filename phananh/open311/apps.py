from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "phananh.open311"
    label = "open311"
    verbose_name = _("Open311 API")

    def ready(self):
        from . import services

        services.watch_for_changes()
