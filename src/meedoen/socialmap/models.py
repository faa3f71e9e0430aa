"""The social map: who offers what help, for whom and where.

The models follow Open Referral HSDS 3.0 closely (offer = service, location, service at location,
schedule, taxonomy term), so that export and import are a translation of names, not of meaning.
Every object carries a UUID, which is its HSDS ``id``; the integer key stays internal.
"""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from meedoen.areas.models import Area
from meedoen.organisations.models import Municipality, Organisation

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
DUTCH_POSTAL_CODE = re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$")


def validate_languages(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) and LANGUAGE_CODE.match(code) for code in value):
        raise ValidationError(_("Give languages by their ISO 639 code, such as nl or ar."))


def validate_ways_in(value: object) -> None:
    if not isinstance(value, list) or not set(value) <= set(Offer.WayIn.values):
        raise ValidationError(_("Choose ways in from the list."))


class Taxonomy(models.Model):
    """A managed list of terms: the themes of help, or the target groups."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    uri = models.URLField(_("address"), blank=True)
    version = models.CharField(_("version"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, verbose_name=_("taxonomy"), on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    parent = models.ForeignKey(
        "self", verbose_name=_("broader term"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("taxonomy term")
        verbose_name_plural = _("taxonomy terms")
        ordering = ["taxonomy", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["taxonomy", "code"], name="taxonomy_term_code_unique")]

    def __str__(self) -> str:
        return self.name


class OrganisationProfile(models.Model):
    """What the social map tells about an organisation (an HSDS organization) beyond its name."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="socialmap_profile"
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    hsds_extra = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("organisation profile")
        verbose_name_plural = _("organisation profiles")

    def __str__(self) -> str:
        return str(self.organisation)


class Offer(models.Model):
    """One kind of help an organisation offers (an HSDS service)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        TEMPORARILY_CLOSED = "temporarily closed", _("temporarily closed")
        INACTIVE = "inactive", _("inactive")
        DEFUNCT = "defunct", _("no longer offered")

    class WayIn(models.TextChoices):
        WALK_IN = "inloop", _("walk in")
        PHONE = "telefoon", _("phone")
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("e-mail")
        ONLINE_FORM = "formulier", _("online form")
        HOME_VISIT = "huisbezoek", _("home visit")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="offers"
    )
    municipalities = models.ManyToManyField(
        Municipality,
        verbose_name=_("offered in"),
        related_name="offers",
        help_text=_("The municipalities whose residents can use this offer."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), help_text=_("In plain Dutch (B1): what you get and how."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    themes = models.ManyToManyField(TaxonomyTerm, verbose_name=_("themes"), related_name="offers_by_theme", blank=True)
    target_groups = models.ManyToManyField(
        TaxonomyTerm, verbose_name=_("target groups"), related_name="offers_by_target_group", blank=True
    )
    conditions = models.TextField(_("conditions"), blank=True, help_text=_("Who can use it, in words."))
    income_limit_percent = models.PositiveSmallIntegerField(
        _("income limit (percentage of the social minimum)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    maximum_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    residents_only = models.BooleanField(_("only for residents of the municipality"), default=False)
    is_free = models.BooleanField(_("free of charge"), default=True)
    costs = models.TextField(_("costs"), blank=True)
    ways_in = models.JSONField(_("ways in"), default=list, blank=True, validators=[validate_ways_in])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])
    application_process = models.TextField(_("how to apply"), blank=True)
    url = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=30, blank=True)
    last_checked = models.DateField(_("last checked"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    # Derived: the text the search index is built from (see socialmap.search).
    search_document = models.TextField(editable=False, default="")
    # Derived with it: the name case-folded, by which the search orders offers of equal score in
    # the database (byte order of this text is Python's order of ``name.casefold()``).
    search_name = models.TextField(editable=False, default="")
    # HSDS fields Meedoen does not model (funding, programs, ...), kept as imported so that an
    # export gives back what came in.
    hsds_extra = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="offer_age_range_in_order",
            ),
        ]
        indexes = [models.Index(fields=["status", "last_checked"], name="offer_status_checked")]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place where people are received (an HSDS physical location). It is kept by one organisation,
    and any partner's offer in the same municipality may be given there (a consultation hour in a
    community centre, say)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("kept by"), on_delete=models.PROTECT, related_name="locations"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="socialmap_locations"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    street_address = models.CharField(_("street and number"), max_length=200)
    # Checked in clean(): the Dutch format applies to places in the Netherlands only, so that places
    # abroad (in imported HSDS data, say) keep their own postal codes.
    postal_code = models.CharField(_("postal code"), max_length=16)
    city = models.CharField(_("place"), max_length=100)
    country = models.CharField(
        _("country"),
        max_length=2,
        default="NL",
        validators=[RegexValidator(r"^[A-Z]{2}$", _("A country code of two capital letters (ISO 3166), such as NL."))],
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("district or neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="socialmap_locations",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accessibility = models.TextField(_("accessibility"), blank=True)
    transportation = models.TextField(_("getting there"), blank=True)
    hsds_extra = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    def clean(self) -> None:
        super().clean()
        if self.country == "NL" and self.postal_code and not DUTCH_POSTAL_CODE.match(self.postal_code):
            raise ValidationError({"postal_code": _("A Dutch postal code, such as 5141 AB.")})

    @property
    def district(self) -> Area | None:
        """The district (wijk) of the location, also when it is linked to a neighbourhood."""
        if self.area is None:
            return None
        return self.area if self.area.level == Area.Level.DISTRICT else self.area.parent


class OpeningHours(models.Model):
    """Weekly opening hours of a location (an HSDS schedule with freq WEEKLY)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 1, _("Monday")
        TUESDAY = 2, _("Tuesday")
        WEDNESDAY = 3, _("Wednesday")
        THURSDAY = 4, _("Thursday")
        FRIDAY = 5, _("Friday")
        SATURDAY = 6, _("Saturday")
        SUNDAY = 7, _("Sunday")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="opening_hours_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class OfferLocation(models.Model):
    """Where an offer can be had (an HSDS service at location)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="offer_locations")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="offer_locations"
    )
    hsds_extra = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("offer at a location")
        verbose_name_plural = _("offers at locations")
        constraints = [models.UniqueConstraint(fields=["offer", "location"], name="offer_location_unique")]

    def __str__(self) -> str:
        return f"{self.offer} @ {self.location}"
