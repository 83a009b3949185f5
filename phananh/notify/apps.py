from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _event_recorded(sender, instance, created, raw=False, **kwargs):
    # Events are only ever inserted (phananh.reports.events.record), inside
    # the transaction of the change they record; fixtures (raw) are history.
    if created and not raw:
        from .outbox import on_recorded

        on_recorded(instance)


class NotifyConfig(AppConfig):
    name = "phananh.notify"
    verbose_name = _("Notifications")

    def ready(self):
        from . import checks  # noqa: F401  (registers the settings checks)

        post_save.connect(_event_recorded, sender="reports.Event", dispatch_uid="notify.event_recorded")
