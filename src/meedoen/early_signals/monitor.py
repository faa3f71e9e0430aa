"""The early-signalling monitor: per month and district, the figures municipalities keep after the
Divosa monitor vroegsignalering (signals per 1,000 residents, single and multiple cases, contact by
approach, help accepted, time to first contact, offers within the legal term), with the small-count
rule applied; and six of them published as operational indicators for the quality compass.

The database counts, grouped by month and district; only the grouped rows come back, so the work in
Python grows with months x districts (x days to first contact), never with the number of signals.
Signals whose personal data was removed count through their tombstones. Definitions and sources:
``docs/early-signals-monitor.md``.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from django.db import models
from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meedoen.areas.models import Area
from meedoen.areas.selectors import area_by_code, districts_of
from meedoen.core import small_counts
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.indicators import Compute, OperationalIndicator, Period, register
from meedoen.core.small_counts import Shown, is_small
from meedoen.early_signals.models import (
    CREDITOR_KINDS,
    HELP_ACCEPTED,
    TEAM_OUTCOMES,
    WITHDRAWAL_OUTCOMES,
    Case,
    ContactAttempt,
    Signal,
    SignalTombstone,
    WithdrawalReason,
)
from meedoen.early_signals.selectors import NO_DISTRICT
from meedoen.organisations.models import Municipality, Organisation

# Who reads the monitor: the early-signalling team and the municipality's policy officers. The
# figures are counts per month and district; no personal data.
MONITOR_READERS = (Role.EARLY_SIGNALS_OFFICER, Role.POLICY_OFFICER)
MAX_MONTHS = 36
DEFAULT_MONTHS = 12
PER_RESIDENTS = 1000

# (first day of the month, district code); the code is "" for cases whose district is not known.
Key = tuple[date, str]
# A signal its creditor withdrew as sent in error was never a signal: it counts nowhere. A case
# closed because its creditors withdrew every signal before anyone tried to reach the household was
# never the team's: it counts in no measure of cases (its other signals still count as signals).
IN_ERROR = WithdrawalReason.SENT_IN_ERROR.value
# The outcomes the monitor splits the closed cases by: the team's.
OUTCOMES = tuple((outcome, label) for outcome, label in Case.Outcome.choices if outcome in TEAM_OUTCOMES)
# Cases closed with these are not counted as closed: a creditor withdrew the signals, or the team
# joined the case with another about the same person (which holds its signals and attempts now).
NOT_CLOSED_BY_THE_TEAM = WITHDRAWAL_OUTCOMES | {Case.Outcome.JOINED.value}


# --- months --------------------------------------------------------------------------------------------


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_from(first: date, last: date) -> list[date]:
    """The first days of the months from ``first`` to ``last``, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def default_months(today: date | None = None) -> tuple[date, date]:
    """The last twelve months, the current one included."""
    current = (today or timezone.localdate()).replace(day=1)
    return add_months(current, 1 - DEFAULT_MONTHS), current


def months_covered(start: date, end: date, today: date) -> float:
    """How many months of [start, end) have passed by the end of ``today``: every calendar month
    counts for the share of its days that lie in the stretch, so a whole month counts as 1 and a
    month under way as the part of it that is over."""
    end = min(end, today + timedelta(days=1))
    covered = 0.0
    month = start.replace(day=1)
    while month < end:
        following = add_months(month, 1)
        days = (min(end, following) - max(start, month)).days
        covered += max(days, 0) / calendar.monthrange(month.year, month.month)[1]
        month = following
    return covered


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- counting in the database -----------------------------------------------------------------------------


@dataclass
class Tally:
    """The raw counts of one month and district (or of several, added up). Never shown as they are."""

    signals: int = 0
    cases_opened: int = 0
    single: int = 0
    multiple: int = 0
    multiple_creditors: int = 0
    cases_reached: int = 0
    term_decided: int = 0
    within_term: int = 0
    # days from opening to first contact -> cases, of the cases opened that were reached
    days_to_contact: Counter[int] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)  # channel -> attempts
    attempts_reached: Counter[str] = field(default_factory=Counter)  # channel -> attempts that reached
    outcomes: Counter[str] = field(default_factory=Counter)  # outcome -> cases closed
    closed_by_kind: Counter[str] = field(default_factory=Counter)  # creditor kind -> cases closed
    accepted_by_kind: Counter[str] = field(default_factory=Counter)  # creditor kind -> cases with help

    @property
    def closed(self) -> int:
        return sum(self.outcomes.values())

    @property
    def help_accepted(self) -> int:
        return sum(count for outcome, count in self.outcomes.items() if outcome in HELP_ACCEPTED)

    def add(self, other: Tally) -> None:
        for item in dataclasses.fields(self):
            mine = getattr(self, item.name)
            if isinstance(mine, Counter):
                mine.update(getattr(other, item.name))
            else:
                setattr(self, item.name, mine + getattr(other, item.name))


