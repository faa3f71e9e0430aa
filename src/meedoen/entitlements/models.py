"""Schemes of a municipality and its partners, kept as data so that staff change them without code.

A scheme is a row: who qualifies (an income limit as a percentage of the social minimum per household
type, or the food banks' living-money norm; an asset limit; ages; a reference period) and what it gives.
The rules engine reads the rows as :class:`~meedoen.entitlements.rules.schemes.SchemeRule`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from meedoen.entitlements.rules import schemes as rules
from meedoen.organisations.models import Municipality, Organisation

LOWEST_INCOME_PERCENT = 100
HIGHEST_INCOME_PERCENT = 200
OLDEST_CHILD = 17
PERCENT_FIELDS = ("income_limit_percent_single", "income_limit_percent_single_parent", "income_limit_percent_couple")


def _percent_field(label: StrOrPromise) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(LOWEST_INCOME_PERCENT), MaxValueValidator(HIGHEST_INCOME_PERCENT)],
        help_text=_("Percentage of the social minimum, from 100 to 200."),
    )


def _money_field(label: StrOrPromise, **kwargs: object) -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(label, max_digits=10, decimal_places=2, validators=[MinValueValidator(0)], **kwargs)  # type: ignore[arg-type]


class Scheme(models.Model):
    class Kind(models.TextChoices):
        INCOME_SUPPLEMENT = rules.Kind.INCOME_SUPPLEMENT.value, _("individual income supplement")
        SPECIAL_ASSISTANCE = rules.Kind.SPECIAL_ASSISTANCE.value, _("special assistance")
        TAX_REMISSION = rules.Kind.TAX_REMISSION.value, _("remission of municipal taxes")
        HEALTH_INSURANCE = rules.Kind.HEALTH_INSURANCE.value, _("collective health insurance")
        PARTICIPATION = rules.Kind.PARTICIPATION.value, _("participation scheme or child package")
        PARTNER = rules.Kind.PARTNER.value, _("scheme of a partner organisation")

    class IncomeTest(models.TextChoices):
        SOCIAL_MINIMUM = (
            rules.IncomeTest.SOCIAL_MINIMUM.value,
            _("net income at most a percentage of the social minimum"),
        )
        LIVING_MONEY = rules.IncomeTest.LIVING_MONEY.value, _("living money below the food banks' norm")
        NONE = rules.IncomeTest.NONE.value, _("no income test")

    class AssetTest(models.TextChoices):
        NONE = rules.AssetTest.NONE.value, _("no asset test")
        PARTICIPATIEWET = rules.AssetTest.PARTICIPATIEWET.value, _("the asset limit of the Participatiewet")
        OWN = rules.AssetTest.OWN.value, _("own asset limits")

    class AmountUnit(models.TextChoices):
        HOUSEHOLD = rules.AmountUnit.HOUSEHOLD.value, _("per household")
        PERSON = rules.AmountUnit.PERSON.value, _("per member of the household")
        ADULT = rules.AmountUnit.ADULT.value, _("per adult")
        CHILD = rules.AmountUnit.CHILD.value, _("per child")

    class AmountPeriod(models.TextChoices):
        YEAR = rules.AmountPeriod.YEAR.value, _("per year")
        MONTH = rules.AmountPeriod.MONTH.value, _("per month")
        ONCE = rules.AmountPeriod.ONCE.value, _("once")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="schemes"
    )
    code = models.SlugField(
        _("code"),
        max_length=60,
        validators=[
            RegexValidator(r"^[a-z0-9]+(-[a-z0-9]+)*$", _("Lower-case letters and digits, joined by hyphens."))
        ],
        help_text=_("A short name that stays the same, such as individuele-inkomenstoeslag."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), help_text=_("In plain Dutch (B1): what you get and for whom."))
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schemes",
        help_text=_("The partner organisation that runs the scheme; required for a partner's scheme."),
    )
    offer = models.ForeignKey(
        "socialmap.Offer",
        verbose_name=_("offer on the social map"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schemes",
    )
    income_test = models.CharField(
        _("income test"), max_length=20, choices=IncomeTest.choices, default=IncomeTest.SOCIAL_MINIMUM
    )
    income_limit_percent_single = _percent_field(_("income limit for a single person (%)"))
    income_limit_percent_single_parent = _percent_field(_("income limit for a single parent (%)"))
    income_limit_percent_couple = _percent_field(_("income limit for a couple (%)"))
    asset_test = models.CharField(_("asset test"), max_length=20, choices=AssetTest.choices, default=AssetTest.NONE)
    asset_limit_single = _money_field(_("asset limit for a single person"), null=True, blank=True)
    asset_limit_family = _money_field(_("asset limit for a single parent or a couple"), null=True, blank=True)
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    maximum_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    below_pension_age = models.BooleanField(
        _("only below the state pension age"),
        default=False,
        help_text=_("The person who asks may not have reached the state pension age (AOW-leeftijd)."),
    )
    child_minimum_age = models.PositiveSmallIntegerField(
        _("youngest child's age"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(OLDEST_CHILD)],
        help_text=_("Fill in to require a child of at least this age; the amount per child counts these children."),
    )
    child_maximum_age = models.PositiveSmallIntegerField(
        _("oldest child's age"), null=True, blank=True, validators=[MaxValueValidator(OLDEST_CHILD)]
    )
    reference_years = models.PositiveSmallIntegerField(
        _("reference period (years)"),
        default=0,
        validators=[MaxValueValidator(10)],
        help_text=_("Years the income must have been below the limit, such as 3 for the individual income supplement."),
    )
    amount = _money_field(_("amount"), default=Decimal(0))
    amount_unit = models.CharField(
        _("amount is given"), max_length=20, choices=AmountUnit.choices, default=AmountUnit.HOUSEHOLD
    )
    amount_period = models.CharField(
        _("amount period"), max_length=20, choices=AmountPeriod.choices, default=AmountPeriod.YEAR
    )
    amount_per_child = _money_field(_("extra amount per child"), default=Decimal(0))
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    website = models.URLField(_("website"), blank=True)
    legal_source = models.CharField(
        _("legal source"), max_length=300, help_text=_("The regulation, such as the verordening.")
    )
    legal_source_url = models.URLField(_("address of the legal source"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        ordering = ["municipality", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="scheme_code_unique_per_municipality"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": LOWEST_INCOME_PERCENT, f"{name}__lte": HIGHEST_INCOME_PERCENT}),
                    name=f"scheme_{name.removeprefix('income_limit_')}_in_range",
                )
                for name in PERCENT_FIELDS
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(amount_per_child__gte=0), name="scheme_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(asset_limit_single__isnull=True) | Q(asset_limit_single__gte=0))
                & (Q(asset_limit_family__isnull=True) | Q(asset_limit_family__gte=0)),
                name="scheme_asset_limits_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=F("maximum_age")),
                name="scheme_age_range_in_order",
            ),
            models.CheckConstraint(
                condition=Q(child_minimum_age__isnull=True)
                | Q(child_maximum_age__isnull=True)
                | Q(child_minimum_age__lte=F("child_maximum_age")),
                name="scheme_child_age_range_in_order",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="scheme_validity_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, StrOrPromise] = {}
        percents = [getattr(self, name) for name in PERCENT_FIELDS]
        if self.income_test == self.IncomeTest.SOCIAL_MINIMUM:
            for name, value in zip(PERCENT_FIELDS, percents, strict=True):
                if value is None:
                    errors[name] = _("Fill in the income limit for every household type.")
        elif any(value is not None for value in percents):
            for name, value in zip(PERCENT_FIELDS, percents, strict=True):
                if value is not None:
                    errors[name] = _("Leave empty: this scheme has no income limit as a percentage.")
        if self.asset_test == self.AssetTest.OWN:
            for name in ("asset_limit_single", "asset_limit_family"):
                if getattr(self, name) is None:
                    errors[name] = _("Fill in the asset limit, or choose another asset test.")
        elif self.asset_limit_single is not None or self.asset_limit_family is not None:
            for name in ("asset_limit_single", "asset_limit_family"):
                if getattr(self, name) is not None:
                    errors[name] = _("Leave empty: only used with own asset limits.")
        if self.minimum_age is not None and self.maximum_age is not None and self.minimum_age > self.maximum_age:
            errors["maximum_age"] = _("The maximum age is lower than the minimum age.")
        if (
            self.child_minimum_age is not None
            and self.child_maximum_age is not None
            and self.child_minimum_age > self.child_maximum_age
        ):
            errors["child_maximum_age"] = _("The oldest child's age is lower than the youngest child's age.")
        if (
            self.amount_unit == self.AmountUnit.CHILD
            and self.child_minimum_age is None
            and self.child_maximum_age is None
        ):
            errors["amount_unit"] = _("An amount per child needs the children's ages it is for.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date is before the start date.")
        if self.kind == self.Kind.PARTNER and self.organisation_id is None:
            errors["organisation"] = _("Choose the partner organisation that runs this scheme.")
        if self.organisation_id is not None and self.municipality_id is not None:
            assert self.organisation is not None
            if not self.organisation.municipalities.filter(pk=self.municipality_id).exists():
                errors["organisation"] = _("This organisation does not work in this municipality.")
        if self.offer_id is not None and self.municipality_id is not None:
            assert self.offer is not None
            if not self.offer.municipalities.filter(pk=self.municipality_id).exists():
                errors["offer"] = _("This offer is not offered in this municipality.")
        if errors:
            raise ValidationError(errors)

    def to_rule(self) -> rules.SchemeRule:
        return rules.SchemeRule(
            municipality_code=self.municipality.code,
            code=self.code,
            name=self.name,
            kind=rules.Kind(self.kind),
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            income_test=rules.IncomeTest(self.income_test),
            income_limit_percent_single=self.income_limit_percent_single,
            income_limit_percent_single_parent=self.income_limit_percent_single_parent,
            income_limit_percent_couple=self.income_limit_percent_couple,
            asset_test=rules.AssetTest(self.asset_test),
            asset_limit_single=self.asset_limit_single,
            asset_limit_family=self.asset_limit_family,
            minimum_age=self.minimum_age,
            maximum_age=self.maximum_age,
            below_pension_age=self.below_pension_age,
            child_minimum_age=self.child_minimum_age,
            child_maximum_age=self.child_maximum_age,
            reference_years=self.reference_years,
            amount=self.amount or Decimal(0),
            amount_unit=rules.AmountUnit(self.amount_unit),
            amount_period=rules.AmountPeriod(self.amount_period),
            amount_per_child=self.amount_per_child or Decimal(0),
        )


# --- non-take-up: a synthetic population and the recipients of each scheme ------------------------------


def _share_field(label: StrOrPromise, default: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


def _euro_field(
    label: StrOrPromise, default: int, help_text: StrOrPromise = ""
) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(100_000)],
        help_text=help_text,
    )


# Groups of percentage fields that each describe all households: every group adds up to 100.
HOUSEHOLD_TYPE_FIELDS = ("single_percent", "single_parent_percent", "couple_percent", "couple_with_children_percent")
AGE_FIELDS = ("age_18_20_percent", "age_21_29_percent", "age_30_49_percent", "age_50_66_percent", "age_67_up_percent")
INCOME_FIELDS = (
    "income_to_101_percent",
    "income_101_110_percent",
    "income_110_120_percent",
    "income_120_130_percent",
    "income_130_150_percent",
    "income_150_200_percent",
    "income_above_200_percent",
)
SAVINGS_FIELDS = (
    "savings_to_1500_percent",
    "savings_1500_8000_percent",
    "savings_8000_16000_percent",
    "savings_above_16000_percent",
)
SHARE_GROUPS = (HOUSEHOLD_TYPE_FIELDS, AGE_FIELDS, INCOME_FIELDS, SAVINGS_FIELDS)
# Rounded percentages (three times 33.33) are accepted; the generator scales each group to exactly 100.
SHARE_TOLERANCE = Decimal("0.1")


class PopulationAssumptions(models.Model):
    """How the households of a municipality are made up, for the synthetic population per district.

    The defaults and their sources are described in docs/entitlements-population.md: some are CBS
    figures for the Netherlands, others are estimates. Policy staff replace them with local figures.
    """

    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="population_assumptions",
    )
    inhabitants_per_household = models.DecimalField(
        _("inhabitants per household"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("2.14"),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(5))],
        help_text=_("Households of a district = its inhabitants (CBS) divided by this number."),
    )
    single_percent = _share_field(_("single persons (%)"), "39.89")
    single_parent_percent = _share_field(_("single parents (%)"), "7.38")
    couple_percent = _share_field(_("couples without children under 18 (%)"), "28.49")
    couple_with_children_percent = _share_field(_("couples with children under 18 (%)"), "24.24")
    children_per_family = models.DecimalField(
        _("children per household with children"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.80"),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(5))],
    )
    age_18_20_percent = _share_field(_("main person 18 to 20 years (%)"), "1.00")
    age_21_29_percent = _share_field(_("main person 21 to 29 years (%)"), "12.00")
    age_30_49_percent = _share_field(_("main person 30 to 49 years (%)"), "30.00")
    age_50_66_percent = _share_field(_("main person 50 to 66 years (%)"), "31.00")
    age_67_up_percent = _share_field(_("main person 67 years or older (%)"), "26.00")
    income_to_101_percent = _share_field(_("income up to 101% of the social minimum (%)"), "3.90")
    income_101_110_percent = _share_field(_("income from 101% to 110% (%)"), "2.30")
    income_110_120_percent = _share_field(_("income from 110% to 120% (%)"), "2.70")
    income_120_130_percent = _share_field(_("income from 120% to 130% (%)"), "2.60")
    income_130_150_percent = _share_field(_("income from 130% to 150% (%)"), "5.50")
    income_150_200_percent = _share_field(_("income from 150% to 200% (%)"), "13.00")
    income_above_200_percent = _share_field(_("income above 200% (%)"), "70.00")
    long_term_low_income_percent = _share_field(
        _("of households up to 130%: low income for 3 years or more (%)"), "50.00"
    )
    renting_low_income_percent = _share_field(_("of households up to 130%: renting (%)"), "75.00")
    renting_other_percent = _share_field(_("of the other households: renting (%)"), "37.00")
    rent_lowest = _euro_field(_("lowest rent per month"), 500)
    rent_highest = _euro_field(_("highest rent per month"), 900)
    savings_to_1500_percent = _share_field(_("savings up to 1,500 euros (%)"), "30.00")
    savings_1500_8000_percent = _share_field(_("savings from 1,500 to 8,000 euros (%)"), "25.00")
    savings_8000_16000_percent = _share_field(_("savings from 8,000 to 16,000 euros (%)"), "15.00")
    savings_above_16000_percent = _share_field(_("savings above 16,000 euros (%)"), "30.00")
    fixed_costs_base = _euro_field(
        _("fixed costs per household per month"), 250, _("Energy, water, insurance, phone, local taxes; without rent.")
    )
    fixed_costs_per_person = _euro_field(_("extra fixed costs per member per month"), 75)
    seed = models.PositiveIntegerField(
        _("seed"),
        default=2026,
        help_text=_("The same seed and the same assumptions always give the same population."),
    )
    sources = models.TextField(_("sources and notes"), blank=True, help_text=_("Where the figures come from."))
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("population assumptions")
        verbose_name_plural = _("population assumptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(rent_lowest__lte=F("rent_highest")), name="population_rent_range_in_order"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Population assumptions of %(name)s") % {"name": self.municipality})

    def clean(self) -> None:
        super().clean()
        errors: dict[str, StrOrPromise] = {}
        for group in SHARE_GROUPS:
            values = [getattr(self, name) for name in group]
            if any(value is None for value in values):
                continue
            total = sum(values, Decimal(0))
            if abs(total - 100) > SHARE_TOLERANCE:
                errors[group[-1]] = _("These percentages add up to %(total)s; they must add up to 100.") % {
                    "total": total
                }
        if self.rent_lowest is not None and self.rent_highest is not None and self.rent_lowest > self.rent_highest:
            errors["rent_highest"] = _("The highest rent is lower than the lowest rent.")
        if errors:
            raise ValidationError(errors)


class RecipientCount(models.Model):
    """How many households received a scheme in a year, in a district or in the whole municipality."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="recipient_counts"
    )
    area_code = models.CharField(
        _("area"), max_length=10, help_text=_("The CBS code of a district, or of the municipality as a whole.")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    households = models.PositiveIntegerField(_("households"))
    file_name = models.CharField(_("imported from"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("recipient count")
        verbose_name_plural = _("recipient counts")
        ordering = ["scheme", "year", "area_code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "area_code", "year"], name="recipient_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.area_code} {self.year}: {self.households}"
