"""The early-signalling monitor in the workspace: per month, for the whole municipality, one district
or the cases whose district is not known, a table per measure of the Divosa monitor; and the same
figures as CSV for every area. For the early-signalling team and the municipality's policy officers;
counts only, no personal data. Counts below 10 read "< 10"; figures built on them, or that would give
one away, "not shown"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meedoen.core import small_counts
from meedoen.core.access import Actor, require_role
from meedoen.core.small_counts import Shown
from meedoen.core.spreadsheets import csv_download
from meedoen.early_signals.models import CREDITOR_KINDS, ContactAttempt
from meedoen.early_signals.monitor import (
    MAX_MONTHS,
    MONITOR_READERS,
    OUTCOMES,
    AreaMonitor,
    Figures,
    Monitor,
    MonitorArea,
    default_months,
    monitor_areas,
    monitor_of,
    months_from,
)
from meedoen.organisations.models import Municipality
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.socialmap_forms import SELECT, TEXTBOX
from meedoen.workspace.views import _page

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
CSV_COLUMNS = ("area_code", "area", "month", "measure", "group", "value")


# --- the filter -----------------------------------------------------------------------------------------


def _month_of(text: str) -> date | None:
    found = MONTH.match(text.strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        return None
    return date(year, month, 1)


class MonthField(forms.Field):
    """A month as YYYY-MM (what a browser's month field sends), cleaned to its first day."""

    widget = forms.TextInput(
        attrs={"type": "month", "class": TEXTBOX, "pattern": r"\d{4}-\d{2}", "placeholder": "2026-01", "maxlength": 7}
    )

    def to_python(self, value: object) -> date | None:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        month = _month_of(text)
        if month is None:
            raise forms.ValidationError(_("Give a month as year and month, such as 2026-01."), code="invalid")
        return month


class MonitorFilter(forms.Form):
    van = MonthField(label=gettext_lazy("From (month)"))
    tot = MonthField(label=gettext_lazy("Up to and including (month)"))
    wijk = forms.ChoiceField(label=gettext_lazy("Area"), widget=forms.Select(attrs={"class": SELECT}))

    def __init__(self, data: QueryDict, *, areas: list[MonitorArea], today: date) -> None:
        first, last = default_months(today)
        defaults = {"van": f"{first:%Y-%m}", "tot": f"{last:%Y-%m}", "wijk": areas[0].code}
        super().__init__({name: data.get(name) or value for name, value in defaults.items()})
        self.current_month = today.replace(day=1)
        wijk = self.fields["wijk"]
        assert isinstance(wijk, forms.ChoiceField)
        wijk.choices = [(area.code, _area_label(area)) for area in areas]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("van"), cleaned.get("tot")
        if not isinstance(first, date) or not isinstance(last, date):
            return cleaned
        if last > self.current_month:
            self.add_error("tot", _("Choose this month or an earlier one."))
        elif first > last:
            self.add_error("van", _("The first month lies after the last."))
        elif len(months_from(first, last)) > MAX_MONTHS:
            self.add_error("van", _("Choose at most %(months)s months.") % {"months": MAX_MONTHS})
        return cleaned


def _area_label(area: MonitorArea) -> str:
    if area.is_municipality:
        return _("All of %(name)s") % {"name": area.name}
    if area.is_unknown:
        return area.name
    return f"{area.name} ({area.code})"


# --- the tables: one per measure; the CSV carries the same columns ----------------------------------------


@dataclass(frozen=True)
class Column:
    measure: str  # the name in the CSV
    group: str  # way of contact, outcome or kind of creditor in the CSV; "" for none
    label: str
    pick: Callable[[Figures], Shown]
    decimals: int = 0


@dataclass(frozen=True)
class Table:
    slug: str
    caption: str
    columns: tuple[Column, ...]
    # Headings over groups of columns (label, how many columns), when the columns come in groups.
    groups: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ShownRow:
    label: str
    is_total: bool
    cells: tuple[str, ...]


def _channel(channel: str, index: int) -> Callable[[Figures], Shown]:
    return lambda figures: getattr(figures.channels[index], channel)


def _outcome(index: int) -> Callable[[Figures], Shown]:
    return lambda figures: figures.outcomes[index].cases


def _kind(part: str, index: int) -> Callable[[Figures], Shown]:
    return lambda figures: getattr(figures.kinds[index], part)


def monitor_tables() -> list[Table]:
    """The tables of the page, in the order of the Divosa monitor: intake, reach, outcome."""
    opened = Column("cases_opened", "", _("Cases opened"), lambda f: f.cases_opened)
    reached = Column("cases_reached", "", _("Reached so far"), lambda f: f.cases_reached)
    channel_columns: list[Column] = []
    for index, (channel, _label) in enumerate(ContactAttempt.Channel.choices):
        channel_columns += [
            Column("attempts", channel, _("Attempts"), _channel("attempts", index)),
            Column("attempts_reached", channel, _("Reached"), _channel("reached", index)),
            Column("attempts_reached_percent", channel, _("Reached (%)"), _channel("share_reached", index), 1),
        ]
    channel_columns += [
        Column("attempts", "all", _("Attempts"), lambda f: f.attempts),
        Column("attempts_reached", "all", _("Reached"), lambda f: f.attempts_reached),
        Column("attempts_reached_percent", "all", _("Reached (%)"), lambda f: f.share_attempts_reached, 1),
    ]
    kind_columns: list[Column] = []
    for index, kind in enumerate(CREDITOR_KINDS):
        kind_columns += [
            Column("closed_by_creditor_kind", kind.value, _("Closed"), _kind("closed", index)),
            Column("help_accepted_by_creditor_kind", kind.value, _("Help accepted"), _kind("help_accepted", index)),
            Column(
                "help_accepted_by_creditor_kind_percent",
                kind.value,
                _("Help accepted (%)"),
                _kind("share_help_accepted", index),
                1,
            ),
        ]
    return [
        Table(
            "signals",
            _("Signals received"),
            (
                Column("signals", "", _("Signals"), lambda f: f.signals),
                Column("signals_per_1000", "", _("Per 1,000 residents per month"), lambda f: f.signals_per_1000, 2),
            ),
        ),
        Table(
            "single-multiple",
            _("Households with one signal or more (by the month the case opened)"),
            (
                opened,
                Column("cases_single", "", _("Single: one signal"), lambda f: f.single),
                Column("cases_multiple", "", _("Multiple: more signals"), lambda f: f.multiple),
                Column(
                    "cases_multiple_creditors",
                    "",
                    _("of which from more than one creditor"),
                    lambda f: f.multiple_creditors,
                ),
                Column("cases_multiple_percent", "", _("Multiple (%)"), lambda f: f.share_multiple, 1),
            ),
        ),
        Table(
            "attempts",
            _("Contact attempts by way of contact (by the month of the attempt)"),
            tuple(channel_columns),
            groups=(
                *((str(label), 3) for _channel_code, label in ContactAttempt.Channel.choices),
                (_("All ways"), 3),
            ),
        ),
        Table(
            "reach",
            _("Households reached (by the month the case opened)"),
            (
                opened,
                reached,
                Column("cases_reached_percent", "", _("Reached (%)"), lambda f: f.share_reached, 1),
            ),
        ),
        Table(
            "days-to-contact",
            _("Days from signal to first contact (by the month the case opened)"),
            (
                reached,
                Column("days_to_first_contact_median", "", _("Median days"), lambda f: f.median_days_to_contact, 1),
            ),
        ),
        Table(
            "within-term",
            _("First offer within the legal term (by the month the case opened)"),
            (
                Column("offer_term_decided", "", _("Term passed or offer made"), lambda f: f.term_decided),
                Column("offer_within_term", "", _("Offer within the term"), lambda f: f.within_term),
                Column("offer_within_term_percent", "", _("Within the term (%)"), lambda f: f.share_within_term, 1),
            ),
        ),
        Table(
            "help-accepted",
            _("Help accepted (by the month the case closed)"),
            (
                Column("cases_closed", "", _("Cases closed"), lambda f: f.closed),
                Column("help_accepted", "", _("Help accepted"), lambda f: f.help_accepted),
                Column("help_accepted_percent", "", _("Help accepted (%)"), lambda f: f.share_help_accepted, 1),
            ),
        ),
        Table(
            "outcomes",
            _("Outcomes of the cases closed (by the month the case closed)"),
            tuple(
                Column("closed_outcome", outcome, str(label), _outcome(index))
                for index, (outcome, label) in enumerate(OUTCOMES)
            ),
        ),
        Table(
            "creditor-kinds",
            _("Help accepted by kind of creditor (by the month the case closed)"),
            tuple(kind_columns),
            groups=tuple((str(kind.label), 3) for kind in CREDITOR_KINDS),
        ),
    ]


def _month_label(month: date | None) -> str:
    if month is None:
        return _("Whole period")
    return date_format(month, "F Y")


def _shown_rows(table: Table, area: AreaMonitor) -> list[ShownRow]:
    return [
        ShownRow(
            label=_month_label(row.month),
            is_total=row.month is None,
            cells=tuple(column.pick(row.figures).text(column.decimals) for column in table.columns),
        )
        for row in (*area.months, area.whole_period)
    ]


def _csv_rows(monitor: Monitor, tables: list[Table]) -> Iterator[tuple[object, ...]]:
    whole = f"{monitor.first_month:%Y-%m}/{monitor.last_month:%Y-%m}"
    columns: dict[tuple[str, str], Column] = {}
    for table in tables:
        for column in table.columns:
            columns.setdefault((column.measure, column.group), column)
    for area in monitor.areas:
        code = "" if area.area.is_unknown else area.area.code  # the page's "-" would read as a formula start
        for row in (*area.months, area.whole_period):
            month = f"{row.month:%Y-%m}" if row.month is not None else whole
            for column in columns.values():
                shown = column.pick(row.figures)
                yield (code, area.area.name, month, column.measure, column.group, shown.csv(column.decimals))


# --- the pages ------------------------------------------------------------------------------------------


def _filter(request: HttpRequest, actor: Actor, municipality: Municipality) -> MonitorFilter:
    require_role(actor, *MONITOR_READERS, municipality_id=municipality.pk)
    return MonitorFilter(request.GET, areas=monitor_areas(municipality), today=timezone.localdate())


@staff_view
def monitor_page(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    form = _filter(request, actor, municipality)
    template = "workspace/early_signals_monitor/monitor.html"
    if not form.is_valid():
        return _page(
            request,
            actor,
            municipality,
            template,
            400,
            form=form,
            small_text=small_counts.SMALL_TEXT,
            hidden_text=small_counts.HIDDEN_TEXT,
        )
    first, last = form.cleaned_data["van"], form.cleaned_data["tot"]
    monitor = monitor_of(
        actor=actor, municipality=municipality, first_month=first, last_month=last, area_code=form.cleaned_data["wijk"]
    )
    area = monitor.areas[0]
    tables = monitor_tables()
    return _page(
        request,
        actor,
        municipality,
        template,
        form=form,
        small_text=small_counts.SMALL_TEXT,
        hidden_text=small_counts.HIDDEN_TEXT,
        monitor=monitor,
        area=area.area,
        tables=[(table, _shown_rows(table, area)) for table in tables],
        csv_query=f"van={first:%Y-%m}&tot={last:%Y-%m}",
    )


@staff_view
def monitor_csv(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """Every area (the municipality, each district, district unknown) and every month of the range,
    and the range as a whole; one figure per line."""
    form = _filter(request, actor, municipality)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(str(message) for messages in form.errors.values() for message in messages),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    first, last = form.cleaned_data["van"], form.cleaned_data["tot"]
    monitor = monitor_of(actor=actor, municipality=municipality, first_month=first, last_month=last)
    filename = f"vroegsignalering-monitor-{municipality.code}-{first:%Y-%m}-{last:%Y-%m}.csv"
    return csv_download(filename, CSV_COLUMNS, _csv_rows(monitor, monitor_tables()))