def _district_of_tombstone() -> Subquery:
    case = Case.objects.filter(uuid=OuterRef("case_uuid")).order_by().values("district_id")[:1]
    return Subquery(case, output_field=models.BigIntegerField())


def _month(name: str) -> TruncMonth:
    return TruncMonth(name, output_field=DateField())


def tallies(municipality_id: int, start: date, end: date) -> dict[Key, Tally]:
    """The counts of [start, end) per month and district, in at most ten queries whatever the size.

    Each figure is counted in the month of its own moment: signals when received, cases (and what
    follows from their opening: single or multiple, reached, offer in time, days to contact) when
    opened, attempts when made, outcomes when the case closed. The queries group by the ids of
    districts and creditors, so they join no more tables than they must; the ids become district
    codes and kinds of creditor afterwards, in two small lookups."""
    since, until = _moment(start), _moment(end)
    today = timezone.localdate()
    # (month, id of the case's district or None) -> counts; the area may be a neighbourhood.
    by_area: defaultdict[tuple[date, int | None], Tally] = defaultdict(Tally)
    # (month, id of the case's district, creditor id) -> [closed cases, cases with help accepted]
    by_creditor: defaultdict[tuple[date, int | None, int], list[int]] = defaultdict(lambda: [0, 0])

    signals = Signal.objects.filter(
        municipality_id=municipality_id, received_at__gte=since, received_at__lt=until
    ).exclude(withdrawal_reason=IN_ERROR)
    for row in (
        signals.order_by().values(month=_month("received_at"), area=F("case__district_id")).annotate(n=Count("id"))
    ):
        by_area[(row["month"], row["area"])].signals += row["n"]

    removed = SignalTombstone.objects.filter(
        municipality_id=municipality_id, received_at__gte=since, received_at__lt=until
    ).exclude(withdrawal_reason=IN_ERROR)
    for row in (
        removed.order_by()
        .annotate(area=_district_of_tombstone())
        .values("area", month=_month("received_at"))
        .annotate(n=Count("id"))
    ):
        by_area[(row["month"], row["area"])].signals += row["n"]

    # A case its creditors withdrew before anyone tried is left out, but only when that came within
    # the term of the first offer: a term already missed stays missed (counted, not within the term).
    # A case joined with another is counted there, from the day the first of the two was opened.
    opened = (
        Case.objects.filter(municipality_id=municipality_id, opened_at__gte=since, opened_at__lt=until)
        .exclude(outcome__in=WITHDRAWAL_OUTCOMES, closed_at__date__lte=F("first_offer_due"))
        .exclude(outcome=Case.Outcome.JOINED)
    )
    for row in (
        opened.order_by()
        .values("district_id", month=_month("opened_at"))
        .annotate(
            opened=Count("id"),
            single=Count("id", filter=Q(signal_count__lte=1)),
            multiple=Count("id", filter=Q(signal_count__gt=1)),
            multiple_creditors=Count("id", filter=Q(creditor_count__gt=1)),
            reached=Count("id", filter=Q(first_contact_at__isnull=False)),
            decided=Count("id", filter=Q(first_offer_at__isnull=False) | Q(first_offer_due__lt=today)),
            within=Count("id", filter=Q(first_offer_at__isnull=False, first_offer_at__date__lte=F("first_offer_due"))),
        )
    ):
        tally = by_area[(row["month"], row["district_id"])]
        tally.cases_opened += row["opened"]
        tally.single += row["single"]
        tally.multiple += row["multiple"]
        tally.multiple_creditors += row["multiple_creditors"]
        tally.cases_reached += row["reached"]
        tally.term_decided += row["decided"]
        tally.within_term += row["within"]

    # Calendar days, as the resident lives them: from the day of opening to the day of first contact.
    days = ExpressionWrapper(TruncDate("first_contact_at") - TruncDate("opened_at"), output_field=DurationField())
    for row in (
        opened.filter(first_contact_at__isnull=False)
        .order_by()
        .annotate(days=days)
        .values("days", "district_id", month=_month("opened_at"))
        .annotate(n=Count("id"))
    ):
        by_area[(row["month"], row["district_id"])].days_to_contact[_whole_days(row["days"])] += row["n"]

    attempts = ContactAttempt.objects.filter(
        case__municipality_id=municipality_id, attempted_at__gte=since, attempted_at__lt=until
    )
    for row in (
        attempts.order_by()
        .values("channel", month=_month("attempted_at"), area=F("case__district_id"))
        .annotate(n=Count("id"), reached=Count("id", filter=Q(reached=True)))
    ):
        tally = by_area[(row["month"], row["area"])]
        tally.attempts[row["channel"]] += row["n"]
        tally.attempts_reached[row["channel"]] += row["reached"]

    closed = Case.objects.filter(
        municipality_id=municipality_id, status=Case.Status.CLOSED, closed_at__gte=since, closed_at__lt=until
    ).exclude(outcome__in=NOT_CLOSED_BY_THE_TEAM)
    for row in closed.order_by().values("outcome", "district_id", month=_month("closed_at")).annotate(n=Count("id")):
        by_area[(row["month"], row["district_id"])].outcomes[row["outcome"]] += row["n"]

    # The creditors of a closed case, from its signals or, once their personal data is removed, from
    # their tombstones. Retention removes all signals of a closed case at once (and a closed case
    # takes no new signals), so a case is counted from one of the two, never both.
    accepted = Q(case__outcome__in=HELP_ACCEPTED)
    for row in (
        Signal.objects.filter(
            municipality_id=municipality_id,
            case__status=Case.Status.CLOSED,
            case__closed_at__gte=since,
            case__closed_at__lt=until,
        )
        .exclude(case__outcome__in=NOT_CLOSED_BY_THE_TEAM)
        .exclude(withdrawal_reason=IN_ERROR)
        .order_by()
        .values("creditor_id", month=_month("case__closed_at"), area=F("case__district_id"))
        .annotate(closed=Count("case_id", distinct=True), accepted=Count("case_id", distinct=True, filter=accepted))
    ):
        counts = by_creditor[(row["month"], row["area"], row["creditor_id"])]
        counts[0] += row["closed"]
        counts[1] += row["accepted"]
    for row in (
        SignalTombstone.objects.filter(
            municipality_id=municipality_id, case_closed_at__gte=since, case_closed_at__lt=until
        )
        .exclude(outcome__in=NOT_CLOSED_BY_THE_TEAM)
        .exclude(withdrawal_reason=IN_ERROR)
        .order_by()
        .annotate(area=_district_of_tombstone())
        .values("area", "creditor_id", month=_month("case_closed_at"))
        .annotate(
            closed=Count("case_uuid", distinct=True),
            accepted=Count("case_uuid", distinct=True, filter=Q(outcome__in=HELP_ACCEPTED)),
        )
    ):
        counts = by_creditor[(row["month"], row["area"], row["creditor_id"])]
        counts[0] += row["closed"]
        counts[1] += row["accepted"]
    return _by_district_code(by_area, by_creditor)


