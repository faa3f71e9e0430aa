"""The local picture: indicators and their values per area and period.

Figures are public statistics or aggregates; no value here is about one person. Counts below the
small-count threshold are stored as they are, and hidden on the way out (see ``suppression``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PERIOD = RegexValidator(
    r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", _("A period is a year (2024), a quarter (2024-Q1) or a month (2024-03).")
)
INDICATOR_CODE = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_.-]{0,79}$", _("Use letters, digits, '.', '_' or '-', starting with a letter.")
)


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "hoger_beter", _("higher is better")
    HIGHER_IS_WORSE = "hoger_slechter", _("higher is worse")
    NEUTRAL = "neutraal", _("neither better nor worse")


class Indicator(models.Model):
    class Kind(models.TextChoices):
        COUNT = "aantal", _("count")
        PERCENTAGE = "percentage", _("percentage")
        RATE = "verhouding", _("rate")
        AMOUNT = "bedrag", _("amount")
        MEASURE = "maat", _("other measure")

    class Origin(models.TextChoices):
        CBS = "cbs", _("CBS Kerncijfers wijken en buurten")
        OWN = "eigen", _("own figures")
        DERIVED = "afgeleid", _("derived")

    # Empty for indicators every municipality shares (CBS); set for a municipality's own figures.
    municipality = models.ForeignKey(
        "organisations.Municipality",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    code = models.CharField(_("code"), max_length=80, validators=[INDICATOR_CODE])
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=60)
    definition = models.TextField(_("definition"), blank=True)
    source = models.CharField(_("source"), max_length=300)
    polarity = models.CharField(_("polarity"), max_length=20, choices=Polarity.choices, default=Polarity.NEUTRAL)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=0)
    # A derived indicator is numerator / denominator x factor, per area and period.
    numerator = models.ForeignKey(
        "self", verbose_name=_("numerator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", verbose_name=_("denominator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    factor = models.PositiveIntegerField(_("factor"), default=1)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(municipality__isnull=True), name="indicator_shared_code_unique"
            ),
            models.UniqueConstraint(fields=["municipality", "code"], name="indicator_own_code_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(origin="afgeleid", numerator__isnull=False, denominator__isnull=False)
                    | models.Q(~models.Q(origin="afgeleid"), numerator__isnull=True, denominator__isnull=True)
                ),
                name="indicator_derived_has_both_parts",
            ),
            models.CheckConstraint(condition=models.Q(factor__in=[1, 100, 1000, 10000]), name="indicator_factor"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_count(self) -> bool:
        return self.kind == self.Kind.COUNT

    @property
    def is_derived(self) -> bool:
        return self.origin == self.Origin.DERIVED


class FigureImport(models.Model):
    """One import of figures: what came in, from which file, by whom. Values point back to it."""

    municipality = models.ForeignKey(
        "organisations.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin = models.CharField(_("origin"), max_length=20, choices=Indicator.Origin.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    values_written = models.PositiveIntegerField(_("values written"), default=0)

    class Meta:
        verbose_name = _("figure import")
        verbose_name_plural = _("figure imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class Observation(models.Model):
    # Two million rows arrive with each national CBS table. Their references are resolved from the
    # database inside the import's transaction, and Django's on_delete (PROTECT, CASCADE) guards
    # deletes; database-level foreign keys would spend most of the import on deferred checks
    # (30 of 43 seconds measured on PostgreSQL), so they are left out (ADR 0009). The unique
    # (indicator, area, period) index serves reads by indicator, the (area, period) index reads by
    # area, such as every district of a municipality in one period.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="observations", db_index=False, db_constraint=False
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    period = models.CharField(_("period"), max_length=7, validators=[PERIOD])
    value = models.FloatField(_("value"))
    figure_import = models.ForeignKey(
        FigureImport, on_delete=models.PROTECT, related_name="observations", db_index=False, db_constraint=False
    )

    class Meta:
        verbose_name = _("observed value")
        verbose_name_plural = _("observed values")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "area", "period"], name="observation_one_per_area_period"),
        ]
        indexes = [models.Index(fields=["area", "period"], name="observation_area_period")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_id} {self.period}: {self.value}"
