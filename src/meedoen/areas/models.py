"""Areas as CBS divides the country: municipality (gemeente), district (wijk), neighbourhood (buurt)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CBS_CODE = RegexValidator(
    r"^(NL01|GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2}|BU[0-9]{4}[0-9A-Z]{4})$",
    _("Not a CBS area code (NL01, GM0000, WK000000, BU00000000)."),
)


class Area(models.Model):
    class Level(models.TextChoices):
        COUNTRY = "land", _("the Netherlands")
        MUNICIPALITY = "gemeente", _("municipality")
        DISTRICT = "wijk", _("district")
        NEIGHBOURHOOD = "buurt", _("neighbourhood")

    code = models.CharField(_("CBS code"), max_length=10, unique=True, validators=[CBS_CODE])
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    population = models.PositiveIntegerField(_("inhabitants"), null=True, blank=True)
    dwellings = models.PositiveIntegerField(_("dwellings"), null=True, blank=True)
    reference_year = models.PositiveSmallIntegerField(_("year of the figures"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["land", "gemeente"], parent__isnull=True)
                | models.Q(parent__isnull=False),
                name="area_only_country_and_municipalities_lack_a_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PostcodeArea(models.Model):
    """Which district (or neighbourhood) of a municipality a postcode lies in.

    A prefix is a four-digit postcode area ("5141") or a whole postcode ("5141AB"); the longest
    prefix that matches wins, so a street on a district border can be told apart from the rest of
    its postcode area. CBS publishes the full table ("Buurt, wijk en gemeente voor postcode
    huisnummer"); a municipality can load it or keep the few rows it needs.
    """

    municipality = models.ForeignKey(
        Area,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="postcode_areas",
        limit_choices_to={"level": Area.Level.MUNICIPALITY},
    )
    prefix = models.CharField(
        _("postcode or postcode area"),
        max_length=6,
        validators=[RegexValidator(r"^[0-9]{4}([A-Z]{2})?$", _("Four digits, or four digits and two capitals."))],
    )
    area = models.ForeignKey(
        Area, verbose_name=_("district or neighbourhood"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("postcode area")
        verbose_name_plural = _("postcode areas")
        ordering = ["municipality", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "prefix"], name="areas_postcode_prefix_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} - {self.area_id}"