def _by_district_code(
    by_area: Mapping[tuple[date, int | None], Tally],
    by_creditor: Mapping[tuple[date, int | None, int], list[int]],
) -> dict[Key, Tally]:
    """Counts per district code: a neighbourhood counts for the district it lies in."""
    area_ids = {area for _month, area in by_area} | {area for _month, area, _creditor in by_creditor}
    codes: dict[int | None, str] = {None: ""}
    for pk, level, code, parent_code in Area.objects.filter(
        pk__in=[pk for pk in area_ids if pk is not None]
    ).values_list("pk", "level", "code", "parent__code"):
        codes[pk] = parent_code if level == Area.Level.NEIGHBOURHOOD and parent_code else code
    kinds = dict(
        Organisation.objects.filter(pk__in={creditor for _month, _area, creditor in by_creditor}).values_list(
            "pk", "kind"
        )
    )
    buckets: defaultdict[Key, Tally] = defaultdict(Tally)
    for (month, area), tally in by_area.items():
        buckets[(month, codes[area])].add(tally)
    for (month, area, creditor), (closed_cases, with_help) in by_creditor.items():
        tally = buckets[(month, codes[area])]
        tally.closed_by_kind[kinds[creditor]] += closed_cases
        tally.accepted_by_kind[kinds[creditor]] += with_help
    return dict(buckets)


def _whole_days(value: timedelta | int | float) -> int:
    if isinstance(value, timedelta):
        return value.days
    return int(value)


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value -> how often; None when there are none."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = ((total - 1) // 2, total // 2)  # the middle one, or the two middle ones
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for position in wanted:
            if seen <= position < seen + count:
                found.append(value)
        seen += count
        if len(found) == len(wanted):
            break
    return sum(found) / len(found)


# --- which counts a table hides ---------------------------------------------------------------------------

# A table is what the monitor shows of one area: a row per month and one for the whole period, each
# holding every count below by name. Every count adds up over the months to the whole period's.
CHANNELS = tuple(ContactAttempt.Channel.values)
ACCEPTED_OUTCOMES = tuple(outcome for outcome, _label in OUTCOMES if outcome in HELP_ACCEPTED)
DECLINED_OUTCOMES = tuple(outcome for outcome, _label in OUTCOMES if outcome not in HELP_ACCEPTED)


