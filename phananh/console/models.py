from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffToken(models.Model):
    """A bearer token for the staff API, acting as one person.

    Only the SHA-256 of the token is stored: a copy of the database does not
    let anyone act as staff. The first characters are kept in clear so that a
    person can tell their tokens apart (and an admin can revoke the right one).
    A revoked token stays in the table, so the admin shows when and that it
    existed.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, blank=True,
        help_text=_("What the token is for, e.g. “field app on Lan's phone”."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("created"), editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("staff API token")
        verbose_name_plural = _("staff API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        label = self.name or self.prefix
        return f"{self.user} · {label}"

    @property
    def is_active(self):
        return self.revoked_at is None
