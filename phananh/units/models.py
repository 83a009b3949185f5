from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province / city")
    DISTRICT = "district", _("District (before 2025)")
    WARD = "ward", _("Ward / commune")
    DEPARTMENT = "department", _("Department")
    UTILITY = "utility", _("Public utility")
    COORDINATOR = "coordinator", _("Coordination centre")


class Unit(models.Model):
    """A body that receives or handles reports, placed in a tree of any depth.

    `path` is a materialised path of ids ("/1/7/42/") so that "everything under
    this province" is one indexed prefix query instead of a recursive walk.
    `subtype` narrows a kind: water / lighting / drainage / parks / power /
    telecom for utilities, transport / health / education for departments,
    police for a ward's police post.
    """

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"), max_length=64, unique=True,
        help_text=_("Stable identifier, e.g. the statistics office code of a ward."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, db_index=True)
    subtype = models.SlugField(_("subtype"), max_length=32, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    started_on = models.DateField(
        _("in service since"), null=True, blank=True,
        help_text=_("Reports before this date are left out of comparisons between units."),
    )
    # Moves on every save: how other processes notice that their copy of the
    # unit tree (phananh.units.directory) is out of date.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "subtype"])]

    def __str__(self):
        return self.name

    @property
    def handler_kind(self):
        return f"{self.kind}:{self.subtype}" if self.subtype else self.kind

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if new_path != self.path:
            old_path, self.path = self.path, new_path
            Unit.objects.filter(pk=self.pk).update(path=new_path)
            if old_path:
                for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.save()

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.path)


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    HEAD = "head", _("Unit head")
    COORDINATOR = "coordinator", _("Coordinator")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="one_membership_per_unit")
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class Area(models.Model):
    """A polygon on the ground bound to the ward/commune responsible for it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=200)
    geometry = models.JSONField(_("GeoJSON geometry"))
    min_lat = models.FloatField()
    min_lng = models.FloatField()
    max_lat = models.FloatField()
    max_lng = models.FloatField()
    synthetic = models.BooleanField(
        _("synthetic boundary"), default=False,
        help_text=_("Generated for demonstration, not an official boundary."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        return self.name