def counts_of(tally: Tally) -> dict[str, int]:
    """The counts of ``tally`` the monitor shows, by name: one row of a table."""
    counts = {
        "signals": tally.signals,
        "cases_opened": tally.cases_opened,
        "single": tally.single,
        "multiple": tally.multiple,
        "multiple_creditors": tally.multiple_creditors,
        "cases_reached": tally.cases_reached,
        "term_decided": tally.term_decided,
        "within_term": tally.within_term,
        "attempts": sum(tally.attempts.values()),
        "attempts_reached": sum(tally.attempts_reached.values()),
        "closed": tally.closed,
        "help_accepted": tally.help_accepted,
    }
    for channel in CHANNELS:
        counts[f"attempts:{channel}"] = tally.attempts[channel]
        counts[f"attempts_reached:{channel}"] = tally.attempts_reached[channel]
    for outcome, _label in OUTCOMES:
        counts[f"outcome:{outcome}"] = tally.outcomes[outcome]
    for kind in CREDITOR_KINDS:
        counts[f"closed:{kind.value}"] = tally.closed_by_kind[kind.value]
        counts[f"help_accepted:{kind.value}"] = tally.accepted_by_kind[kind.value]
    return counts


# The counts of a row that add up to another count of the row, that total last. The outcomes come in
# two steps before all of them together, so that a small one takes a neighbour of its own step along.
ROW_LINES: tuple[tuple[str, ...], ...] = (
    ("single", "multiple", "cases_opened"),
    (*(f"attempts:{channel}" for channel in CHANNELS), "attempts"),
    (*(f"attempts_reached:{channel}" for channel in CHANNELS), "attempts_reached"),
    (*(f"outcome:{outcome}" for outcome in ACCEPTED_OUTCOMES), "help_accepted"),
    (*(f"outcome:{outcome}" for outcome in DECLINED_OUTCOMES), "help_accepted", "closed"),
    (*(f"outcome:{outcome}" for outcome, _label in OUTCOMES), "closed"),
)
# (part, whole): the rest, whole minus part, is not shown, but the two shown together would give it.
PARTS: tuple[tuple[str, str], ...] = (
    ("multiple_creditors", "multiple"),
    ("cases_reached", "cases_opened"),
    ("within_term", "term_decided"),
    ("attempts_reached", "attempts"),
    *((f"attempts_reached:{channel}", f"attempts:{channel}") for channel in CHANNELS),
    ("help_accepted", "closed"),
    *((f"help_accepted:{kind.value}", f"closed:{kind.value}") for kind in CREDITOR_KINDS),
)
# Counts that hide together: a way of contact is one row of its breakdown, shown whole or not at all.
TOGETHER: tuple[tuple[str, ...], ...] = tuple(
    (f"attempts:{channel}", f"attempts_reached:{channel}") for channel in CHANNELS
)
# The totals: hidden because they are small, they read "< 10"; every other hidden count "not shown".
TOTALS = frozenset(
    {
        "signals",
        "cases_opened",
        "attempts",
        "closed",
        "term_decided",
        *(f"closed:{kind.value}" for kind in CREDITOR_KINDS),
    }
)

# (row of the table, name of the count)
Cell = tuple[int, str]


def hidden_counts(rows: Sequence[Mapping[str, int]]) -> set[Cell]:
    """The counts of a table to hide. ``rows`` are the months and, last, the whole period, whose counts
    are the months' added up; or a single row, a table of its own.

    Every count below 10 hides. Then, until nothing changes: when the rest of a part (whole minus
    part) is small while the whole is shown, the part hides (it is never larger than its whole); both
    counts of a way of contact hide when one does; and no line may hold exactly one hidden count,
    since the line's other counts would give it away. A line is a set of counts that add up: the
    breakdowns of a row with their total (``ROW_LINES``), and each count down the months with the
    whole period as their sum. A line with one hidden count hides its smallest other count too (on a
    tie the earlier one: a part before its total, a month before the whole period).

    That is not enough on its own (several lines together can give a hidden count away, see
    :func:`exposed_cells`), so then, until no hidden count is exposed, the first exposed one (by row,
    then name) hides the smallest shown count of a line through it, and the rules above run again."""
    hidden = {(row, name) for row, counts in enumerate(rows) for name, count in counts.items() if is_small(count)}
    lines = [[(row, name) for name in line] for row in range(len(rows)) for line in ROW_LINES]
    if len(rows) > 1:
        lines += [[(row, name) for row in range(len(rows))] for name in rows[0]]
    solved: dict[frozenset[Cell], set[Cell]] = {}
    while True:
        _hide_until_no_line_gives_one_away(rows, lines, hidden)
        exposed = exposed_cells(lines, hidden, solved=solved)
        if not exposed:
            return hidden
        hidden.add(_smallest_shown_beside(min(exposed), rows, lines, hidden))


