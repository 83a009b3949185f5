from django.db import models
from django.utils.translation import gettext_lazy as _


class DayOverride(models.Model):
    """A day that differs from the usual calendar: an extra day off decided by
    the city, or a make-up working day (ngày làm bù) on a weekend."""

    day = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(
        _("working day"), help_text=_("Ticked: a make-up working day. Unticked: an extra day off.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} · {self.note}"
