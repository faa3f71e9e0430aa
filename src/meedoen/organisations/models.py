"""Municipalities (the tenants), partner organisations and the roles staff hold in them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from meedoen.core.access import Role


class Municipality(models.Model):
    """A tenant: one municipality and everything its partners share within it."""

    code = models.CharField(
        _("CBS code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^GM[0-9]{4}$", _("A municipality code is GM followed by four digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY_TEAM = "gemeente", _("municipality team")
        WELFARE = "welzijn", _("welfare organisation or neighbourhood team")
        DEBT_HELP = "schuldhulp", _("debt help")
        FOOD_BANK = "voedselbank", _("food bank")
        FOUNDATION = "fonds", _("foundation for children and families (such as Leergeld)")
        HOUSING_CORPORATION = "woningcorporatie", _("housing corporation")
        ENERGY_SUPPLIER = "energieleverancier", _("energy supplier")
        WATER_COMPANY = "drinkwaterbedrijf", _("drinking-water company")
        HEALTH_INSURER = "zorgverzekeraar", _("health insurer")
        SCHOOL = "school", _("school")
        VOLUNTEERS = "vrijwilligers", _("volunteers' organisation")
        FAITH_COMMUNITY = "kerk", _("church or faith community")
        SHOP = "winkel", _("local shop")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    municipalities = models.ManyToManyField(
        Municipality,
        verbose_name=_("works in"),
        related_name="organisations",
        help_text=_("The municipalities this organisation works with."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A staff member's role in an organisation, for one municipality."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "municipality", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.organisation} ({self.municipality})"