def _hide_until_no_line_gives_one_away(
    rows: Sequence[Mapping[str, int]], lines: Sequence[Sequence[Cell]], hidden: set[Cell]
) -> None:
    """The simple rules of :func:`hidden_counts`, applied to ``hidden`` until nothing changes."""
    while True:
        before = len(hidden)
        for row, counts in enumerate(rows):
            for part, whole in PARTS:
                if is_small(counts[whole] - counts[part]) and (row, whole) not in hidden:
                    hidden.add((row, part))
            for together in TOGETHER:
                if any((row, name) in hidden for name in together):
                    hidden.update((row, name) for name in together)
        for line in lines:
            # (count, place in the line, cell) of the counts still shown, so min() takes the smallest
            shown = [
                (rows[row][name], place, (row, name))
                for place, (row, name) in enumerate(line)
                if (row, name) not in hidden
            ]
            if len(shown) == len(line) - 1:
                hidden.add(min(shown)[2])
        if len(hidden) == before:
            return


def exposed_cells(
    lines: Sequence[Sequence[Cell]],
    hidden: AbstractSet[Cell],
    *,
    solved: dict[frozenset[Cell], set[Cell]] | None = None,
) -> set[Cell]:
    """The hidden cells whose value the shown cells and the lines (their parts add up to their total,
    the last cell) determine exactly.

    That no line holds exactly one hidden cell is not enough: lines can give a cell away together.
    Attempts per way of contact over four months, nine of them below 10 (3, 4; 5, 2, 6; 7, 8; 4, 5),
    every line holding two or more: the shown totals of the first two months tell what their hidden
    cells add up to (7 and 13), the whole periods what the hidden letters and phone calls add up to
    (8 and 6), and the second month's texts are 7 + 13 - 8 - 6 = 6. So this solves the lines as
    linear equations in the hidden cells, exactly, with fractions: a cell is determined when its unit
    vector lies in the row space of the equations, that is when its row of the reduced row echelon
    form holds nothing but the cell itself.

    Hidden cells that share no line are independent, so each connected component (cells joined by a
    line holding both) is solved on its own; ``solved`` keeps the answers per component across
    calls with the same lines. For a table of 36 months and the whole period, all of
    :func:`hidden_counts` takes 5-20 ms, at most 75 ms (docs/early-signals-monitor.md)."""
    solved = {} if solved is None else solved
    exposed: set[Cell] = set()
    for component, equations in _components(lines, hidden):
        if component not in solved:
            solved[component] = _determined(equations)
        exposed |= solved[component]
    return exposed


def _components(
    lines: Sequence[Sequence[Cell]], hidden: AbstractSet[Cell]
) -> list[tuple[frozenset[Cell], list[dict[Cell, Fraction]]]]:
    """The hidden cells in groups joined by lines, each with the equations of its lines in them: part
    +1, total -1, the shown cells left out (they are known)."""
    leader: dict[Cell, Cell] = {}

    def find(cell: Cell) -> Cell:
        while leader.setdefault(cell, cell) != cell:
            leader[cell] = leader[leader[cell]]
            cell = leader[cell]
        return cell

    equations: list[dict[Cell, Fraction]] = []
    for line in lines:
        equation = {
            cell: Fraction(-1 if place == len(line) - 1 else 1) for place, cell in enumerate(line) if cell in hidden
        }
        if not equation:
            continue
        equations.append(equation)
        first, *others = (find(cell) for cell in equation)
        for other in others:
            leader[find(other)] = find(first)
    by_leader: defaultdict[Cell, list[dict[Cell, Fraction]]] = defaultdict(list)
    for equation in equations:
        by_leader[find(next(iter(equation)))].append(equation)
    return [(frozenset(cell for equation in group for cell in equation), group) for group in by_leader.values()]


def _determined(equations: Iterable[Mapping[Cell, Fraction]]) -> set[Cell]:
    """The cells that ``equations`` (cell -> coefficient, each summing to a known value) fix: Gauss-Jordan
    elimination, each pivot's row reduced in every other, so a pivot is fixed when its row is alone."""
    rows: dict[Cell, dict[Cell, Fraction]] = {}  # pivot -> its row, 1 at the pivot, 0 at every other pivot
    for equation in equations:
        row = dict(equation)
        for pivot, pivot_row in rows.items():
            if pivot in row:
                _subtract(row, row[pivot], pivot_row)
        if not row:
            continue  # follows from the equations before
        pivot = min(row)
        scale = row[pivot]
        row = {cell: value / scale for cell, value in row.items()}
        for other in rows.values():
            if pivot in other:
                _subtract(other, other[pivot], row)
        rows[pivot] = row
    return {pivot for pivot, row in rows.items() if len(row) == 1}


def _subtract(row: dict[Cell, Fraction], factor: Fraction, other: Mapping[Cell, Fraction]) -> None:
    """``row`` -= ``factor`` x ``other``, dropping the zeros."""
    for cell, value in other.items():
        left = row.get(cell, Fraction(0)) - factor * value
        if left:
            row[cell] = left
        else:
            row.pop(cell, None)


def _smallest_shown_beside(
    cell: Cell, rows: Sequence[Mapping[str, int]], lines: Sequence[Sequence[Cell]], hidden: AbstractSet[Cell]
) -> Cell:
    """The shown cell to hide for the exposed ``cell``: the smallest shown cell of a line through it
    (on a tie the earlier in its line, as for a line with one hidden cell). When every line through
    it is hidden whole, the nearest lines with a shown cell, going along hidden cells: an exposed cell
    always has some, since lines of hidden cells alone never fix a cell."""
    seen, reached = {cell}, [cell]
    while reached:
        through = [line for line in lines if any(near in line for near in reached)]
        shown = [
            (rows[row][name], place, (row, name))
            for line in through
            for place, (row, name) in enumerate(line)
            if (row, name) not in hidden
        ]
        if shown:
            return min(shown)[2]
        reached = [near for line in through for near in line if near not in seen]
        seen.update(reached)
    raise AssertionError(f"{cell} is exposed by no shown cell")


# --- figures as they may be shown -------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class _Row:
    """One row of a table and which of its counts hide, to make its figures from."""

    counts: Mapping[str, int]
    hidden: frozenset[str]

    def count(self, name: str) -> Shown:
        if name not in self.hidden:
            return Shown(self.counts[name])
        if name in TOTALS and is_small(self.counts[name]):
            return small_counts.SMALL
        return small_counts.HIDDEN

    def built_on(self, value: float | None, *names: str) -> Shown:
        """A figure computed from the counts ``names``: hidden when any of them is, even when there is
        nothing to divide by (a figure left empty would tell that a count is zero); else unknown
        when it cannot be computed."""
        if any(name in self.hidden for name in names):
            return small_counts.HIDDEN
        return small_counts.built_on(value)

    def share(self, part: str, whole: str, *others: str) -> Shown:
        """``part`` as a percentage of ``whole``; hidden when either is, or any of ``others``."""
        return self.built_on(_share(self.counts[part], self.counts[whole]), part, whole, *others)


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    label: str
    attempts: Shown
    reached: Shown
    share_reached: Shown


@dataclass(frozen=True)
class OutcomeFigures:
    outcome: str
    label: str
    help_accepted: bool
    cases: Shown


@dataclass(frozen=True)
class KindFigures:
    kind: str
    label: str
    closed: Shown
    help_accepted: Shown
    share_help_accepted: Shown


@dataclass(frozen=True)
class Figures:
    """Every figure of the monitor for one area and one month (or the whole period), each as it may
    be shown. Percentages are 0-100."""

    signals: Shown
    signals_per_1000: Shown
    cases_opened: Shown
    single: Shown
    multiple: Shown
    multiple_creditors: Shown
    share_multiple: Shown
    cases_reached: Shown
    share_reached: Shown
    attempts: Shown
    attempts_reached: Shown
    share_attempts_reached: Shown
    channels: tuple[ChannelFigures, ...]
    closed: Shown
    help_accepted: Shown
    share_help_accepted: Shown
    outcomes: tuple[OutcomeFigures, ...]
    kinds: tuple[KindFigures, ...]
    median_days_to_contact: Shown
    term_decided: Shown
    within_term: Shown
    share_within_term: Shown


@dataclass(frozen=True)
class CountedRow:
    """A row of a table before the rule: the counts of a month (or of the whole period), and how many
    months it covers, for the signals per 1,000 residents per month."""

    tally: Tally
    months: float


def table_figures(rows: Sequence[CountedRow], *, population: int | None) -> list[Figures]:
    """The figures of a table (``rows`` as for :func:`hidden_counts`), with the counts it hides hidden,
    and every figure built on one of them."""
    counts = [counts_of(row.tally) for row in rows]
    hidden = hidden_counts(counts)
    return [
        _figures(
            _Row(counts[index], frozenset(name for at, name in hidden if at == index)),
            row.tally,
            population=population,
            months=row.months,
        )
        for index, row in enumerate(rows)
    ]


def figures_of(tally: Tally, *, population: int | None, months: float) -> Figures:
    """The figures of ``tally`` as a table of one row. ``months`` is how many months the tally
    covers, for the signals per 1,000 residents per month."""
    return table_figures([CountedRow(tally, months)], population=population)[0]


def _figures(row: _Row, tally: Tally, *, population: int | None, months: float) -> Figures:
    per_1000 = tally.signals / population * PER_RESIDENTS / months if population and months > 0 else None
    channels = tuple(
        ChannelFigures(
            channel=channel,
            label=str(label),
            attempts=row.count(f"attempts:{channel}"),
            reached=row.count(f"attempts_reached:{channel}"),
            share_reached=row.share(f"attempts_reached:{channel}", f"attempts:{channel}"),
        )
        for channel, label in ContactAttempt.Channel.choices
    )
    outcomes = tuple(
        OutcomeFigures(
            outcome=outcome,
            label=str(label),
            help_accepted=outcome in HELP_ACCEPTED,
            cases=row.count(f"outcome:{outcome}"),
        )
        for outcome, label in OUTCOMES
    )
    kinds = tuple(
        KindFigures(
            kind=kind.value,
            label=str(kind.label),
            closed=row.count(f"closed:{kind.value}"),
            help_accepted=row.count(f"help_accepted:{kind.value}"),
            share_help_accepted=row.share(f"help_accepted:{kind.value}", f"closed:{kind.value}"),
        )
        for kind in CREDITOR_KINDS
    )
    return Figures(
        signals=row.count("signals"),
        signals_per_1000=row.built_on(per_1000, "signals"),
        cases_opened=row.count("cases_opened"),
        single=row.count("single"),
        multiple=row.count("multiple"),
        multiple_creditors=row.count("multiple_creditors"),
        share_multiple=row.share("multiple", "cases_opened", "single"),
        cases_reached=row.count("cases_reached"),
        share_reached=row.share("cases_reached", "cases_opened"),
        attempts=row.count("attempts"),
        attempts_reached=row.count("attempts_reached"),
        share_attempts_reached=row.share("attempts_reached", "attempts"),
        channels=channels,
        closed=row.count("closed"),
        help_accepted=row.count("help_accepted"),
        share_help_accepted=row.share("help_accepted", "closed"),
        outcomes=outcomes,
        kinds=kinds,
        median_days_to_contact=row.built_on(median(tally.days_to_contact), "cases_reached"),
        term_decided=row.count("term_decided"),
        within_term=row.count("within_term"),
        share_within_term=row.share("within_term", "term_decided"),
    )


# --- the monitor of a municipality ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorArea:
    """The whole municipality, one of its districts, or the cases whose district is not known."""

    code: str  # CBS code; NO_DISTRICT for "district unknown"
    name: str
    population: int | None
    is_municipality: bool = False

    @property
    def is_unknown(self) -> bool:
        return self.code == NO_DISTRICT

    def holds(self, district_code: str) -> bool:
        """Whether counts of ``district_code`` ("" when unknown) belong to this area."""
        if self.is_municipality:
            return True
        if self.is_unknown:
            return district_code == ""
        return district_code == self.code


@dataclass(frozen=True)
class MonitorRow:
    month: date | None  # None: the whole period
    figures: Figures


@dataclass(frozen=True)
class AreaMonitor:
    area: MonitorArea
    months: tuple[MonitorRow, ...]
    whole_period: MonitorRow


@dataclass(frozen=True)
class Monitor:
    first_month: date
    last_month: date
    areas: tuple[AreaMonitor, ...]


def monitor_areas(municipality: Municipality) -> list[MonitorArea]:
    """The whole municipality, its districts, and "district unknown": the areas the monitor splits by."""
    whole = area_by_code(municipality.code)
    areas = [
        MonitorArea(
            code=municipality.code,
            name=municipality.name,
            population=whole.population if whole is not None else None,
            is_municipality=True,
        )
    ]
    areas.extend(
        MonitorArea(code=district.code, name=district.name, population=district.population)
        for district in districts_of(municipality.code)
    )
    areas.append(MonitorArea(code=NO_DISTRICT, name=str(_("District unknown")), population=None))
    return areas


def _sum(buckets: Mapping[Key, Tally], area: MonitorArea, months: Iterable[date] | None = None) -> Tally:
    wanted = set(months) if months is not None else None
    total = Tally()
    for (month, code), tally in buckets.items():
        if area.holds(code) and (wanted is None or month in wanted):
            total.add(tally)
    return total


def monitor_of(
    *,
    actor: Actor,
    municipality: Municipality,
    first_month: date,
    last_month: date,
    area_code: str | None = None,
) -> Monitor:
    """The monitor of ``municipality`` from ``first_month`` to ``last_month`` (both included), for one
    area (a code of :func:`monitor_areas`) or, when None, for every area. Only for the early-signalling
    officers and the policy officers of the municipality."""
    require_role(actor, *MONITOR_READERS, municipality_id=municipality.pk)
    months = months_from(first_month, last_month)
    if not months or len(months) > MAX_MONTHS:
        raise ValueError(f"between 1 and {MAX_MONTHS} months")
    start, end = months[0], add_months(months[-1], 1)
    buckets = tallies(municipality.pk, start, end)
    today = timezone.localdate()
    covered = months_covered(start, end, today)
    areas = [area for area in monitor_areas(municipality) if area_code is None or area.code == area_code]
    return Monitor(
        first_month=months[0],
        last_month=months[-1],
        areas=tuple(_area_monitor(buckets, area, months, today=today, covered=covered) for area in areas),
    )


def _area_monitor(
    buckets: Mapping[Key, Tally], area: MonitorArea, months: list[date], *, today: date, covered: float
) -> AreaMonitor:
    """The table of ``area``: a row per month and the whole period, their sum, suppressed together."""
    rows = [
        CountedRow(_sum(buckets, area, [month]), months_covered(month, add_months(month, 1), today)) for month in months
    ]
    whole = Tally()
    for row in rows:
        whole.add(row.tally)
    *per_month, whole_period = table_figures([*rows, CountedRow(whole, covered)], population=area.population)
    return AreaMonitor(
        area=area,
        months=tuple(
            MonitorRow(month=month, figures=figures) for month, figures in zip(months, per_month, strict=True)
        ),
        whole_period=MonitorRow(month=None, figures=whole_period),
    )


# --- operational indicators for the quality compass -------------------------------------------------------


def figures_per_area(municipality_id: int, period: Period) -> dict[str, Figures]:
    """The figures of the whole period for the municipality and each district, by CBS code. Cases
    whose district is not known count for the municipality only."""
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        return {}
    buckets = tallies(municipality_id, period.start, period.end)
    covered = months_covered(period.start, period.end, timezone.localdate())
    return {
        area.code: figures_of(_sum(buckets, area), population=area.population, months=covered)
        for area in monitor_areas(municipality)
        if not area.is_unknown
    }


def _published(pick: str) -> Compute:
    def compute(municipality_id: int, period: Period) -> Mapping[str, float]:
        # The compass hides small counts only for indicators that are counts; these are rates, so an
        # area whose figure rests on a count below 10 is left out here.
        values = {}
        for code, figures in figures_per_area(municipality_id, period).items():
            shown: Shown = getattr(figures, pick)
            if shown.value is not None:
                values[code] = shown.value
        return values

    return compute


INDICATORS = (
    OperationalIndicator(
        code="early_signals.signals_per_1000",
        name=_("Early signals per 1,000 residents per month"),
        unit=_("signals per 1,000 residents per month"),
        definition=_(
            "Signals of payment arrears received from creditors in the period (signals whose personal data was "
            "removed included), per 1,000 residents of the area (CBS), divided by the months of the period that "
            "have passed. An area with fewer than 10 signals is left out."
        ),
        polarity="neutraal",
        is_count=False,
        compute=_published("signals_per_1000"),
    ),
    OperationalIndicator(
        code="early_signals.multiple_signals",
        name=_("Households signalled more than once"),
        unit=_("percentage of cases"),
        definition=_(
            "Of the cases opened in the period (households with one or more signals), the percentage with more "
            "than one signal: of several creditors, or repeated."
        ),
        polarity="neutraal",
        is_count=False,
        compute=_published("share_multiple"),
    ),
    OperationalIndicator(
        code="early_signals.contact_rate",
        name=_("Households with arrears reached"),
        unit=_("percentage of cases"),
        definition=_(
            "Of the cases opened in the period (households with one or more signals), the percentage the "
            "early-signalling team has reached by any way of contact so far."
        ),
        polarity="hoger_beter",
        is_count=False,
        compute=_published("share_reached"),
    ),
    OperationalIndicator(
        code="early_signals.help_accepted",
        name=_("Households that accepted help after a signal"),
        unit=_("percentage of closed cases"),
        definition=_(
            "Of the cases closed in the period, the percentage closed with help accepted: solved directly, a "
            "payment arrangement, or a referral to debt help or another partner."
        ),
        polarity="hoger_beter",
        is_count=False,
        compute=_published("share_help_accepted"),
    ),
    OperationalIndicator(
        code="early_signals.days_to_first_contact",
        name=_("Days from signal to first contact (median)"),
        unit=_("days"),
        definition=_(
            "Of the cases opened in the period that were reached, the median number of calendar days from the "
            "opening of the case (the first signal) to the first attempt that reached the household."
        ),
        polarity="hoger_slechter",
        is_count=False,
        compute=_published("median_days_to_contact"),
    ),
    OperationalIndicator(
        code="early_signals.within_term",
        name=_("First offer of help within the legal term"),
        unit=_("percentage of cases"),
        definition=_(
            "Of the cases opened in the period whose term has passed or that had an offer, the percentage whose "
            "first offer (the first attempt of any kind) was made on or before the day it was due."
        ),
        polarity="hoger_beter",
        is_count=False,
        compute=_published("share_within_term"),
    ),
)


def register_indicators() -> None:
    """Publish the indicators (from ``EarlySignalsConfig.ready``); doing it again is harmless."""
    for indicator in INDICATORS:
        register(indicator)
