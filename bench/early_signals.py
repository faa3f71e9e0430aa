"""Early signals at national scale, on PostgreSQL: generated deliveries of Dutch creditors through
the whole intake, next to a bare COPY of the same files into a plain table (the floor).

The generator is seeded, so every run reads the same files. It invents people and households
(Dutch given names and surnames from word parts, with prefixes such as "van der" and diacritics;
street names from Dutch word parts; postcodes from the real postcode areas of twelve
municipalities, which the benchmark creates as areas with districts and a postcode table) and
lets twenty invented creditors (housing corporations per region, energy suppliers, drinking-water
companies per region, health insurers) report on them: about 15% of the signals are about a
household that was reported before, by the same creditor a month later or by another one,
sometimes with its name or address written differently; 2% of the households share their address
with another; 1% of the rows hold an error and 2% something to warn about, as real files do. The
signals are written as CSV files in the documented format (docs/early-signals-format.md), one
file per creditor and month, of at most 50,000 rows.

At each size, in a fresh database:

- **Floor.** Every file is read from disk and copied with a bare ``COPY ... FROM STDIN (FORMAT
  csv)`` into a plain table of the same 20 columns as text (no key, no index, no check), one
  transaction per file.
- **Parse and check.** Every file read and every row checked (``formats.read_file``,
  ``rows.check_row``), without the database: the part of the intake that is pure Python.
- **Intake.** Every file delivered with ``signals_deliver_file``, in order, as the API receives
  it: checks, links into cases, stores signals, queues the shared-log entries (one signed entry per
  municipality and written chunk, whose items are its signals; ADR 0010) and writes the audit
  records. The shared log is sequenced by a task worker after each commit in production;
  here the tasks are held back during the intake and their work is measured after it.
- **Sequencing.** The worker's share: the queued entries given their place in each municipality's
  log (``sequencer.sequence_queued``). With ``--worker`` a task worker (django-tasks-db, as in
  production) runs the sequencing tasks beside the intake instead, and this step is the time the
  worker takes to finish after the intake.
- **Withdrawals.** After the intake creditors withdraw 2,000 signals through the API's service
  (``signals_withdraw_json``, batches of up to 1,000 per creditor, a third sent in error), next to a
  bare UPDATE that marks as many other signals withdrawn.

Memory is the peak resident size of the process (``ru_maxrss``) after each step and how much it
grew. ``python -m bench early_signals`` runs it from the suite; ``python -m bench.early_signals
--sizes 100000,1000000`` alone (``--help`` for the other knobs). It runs on the server of a
postgres ``DATABASE_URL`` (else postgres@127.0.0.1:5432) in a scratch database that is created,
recreated for every size and dropped at the end: ``BENCH_DATABASE`` or ``--database`` names it.
"""

from __future__ import annotations

import argparse
import csv
import functools
import gc
import json
import os
import random
import re
import resource
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from bench import run_apart

DATABASE = "meedoen_bench_signals"
SIZES = (100_000, 1_000_000)
STREAMS = (1, 2)  # processes that deliver side by side: one, and one per core of the benchmark machine
SEED = 2026
MAX_DELIVERY = 50_000  # rows per file; the format allows 100,000
ROWS_PER_MONTH = 330_000  # signals per month of deliveries: more signals, more months
REPEAT = 0.15  # a signal about a household reported before
SAME_CREDITOR = 0.45  # of those: the same creditor again (a month later, or another kind of signal)
VARIANT = 0.35  # of those: the name or address written differently
PARTNER = 0.02  # a household at the address of another one
ERRORS = 0.01  # rows with an error
WARNINGS = 0.02  # rows with something to warn about
RESENT = 0.003  # rows sent twice in one file

# CBS code, name, share of the signals, postcode areas (first, last, place).
MUNICIPALITIES: tuple[tuple[str, str, int, tuple[tuple[int, int, str], ...]], ...] = (
    ("GM0363", "Amsterdam", 30, ((1011, 1109, "Amsterdam"),)),
    ("GM0599", "Rotterdam", 22, ((3011, 3089, "Rotterdam"),)),
    ("GM0518", "'s-Gravenhage", 18, ((2491, 2598, "'s-Gravenhage"),)),
    ("GM0344", "Utrecht", 11, ((3511, 3585, "Utrecht"),)),
    ("GM0772", "Eindhoven", 7, ((5611, 5658, "Eindhoven"),)),
    ("GM0855", "Tilburg", 7, ((5011, 5049, "Tilburg"),)),
    ("GM0014", "Groningen", 7, ((9711, 9747, "Groningen"),)),
    ("GM0202", "Arnhem", 5, ((6811, 6846, "Arnhem"),)),
    ("GM0153", "Enschede", 5, ((7511, 7548, "Enschede"),)),
    ("GM0080", "Leeuwarden", 4, ((8911, 8941, "Leeuwarden"),)),
    ("GM0867", "Waalwijk", 2, ((5141, 5146, "Waalwijk"), (5161, 5162, "Sprang-Capelle"), (5165, 5165, "Waspik"))),
    ("GM0938", "Meerssen", 1, ((6231, 6231, "Meerssen"), (6235, 6235, "Ulestraten"), (6241, 6241, "Bunde"))),
)
DISTRICTS = 10  # at most, per municipality

HOUSING, ENERGY, WATER, INSURER = "woningcorporatie", "energieleverancier", "drinkwaterbedrijf", "zorgverzekeraar"
# Share of the first signals about a household, per kind of creditor.
KIND_SHARE = {HOUSING: 35, ENERGY: 30, WATER: 10, INSURER: 25}


@dataclass(frozen=True)
class Creditor:
    slug: str
    name: str
    kind: str
    reference: str  # the start of its references
    municipalities: tuple[str, ...] = ()  # empty: every municipality
    dutch_style: bool = False  # dates as DD-MM-YYYY and amounts with a decimal comma


# Every creditor is invented.
CREDITORS = (
    Creditor("woonstichting-grachtenzicht", "Woonstichting Grachtenzicht", HOUSING, "WG", ("GM0363",)),
    Creditor("havenwonen", "Havenwonen", HOUSING, "HW", ("GM0599",), dutch_style=True),
    Creditor("duinhuis-wonen", "Duinhuis Wonen", HOUSING, "DW", ("GM0518",)),
    Creditor("domstad-woningen", "Domstad Woningen", HOUSING, "DS", ("GM0344",)),
    Creditor("lichtstad-wonen", "Lichtstad Wonen", HOUSING, "LW", ("GM0772",), dutch_style=True),
    Creditor("brabantse-woonkring", "Brabantse Woonkring", HOUSING, "BW", ("GM0855", "GM0867")),
    Creditor("noorderhuis", "Noorderhuis", HOUSING, "NH", ("GM0014", "GM0080")),
    Creditor("veluwezoom-wonen", "Veluwezoom Wonen", HOUSING, "VZ", ("GM0202",)),
    Creditor("twentehuis", "Twentehuis", HOUSING, "TH", ("GM0153",), dutch_style=True),
    Creditor("heuvelland-wonen", "Heuvelland Wonen", HOUSING, "HL", ("GM0938",)),
    Creditor("woonstichting-langstraat", "Woonstichting Langstraat", HOUSING, "LS", ("GM0867",)),
    Creditor("energie-verzonnen", "Energie Verzonnen", ENERGY, "EV"),
    Creditor("stroomkracht", "Stroomkracht", ENERGY, "SK", dutch_style=True),
    Creditor("windweide-energie", "Windweide Energie", ENERGY, "WE"),
    Creditor("duinwater", "Duinwater", WATER, "DU", ("GM0363", "GM0518", "GM0599", "GM0344")),
    Creditor("waterbedrijf-denkbeeld", "Waterbedrijf Denkbeeld", WATER, "WD", ("GM0772", "GM0855", "GM0867", "GM0938")),
    Creditor("noordwater", "Noordwater", WATER, "NW", ("GM0014", "GM0080", "GM0202", "GM0153"), dutch_style=True),
    Creditor("zorgverzekeraar-fictief", "Zorgverzekeraar Fictief", INSURER, "ZF"),
    Creditor("zorgkring", "Zorgkring", INSURER, "ZK", dutch_style=True),
    Creditor("gezondzeker", "Gezondzeker", INSURER, "GZ"),
)

GIVEN_NAMES = (
    "Jolien", "Daan", "Sanne", "Bram", "Fleur", "Thijs", "Anouk", "Joris", "Lotte", "Sem", "Noor", "Luuk",
    "Femke", "Ruben", "Ilse", "Niels", "Chloë", "Zoë", "Noël", "Joëlle", "Désirée", "René", "André", "Inès",
    "Mohamed", "Fatima", "Yusuf", "Ayşe", "Emre", "Priya", "Kwame", "Anna", "Pieter", "Johannes", "Maria",
    "Willemijn", "Geertje", "Henk", "Truus", "Gerrit", "Jan Willem", "Kees", "Ingrid", "Marloes", "Sjoerd",
    "Wietske", "Tjitske", "Hüseyin", "Özlem", "Nadia", "Samira", "Ilias", "Bilal", "Dewi", "Ruud", "Anne Marie",
    "IJsbrand", "Ijsje", "Stijn", "Merel", "Cor", "Rian", "Gülşen", "Mieke", "Frits", "Eline", "Jesse", "Sophie",
)  # fmt: skip
SURNAME_STARTS = (
    "Groen", "Hoog", "Klein", "Oost", "West", "Zuid", "Noord", "Bak", "Ver", "Stee", "Vos", "Kort", "Lang",
    "Breed", "Rooij", "Haver", "Schouw", "Wit", "Zwart", "Mol", "Kerk", "Brug", "Lind", "Eik", "Berk", "Dijk",
    "Smed", "Hen", "Wouter", "Gerrit", "Jans", "Pieter", "Klaas", "Dirk", "Maas", "Rijn", "Sche", "Boë", "Daël",
)  # fmt: skip
SURNAME_ENDS = (
    "berg", "dijk", "bosch", "veen", "meer", "hof", "brink", "kamp", "molen", "hout", "beek", "heuvel", "wal",
    "sloot", "laar", "akker", "haar", "velde", "wijk", "man", "mans", "ink", "stra", "sma", "ema", "huis", "zand",
    "horst", "broek", "donk", "sen", "se", "ens", "ing", "huizen", "kes", "ström", "érs",
)  # fmt: skip
OTHER_SURNAMES = (
    "Şahin", "Öztürk", "El Amrani", "Benaïssa", "Nguyễn", "Kovačević", "Müller", "Dos Santos", "Ramdin",
    "Tjon A Fong", "Ait Bouchra", "Doğan", "Pérez", "Łukasik", "D'Souza",
)  # fmt: skip
PREFIXES = ("van", "de", "van der", "van den", "van de", "ter", "ten", "den", "van 't", "in 't", "op de", "de la")
STREET_STARTS = (
    "Vlier", "Lijster", "Merel", "Kievit", "Linde", "Eiken", "Berken", "Wilgen", "Hazelaar", "Klaver",
    "Boterbloem", "Molen", "Kerk", "Dorps", "Schans", "Weide", "Polder", "Reiger", "Zwaluw", "Meidoorn",
    "Hyacint", "Tulpen", "Dahlia", "Akelei", "Vlas", "Koren", "Haven", "Sluis", "Vesting", "Burcht", "Abdij",
    "Ruïne", "Reeën", "Coöperatie", "Gaffel", "Zeis", "Smids", "Kuipers", "Bakkers", "Wevers", "Touw", "Zeil",
)  # fmt: skip
STREET_ENDS = (
    "straat", "laan", "weg", "plein", "gracht", "singel", "hof", "kade", "dreef", "pad", "steeg", "erf",
    "plantsoen", "wal", "baan", "park",
)  # fmt: skip
ADDITIONS = ("A", "B", "C", "1", "2", "3", "bis", "hs", "I", "II", "zw")
POSTCODE_LETTERS = "ABCEGHJKLMNPRSTVWXZ"  # the letters Dutch postcodes use
HEADER = (
    "municipality", "creditor_reference", "signal_kind", "initials", "given_name", "surname_prefix", "surname",
    "date_of_birth", "street", "house_number", "house_number_addition", "postcode", "city", "phone", "email",
    "bsn", "arrears_amount", "months_in_arrears", "reminder_date", "signal_date",
)  # fmt: skip


# --- the generator ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Household:
    """One person and where they live, and the creditors they have."""

    municipality: str
    given_name: str
    prefix: str
    surname: str
    date_of_birth: date
    street: str
    number: int
    addition: str
    postcode: str  # "1234 AB"
    city: str
    phone: str
    email: str
    bsn: str
    creditors: tuple[int, ...]  # indexes into CREDITORS


def _weighted_municipalities() -> list[int]:
    return [index for index, (_, _, share, _) in enumerate(MUNICIPALITIES) for _ in range(share)]


_MUNICIPALITY_DRAW = _weighted_municipalities()


def _serving(kind: str, municipality: str) -> list[int]:
    return [
        index
        for index, creditor in enumerate(CREDITORS)
        if creditor.kind == kind and (not creditor.municipalities or municipality in creditor.municipalities)
    ]


def _bsn(rng: random.Random) -> str:
    """Nine digits that pass the eleven test."""
    while True:
        digits = [rng.randrange(1, 10), *(rng.randrange(10) for _ in range(7))]
        check = sum(digit * weight for digit, weight in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii() and char.isalpha()).lower()


def _surname(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(OTHER_SURNAMES)
    return rng.choice(SURNAME_STARTS) + rng.choice(SURNAME_ENDS)


def _person(rng: random.Random, today: date) -> tuple[str, str, str, date]:
    prefix = rng.choice(PREFIXES) if rng.random() < 0.3 else ""
    age = min(90, 18 + int(rng.expovariate(1 / 22)))
    born = date(today.year - age, rng.randrange(1, 13), rng.randrange(1, 29))
    return rng.choice(GIVEN_NAMES), prefix, _surname(rng), born


def household(number: int, today: date, seed: int = SEED) -> Household:
    """The household ``number``: the same every time it is asked for, without being kept."""
    rng = random.Random(seed * 1_000_003 + number)
    given, prefix, surname, born = _person(rng, today)
    if number and rng.random() < PARTNER:
        # A partner or housemate: another person at the address of an earlier household.
        home = household(rng.randrange(number), today, seed)
        if rng.random() < 0.5:
            prefix, surname = home.prefix, home.surname
        municipality, street, house, addition = home.municipality, home.street, home.number, home.addition
        postcode, city = home.postcode, home.city
    else:
        code, _, _, areas = MUNICIPALITIES[rng.choice(_MUNICIPALITY_DRAW)]
        first, last, city = rng.choices(areas, weights=[b - a + 1 for a, b, _ in areas])[0]
        letters = "SA"
        while letters in ("SA", "SD", "SS"):
            letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
        municipality, postcode = code, f"{rng.randint(first, last)} {letters}"
        street = rng.choice(STREET_STARTS) + rng.choice(STREET_ENDS)
        house = 1 + int(rng.expovariate(1 / 40)) % 250
        addition = rng.choice(ADDITIONS) if rng.random() < 0.12 else ""
    phone = ""
    if rng.random() < 0.75:
        digits = f"{rng.randrange(10**8):08d}"
        phone = rng.choice((f"06{digits}", f"06-{digits}", f"06 {digits[:4]} {digits[4:]}", f"+31 6 {digits}"))
    email = ""
    if rng.random() < 0.35:
        email = f"{_ascii(given)}.{_ascii(surname)}{rng.randrange(100)}@example.{rng.choice(('com', 'net', 'org'))}"
    creditors = [rng.choice(_serving(ENERGY, municipality)), rng.choice(_serving(INSURER, municipality))]
    creditors.append(rng.choice(_serving(WATER, municipality)))
    if rng.random() < 0.6:  # renters
        creditors.append(rng.choice(_serving(HOUSING, municipality)))
    return Household(
        municipality=municipality,
        given_name=given,
        prefix=prefix,
        surname=surname,
        date_of_birth=born,
        street=street,
        number=house,
        addition=addition,
        postcode=postcode,
        city=city,
        phone=phone,
        email=email,
        bsn=_bsn(rng),
        creditors=tuple(creditors),
    )


def _initials(given_name: str) -> str:
    return "".join(f"{word[0].upper()}." for word in given_name.split())


def _typo(surname: str, rng: random.Random) -> str:
    """A slip of the keyboard (two neighbours swapped) or the diacritics left out."""
    if any(not char.isascii() for char in surname) and rng.random() < 0.5:
        return "".join(c for c in unicodedata.normalize("NFKD", surname) if not unicodedata.combining(c))
    if len(surname) < 5:
        return surname.upper()
    place = rng.randrange(1, len(surname) - 2)
    return surname[:place] + surname[place + 1] + surname[place] + surname[place + 2 :]


def _variant(home: Household, rng: random.Random) -> Household:
    """The same household as another creditor's (or a later) file writes it."""
    choice = rng.randrange(5)
    if choice == 0:
        return replace(home, surname=_typo(home.surname, rng))
    if choice == 1 and home.prefix:
        return replace(home, prefix="", surname=f"{home.prefix} {home.surname}")
    if choice == 2:
        return replace(home, postcode=home.postcode.replace(" ", "").lower())
    if choice == 3:
        return replace(home, given_name=home.given_name.split()[0].upper())
    return replace(home, street=home.street.upper(), phone="", email="")


KINDS_OF_SIGNAL = {
    HOUSING: (("arrears", 94), ("threat", 6)),
    ENERGY: (("arrears", 93), ("end_of_supply", 7)),
    WATER: (("arrears", 95), ("end_of_supply", 5)),
    INSURER: (("arrears", 100),),
}
# Months in arrears and the monthly amount (from, to) per kind of creditor.
ARREARS = {
    HOUSING: ((1, 4), (550, 1150)),
    ENERGY: ((1, 6), (90, 260)),
    WATER: ((2, 8), (18, 42)),
    INSURER: ((2, 12), (128, 165)),
}


def _date(day: date, creditor: Creditor) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year}" if creditor.dutch_style else day.isoformat()


def signal_row(
    home: Household, creditor: Creditor, reference: str, month: tuple[int, int], today: date, rng: random.Random
) -> list[str]:
    year, number = month
    last_day = (date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)).day
    signal_day = min(date(year, number, rng.randint(1, last_day)), today - timedelta(days=1))
    reminder_day = signal_day - timedelta(days=rng.randint(10, 45))
    kinds = KINDS_OF_SIGNAL[creditor.kind]
    kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
    (fewest, most), (low, high) = ARREARS[creditor.kind]
    months = rng.randint(fewest, most)
    amount = f"{months * rng.uniform(low, high):.2f}"
    if creditor.dutch_style:
        amount = amount.replace(".", ",")
    with_initials = rng.random() < 0.6
    return [
        home.municipality,
        reference,
        kind,
        _initials(home.given_name) if with_initials else "",
        "" if with_initials and rng.random() < 0.5 else home.given_name,
        home.prefix,
        home.surname,
        _date(home.date_of_birth, creditor),
        home.street,
        str(home.number),
        home.addition,
        home.postcode,
        home.city,
        home.phone,
        home.email,
        home.bsn if creditor.kind == INSURER and rng.random() < 0.9 else "",
        amount,
        str(months),
        _date(reminder_day, creditor),
        _date(signal_day, creditor),
    ]


_FIELD = {name: index for index, name in enumerate(HEADER)}


def _spoil(row: list[str], rng: random.Random) -> None:
    """An error that refuses the row, as creditors' files hold them."""
    choice = rng.randrange(7)
    if choice == 0:
        row[_FIELD["date_of_birth"]] = "1971-02-30"
    elif choice == 1:
        row[_FIELD["postcode"]] = row[_FIELD["postcode"]].replace(" ", "") + "1"
    elif choice == 2:
        row[_FIELD["arrears_amount"]] = "1.234,50"
    elif choice == 3:
        row[_FIELD["reminder_date"]], row[_FIELD["signal_date"]] = (
            row[_FIELD["signal_date"]],
            row[_FIELD["reminder_date"]],
        )
    elif choice == 4:
        row[_FIELD["surname"]] = ""
    elif choice == 5:
        row[_FIELD["municipality"]] = "GM9999"
    else:
        row[_FIELD["months_in_arrears"]] = "twee"


def _blemish(row: list[str], rng: random.Random) -> None:
    """Something the intake warns about and stores anyway."""
    choice = rng.randrange(5)
    if choice == 0:
        row[_FIELD["phone"]] = "onbekend"
    elif choice == 1:
        row[_FIELD["email"]] = "geen e-mail"
    elif choice == 2 and row[_FIELD["house_number_addition"]]:
        row[_FIELD["house_number"]] += row[_FIELD["house_number_addition"]]
        row[_FIELD["house_number_addition"]] = ""
    elif choice == 3:
        postcode = row[_FIELD["postcode"]]
        row[_FIELD["postcode"]] = postcode[:4].replace("1", "I", 1).replace("0", "O", 1) + postcode[4:]
    else:
        row[_FIELD["street"]] = "-" + row[_FIELD["street"]]


@dataclass(frozen=True)
class DeliveryFile:
    creditor: str  # slug
    path: Path
    rows: int


@dataclass
class _Part:
    creditor: Creditor
    number: int
    path: Path
    handle: IO[str]
    writer: Any  # csv writer
    rows: int = 0


class _MonthFiles:
    """The files of one month: one per creditor, a next one when a file is full."""

    def __init__(self, directory: Path, month: tuple[int, int]) -> None:
        self.directory, self.month = directory, month
        self.open: dict[int, _Part] = {}
        self.done: list[_Part] = []

    def part(self, index: int) -> _Part:
        part = self.open.get(index)
        if part is None or part.rows >= MAX_DELIVERY:
            if part is not None:
                part.handle.close()
                self.done.append(part)
            creditor = CREDITORS[index]
            number = part.number + 1 if part else 1
            year, month = self.month
            path = self.directory / f"{year}-{month:02d}-{creditor.slug}-{number}.csv"
            handle = path.open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            writer.writerow(HEADER)
            part = self.open[index] = _Part(creditor, number, path, handle, writer)
        return part

    def close(self) -> list[DeliveryFile]:
        """The month's files, in the order they are delivered: creditor by creditor."""
        for part in self.open.values():
            part.handle.close()
            self.done.append(part)
        self.done.sort(key=lambda part: (CREDITORS.index(part.creditor), part.number))
        return [DeliveryFile(part.creditor.slug, part.path, part.rows) for part in self.done]


@dataclass
class Generated:
    files: list[DeliveryFile] = field(default_factory=list)
    households: int = 0
    repeats: int = 0
    variants: int = 0
    spoiled: int = 0
    blemished: int = 0
    resent: int = 0
    months: int = 0
    megabytes: float = 0.0

    @property
    def rows(self) -> int:
        return sum(delivery.rows for delivery in self.files)


def _months(today: date, count: int) -> list[tuple[int, int]]:
    """The ``count`` whole months before this one, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append((year, month))
    return months[::-1]


def generate(directory: Path, size: int, today: date, seed: int = SEED) -> Generated:
    """Write ``size`` signal rows as delivery files in ``directory``: per month, one file per
    creditor (more when it has more than MAX_DELIVERY rows), in the order they are delivered."""
    rng = random.Random(seed)
    made = Generated(months=max(1, round(size / ROWS_PER_MONTH)))
    first_creditor = bytearray()  # of every household so far
    sequence = [0] * len(CREDITORS)
    kind_draw = {index: KIND_SHARE[creditor.kind] for index, creditor in enumerate(CREDITORS)}
    months = _months(today, made.months)
    for position, month in enumerate(months):
        files = _MonthFiles(directory, month)
        wanted = size // len(months) + (size % len(months) if position == len(months) - 1 else 0)
        written = 0
        while written < wanted:
            if made.households and rng.random() < REPEAT:
                number = rng.randrange(made.households)
                home = household(number, today, seed)
                first = first_creditor[number]
                others = [index for index in home.creditors if index != first]
                creditor_index = first if not others or rng.random() < SAME_CREDITOR else rng.choice(others)
                made.repeats += 1
                if rng.random() < VARIANT:
                    home = _variant(home, rng)
                    made.variants += 1
            else:
                home = household(made.households, today, seed)
                creditor_index = rng.choices(home.creditors, [kind_draw[i] for i in home.creditors])[0]
                first_creditor.append(creditor_index)
                made.households += 1
            creditor = CREDITORS[creditor_index]
            sequence[creditor_index] += 1
            reference = f"{creditor.reference}-{month[0]}{month[1]:02d}-{sequence[creditor_index]:07d}"
            row = signal_row(home, creditor, reference, month, today, rng)
            chance = rng.random()
            if chance < ERRORS:
                _spoil(row, rng)
                made.spoiled += 1
            elif chance < ERRORS + WARNINGS:
                _blemish(row, rng)
                made.blemished += 1
            part = files.part(creditor_index)
            part.writer.writerow(row)
            part.rows += 1
            written += 1
            if written < wanted and rng.random() < RESENT:
                part.writer.writerow(row)
                part.rows += 1
                written += 1
                made.resent += 1
        made.files += files.close()
    made.megabytes = sum(delivery.path.stat().st_size for delivery in made.files) / 1024 / 1024
    return made


# --- the database ------------------------------------------------------------------------------


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def server_cpu(*, settled: bool = False) -> float | None:
    """The CPU seconds PostgreSQL's processes on this machine have used so far, including those of
    its connections that have ended (the server process adds them up as it reaps them); None when
    the server's processes cannot be read here (a server elsewhere, or no /proc).

    A connection that is ending reads as no time at all for a moment, before the server process
    has taken its time over; ``settled`` reads again until two readings a little apart agree (for
    the end of a step whose connections end with it), for two seconds at most. The whole server's
    time: other databases' work on it counts too."""
    if not _server_here():
        return None
    reading = _server_ticks()
    for _ in range(40 if settled else 0):  # two seconds at most, should other work keep it busy
        if reading is None:
            break
        time.sleep(0.05)
        again = _server_ticks()
        if again == reading:
            break
        reading = again
    return reading / os.sysconf("SC_CLK_TCK") if reading is not None else None


@functools.cache
def _server_here() -> bool:
    """Whether the benchmark's database server runs on this machine: its connection's process is
    one of this machine's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    except OSError:
        return False


def _server_ticks() -> int | None:
    ticks, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended while being read
        if text[text.index("(") + 1 : text.rindex(")")] != "postgres":
            continue
        # After the name: state, ppid, ..., utime (12th), stime, cutime, cstime (proc(5)).
        ticks, found = ticks + sum(int(value) for value in text[text.rindex(")") + 2 :].split()[11:15]), True
    return ticks if found else None


@dataclass(frozen=True)
class Step:
    name: str
    rows: int
    seconds: float
    rss_mib: float
    grown_mib: float
    main_cpu: float = 0.0  # seconds of CPU of the process's main thread
    other_cpu: float = 0.0  # of its other threads (the shared log's signing helper, the intake's reading helper)
    server_cpu: float | None = None  # of PostgreSQL's processes, when they run on this machine

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def timed(name: str, rows: int, work: Callable[[], object]) -> Step:
    gc.collect()
    before = _rss_mib()
    server = server_cpu()
    started, main, process = time.perf_counter(), time.thread_time(), time.process_time()
    work()
    seconds = time.perf_counter() - started
    main, process = time.thread_time() - main, time.process_time() - process
    server_after = server_cpu(settled=True)
    after = _rss_mib()
    used = server_after - server if server is not None and server_after is not None else None
    return Step(name, rows, seconds, after, after - before, main, process - main, used)


def fresh_database(name: str) -> None:
    """Drop and create the scratch database and migrate it."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    # The name is checked by the caller; it becomes one argument, never shell text.
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)  # noqa: S603,S607
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)  # noqa: S603,S607
    call_command("migrate", verbosity=0)


def create_world() -> None:
    """The twelve municipalities with their districts, postcode areas and teams, the creditors,
    their agreements with the municipalities they serve, and the floor table."""
    from django.db import connection

    from meedoen.areas.models import Area, PostcodeArea
    from meedoen.early_signals.models import CreditorAgreement
    from meedoen.organisations.models import Municipality, Organisation

    municipalities = {}
    for code, name, _, areas in MUNICIPALITIES:
        top = Area.objects.create(code=code, name=name, level=Area.Level.MUNICIPALITY)
        prefixes = [prefix for first, last, _ in areas for prefix in range(first, last + 1)]
        count = min(DISTRICTS, len(prefixes))
        districts = Area.objects.bulk_create(
            Area(code=f"WK{code[2:]}{d:02d}", name=f"{name} wijk {d + 1}", level=Area.Level.DISTRICT, parent=top)
            for d in range(count)
        )
        PostcodeArea.objects.bulk_create(
            PostcodeArea(municipality=top, prefix=str(prefix), area=districts[i * count // len(prefixes)])
            for i, prefix in enumerate(prefixes)
        )
        slug = re.sub(r"[^a-z]+", "-", name.lower()).strip("-")
        municipalities[code] = Municipality.objects.create(code=code, name=name, slug=slug)
        # The team that signs the closing of a case whose creditors withdrew every signal.
        team = Organisation.objects.create(
            name=f"Gemeente {name}", kind=Organisation.Kind.MUNICIPALITY_TEAM, slug=f"gemeente-{slug}"
        )
        team.municipalities.set([municipalities[code]])
    for creditor in CREDITORS:
        organisation = Organisation.objects.create(name=creditor.name, kind=creditor.kind, slug=creditor.slug)
        serves = [
            m for code, m in municipalities.items() if not creditor.municipalities or code in creditor.municipalities
        ]
        organisation.municipalities.set(serves)
        CreditorAgreement.objects.bulk_create(
            CreditorAgreement(organisation=organisation, municipality=municipality) for municipality in serves
        )
    columns = ", ".join(f"{name} text" for name in HEADER)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_signals_floor ({columns})")
        cursor.execute("ANALYZE")


def copy_floor(files: Sequence[DeliveryFile]) -> None:
    """Every file read from disk and copied into the plain table, one transaction per file."""
    from django.db import connection, transaction

    for delivery in files:
        with transaction.atomic(), connection.cursor() as cursor:
            statement = "COPY bench_signals_floor FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';')"
            with cursor.copy(statement) as copy, delivery.path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    copy.write(block)


def parse_and_check(files: Sequence[DeliveryFile]) -> None:
    from django.utils import timezone

    from meedoen.early_signals import formats
    from meedoen.early_signals.rows import check_row

    today = timezone.localdate()
    for delivery in files:
        parsed = formats.read_file(delivery.path.read_bytes(), format_version=formats.FORMAT_VERSION)
        for raw in parsed.rows:
            check_row(raw, today=today)


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    warnings: int = 0
    naptime: float = 60.0  # seconds at least between two analyses (autovacuum_naptime)
    analyzed: int = 0  # accepted signals when the tables were last analyzed
    analyzed_at: float | None = None  # when (time.perf_counter), None before the first time
    analyses: int = 0
    analyze_seconds: float = 0.0

    def add(self, delivered: tuple[int, int, int, int]) -> None:
        """Add a delivery's accepted, duplicates, refused and warnings."""
        accepted, duplicates, refused, warnings = delivered
        self.accepted += accepted
        self.duplicates += duplicates
        self.refused += refused
        self.warnings += warnings


# autovacuum's rule for analyzing a table: more than 50 rows plus 10% of it changed since the last time
# (autovacuum_analyze_threshold, autovacuum_analyze_scale_factor), looked at once a round; a round
# per database at most every autovacuum_naptime, one minute by default (PostgreSQL's documentation,
# "Automatic Vacuuming").
ANALYZE_THRESHOLD, ANALYZE_SCALE, NAPTIME = 50, 0.1, 60.0


def analyze_as_autovacuum(outcome: Outcome) -> None:
    """Keep the planner's statistics of the tables the intake looks up as autovacuum keeps them.
    PostgreSQL plans the intake's look-ups from them; on a server with autovacuum off (as on the
    machine of the figures in docs/benchmarks.md) they would describe the empty tables for ever,
    and look-ups by address or reference would scan ever larger parts of the tables.

    The first time as soon as the rule holds: the benchmark starts from empty tables, where an
    installation's tables have had statistics for long. After that at most once a naptime, as
    autovacuum's rounds come."""
    from django.db import connection

    if outcome.accepted - outcome.analyzed <= ANALYZE_THRESHOLD + ANALYZE_SCALE * outcome.analyzed:
        return
    started = time.perf_counter()
    if outcome.analyzed_at is not None and started - outcome.analyzed_at < outcome.naptime:
        return
    outcome.analyzed_at = started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE early_signals_signal, early_signals_case")
    outcome.analyzed, outcome.analyses = outcome.accepted, outcome.analyses + 1
    outcome.analyze_seconds += time.perf_counter() - started


def deliver(files: Sequence[DeliveryFile], outcome: Outcome) -> None:
    """Every file through ``signals_deliver_file``, as the API receives it from the creditor; the
    tables analyzed between deliveries as autovacuum would (autovacuum's share, not the intake's)."""
    from meedoen.organisations.models import Organisation

    creditors = {organisation.slug: organisation for organisation in Organisation.objects.all()}
    for delivery in files:
        analyze_as_autovacuum(outcome)
        outcome.add(deliver_one(delivery, creditors[delivery.creditor]))


def deliver_one(delivery: DeliveryFile, creditor: Any) -> tuple[int, int, int, int]:
    """One file through ``signals_deliver_file``, as the API receives it from ``creditor``: the
    signals it accepted, the duplicates, the refused and the warnings."""
    from meedoen.core.access import Actor
    from meedoen.early_signals.services import signals_deliver_file

    answer = signals_deliver_file(
        actor=Actor(user_id=None, label=f"creditor:{creditor.slug}:bench"),
        creditor=creditor,
        content=delivery.path.read_bytes(),
    )
    if answer.fatal:
        raise RuntimeError(f"{delivery.path.name} was refused: {answer.problems}")
    receipt = answer.receipt
    return receipt.accepted, receipt.duplicates, receipt.refused, receipt.warnings


# What a stream process delivers: set before the processes are started, which inherit it.
_STREAM_FILES: Sequence[DeliveryFile] = ()
_STREAM_ACCEPTED: Any = None  # a shared counter of accepted signals, for the analyses beside them


def _deliver_in_stream(index: int) -> tuple[int, int, int, int]:
    """One file delivered in a stream process: its counts (``deliver_one``)."""
    from meedoen.organisations.models import Organisation

    delivery = _STREAM_FILES[index]
    counts = deliver_one(delivery, Organisation.objects.get(slug=delivery.creditor))
    with _STREAM_ACCEPTED.get_lock():
        _STREAM_ACCEPTED.value += counts[0]
    return counts


def deliver_in_streams(files: Sequence[DeliveryFile], outcome: Outcome, streams: int) -> float:
    """The files delivered by ``streams`` processes side by side, as that many web or task worker
    processes of one installation receive deliveries: each process takes the next file as soon as
    it is done with one. A thread of this process analyzes the tables beside them as autovacuum
    would, which counts in the intake's time (autovacuum shares the machine too). Returns the CPU
    seconds the stream processes used."""
    import multiprocessing
    import threading

    from django.db import connections

    global _STREAM_FILES, _STREAM_ACCEPTED
    context = multiprocessing.get_context("fork")
    _STREAM_FILES, _STREAM_ACCEPTED = files, context.Value("q", 0)
    done = threading.Event()

    def analyze_beside() -> None:
        try:
            while not done.wait(0.2):
                outcome.accepted = _STREAM_ACCEPTED.value
                analyze_as_autovacuum(outcome)
        finally:
            connections.close_all()

    # A process started by fork must not share the database connection of this one.
    connections.close_all()
    # What this process holds by now (the files, and whatever an earlier step left) goes to the
    # collector's permanent generation, as a server that forks its workers does: otherwise each
    # collection in a stream process walks it all, and copies every page it touches.
    gc.freeze()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with context.Pool(streams) as pool:
        # Started once the processes are: its connection is this process's own.
        analyzer = threading.Thread(target=analyze_beside)
        analyzer.start()
        try:
            counts = pool.map(_deliver_in_stream, range(len(files)), chunksize=1)
            pool.close()
            pool.join()
        finally:
            done.set()
            analyzer.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    gc.unfreeze()
    outcome.accepted = 0
    for delivered in counts:
        outcome.add(delivered)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


STORED = ("early_signals_case", "early_signals_signal", "core_auditevent", "ledger_entry", "ledger_batch")
FLOOR_CHUNK = 500  # rows per transaction, as the intake commits them


def copy_stored_again() -> tuple[float, float | None]:
    """The database's floor of the intake: the very rows it stored (cases, signals, audit records,
    log entries) written again with a bare binary COPY into tables defined like them (the same
    columns, checks, indexes and foreign keys), in transactions of FLOOR_CHUNK rows, as the
    intake commits them. Only the writing is timed; returns its seconds and PostgreSQL's CPU
    seconds for it (None when they cannot be read here)."""
    from django.db import connection, transaction

    taken, server, readable = 0.0, 0.0, server_cpu() is not None
    with connection.cursor() as cursor:
        for table in STORED:
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"CREATE TABLE bench_like_{table} (LIKE {table} INCLUDING ALL)")
            for definition in foreign_keys:
                cursor.execute(f"ALTER TABLE bench_like_{table} ADD {definition}")
    for table in STORED:
        key = "entry_id" if table == "ledger_batch" else "id"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {key} FROM {table} ORDER BY {key}")
            ids = [row[0] for row in cursor.fetchall()]
        for first in range(0, len(ids), FLOOR_CHUNK):
            low, high = ids[first], ids[min(first + FLOOR_CHUNK, len(ids)) - 1]
            with connection.cursor() as cursor:
                rows = bytearray()
                query = f"COPY (SELECT * FROM {table} WHERE {key} BETWEEN {low} AND {high}) TO STDOUT (FORMAT BINARY)"
                with cursor.copy(query) as copy:
                    for block in copy:
                        rows += block
                server_before = server_cpu()
                started = time.perf_counter()
                with transaction.atomic(), cursor.copy(f"COPY bench_like_{table} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(rows)
                taken += time.perf_counter() - started
                server_after = server_cpu()
                if server_before is not None and server_after is not None:
                    server += server_after - server_before
    return taken, server if readable else None


WORKER_INTERVAL = 1.0  # seconds between a worker's polls of an empty queue: db_worker's default
FINISH_WITHIN = 600.0  # seconds the worker may take after the intake before the benchmark gives up


class TaskWorker:
    """With ``wanted``, a django-tasks-db worker in a process of its own for as long as the block
    runs, as production runs one beside its web processes; else nothing. Forked from this process,
    so it works on the scratch database under the backend set by the caller."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.process: Any = None
        self.tasks = 0
        self.cpu_seconds = 0.0

    def __enter__(self) -> TaskWorker:
        if self.wanted:
            import multiprocessing

            from django.db import connections

            connections.close_all()  # a forked process must not share this one's connection
            self.process = multiprocessing.get_context("fork").Process(target=_work_tasks, daemon=True)
            self.process.start()
        return self

    def finish(self) -> None:
        """Wait until the worker has run every queued task and every entry has its place; raise if
        a task failed, the worker stopped or it takes longer than FINISH_WITHIN."""
        from django_tasks_db.models import DBTaskResult

        from meedoen.ledger.models import Entry

        deadline = time.monotonic() + FINISH_WITHIN
        while (
            DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
            or Entry.objects.filter(index__isnull=True).exists()
        ):
            if DBTaskResult.objects.filter(status="FAILED").exists():
                raise RuntimeError("a sequencing task failed in the worker")
            if not self.process.is_alive():
                raise RuntimeError(f"the task worker stopped (exit code {self.process.exitcode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not finish within {FINISH_WITHIN:.0f} s after the intake")
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        from django_tasks_db.models import DBTaskResult

        self.cpu_seconds = _process_cpu(self.process.pid)
        self.process.terminate()  # db_worker finishes its task and stops
        self.process.join(timeout=30)
        self.tasks = DBTaskResult.objects.count()


def _work_tasks() -> None:
    from django.core.management import call_command

    # No reloading on code changes (DEBUG's default) and no random delay at the start, which would
    # count in the intake's time.
    call_command("db_worker", interval=WORKER_INTERVAL, reload=False, startup_delay=False, verbosity=0)


def _process_cpu(pid: int) -> float:
    """User and system CPU seconds of a running process of this machine (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sequence_all() -> None:
    """The task worker's share: every queued entry given its place in its log."""
    from meedoen.ledger.models import Log
    from meedoen.ledger.sequencer import sequence_queued

    for log_id in Log.objects.order_by("pk").values_list("pk", flat=True):
        sequence_queued(log_id)


@dataclass(frozen=True)
class Stored:
    signals: int
    cases: int
    linked_cases: int
    entries: int
    in_log: int  # signals that are items of the log's entries
    placed: int  # signals that know their entry and position
    sequenced: int
    audit: int


def stored() -> Stored:
    from django.db.models import Sum

    from meedoen.core.models import AuditEvent
    from meedoen.early_signals.models import Case, Signal
    from meedoen.ledger.models import Batch, Entry

    return Stored(
        signals=Signal.objects.count(),
        cases=Case.objects.count(),
        linked_cases=Case.objects.filter(signal_count__gt=1).count(),
        entries=Entry.objects.filter(kind="signals.received").count(),
        in_log=Batch.objects.filter(item_kind="signal.received").aggregate(items=Sum("size"))["items"] or 0,
        placed=Signal.objects.filter(ledger_entry__isnull=False).count(),
        sequenced=Entry.objects.filter(index__isnull=False).count(),
        audit=AuditEvent.objects.filter(action="early_signals.signal.receive").count(),
    )


def _print_steps(title: str, steps: Sequence[Step]) -> None:
    if title:
        print(title)
    print(
        f"  {'what':<50} {'rows':>10} {'seconds':>8} {'rows/s':>8} {'µs/row':>7} {'RSS MiB':>7} {'+MiB':>5}"
        f" {'CPU main':>8} {'helper':>6} {'CPU db':>7}"
    )
    for step in steps:
        print(
            f"  {step.name:<50} {step.rows:>10,} {step.seconds:>8.2f} {step.rate:>8,.0f}"
            f" {step.seconds / step.rows * 1e6:>7.1f} {step.rss_mib:>7.0f} {step.grown_mib:>5.0f}"
            f" {step.main_cpu:>8.2f} {max(step.other_cpu, 0.0):>6.2f}"
            f" {'' if step.server_cpu is None else f'{step.server_cpu:.2f}':>7}"
        )


def run_size(
    size: int,
    database: str,
    directory: Path,
    today: date,
    streams: Sequence[int],
    naptime: float = NAPTIME,
    worker: bool = False,
) -> None:
    """Generate ``size`` signals, then in a fresh database: the floor, parse and check; and for each
    number of ``streams``, in a database of its own: the intake by that many processes side by
    side and the sequencing. Print the figures and what was stored."""
    started = time.perf_counter()
    load = os.getloadavg()[0]
    for old in directory.glob("*.csv"):
        old.unlink()
    made = generate(directory, size, today)
    generated = time.perf_counter() - started
    rows, files = made.rows, made.files
    smallest, largest = min(d.rows for d in files), max(d.rows for d in files)
    print(
        f"Early signals: {rows:,} signals in {len(files)} files of {smallest:,} to {largest:,} rows"
        f" ({made.megabytes:.0f} MiB), {made.months} month(s), {len(MUNICIPALITIES)} municipalities,"
        f" {len(CREDITORS)} creditors"
    )
    print(
        f"  generated: {made.households:,} households, {made.repeats:,} signals about one reported before"
        f" ({made.repeats / rows:.1%}; {made.variants:,} written differently), {made.spoiled:,} rows with an"
        f" error, {made.blemished:,} with a warning, {made.resent:,} sent twice ({generated:.0f} s)"
    )
    floor: Step | None = None
    for count in streams:
        fresh_database(database)
        create_world()
        if floor is None:
            floor = timed("floor: bare COPY of the files into a plain table", rows, lambda: copy_floor(files))
            checked = timed("parse and check every row (no database)", rows, lambda: parse_and_check(files))
            _print_steps("", [floor, checked])
            print(f"  parse and check / COPY: {checked.seconds / floor.seconds:.1f}x")
        _run_intake(rows, files, count, floor, naptime, worker)
    print(
        f"  load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end;"
        f" {time.perf_counter() - started:.0f} s for this size"
    )
    print()


def _run_intake(
    rows: int, files: Sequence[DeliveryFile], streams: int, floor: Step, naptime: float, worker: bool = False
) -> None:
    """The intake of every file by ``streams`` processes (this one when 1), the sequencing after
    it (or by a task ``worker`` beside it), the like-table floor of what it stored; printed with
    what was answered and stored. The tables are analyzed as autovacuum would with ``naptime``
    (``analyze_as_autovacuum``)."""
    from django.test.utils import override_settings

    outcome = Outcome(naptime=naptime)
    # Without a worker the sequencing tasks are held back (as a queue holds them for a worker that
    # is busy) and their work is done after the intake.
    backend = "django_tasks_db.DatabaseBackend" if worker else "django_tasks.backends.dummy.DummyBackend"
    with override_settings(TASKS={"default": {"BACKEND": backend}}), TaskWorker(worker) as beside:
        if streams == 1:
            intake = timed("intake: signals_deliver_file, every file", rows, lambda: deliver(files, outcome))
            intake = replace(intake, seconds=intake.seconds - outcome.analyze_seconds)
        else:
            used: list[float] = []
            intake = timed(
                f"intake: {streams} processes side by side",
                rows,
                lambda: used.append(deliver_in_streams(files, outcome, streams)),
            )
            intake = replace(intake, main_cpu=used[0], other_cpu=0.0)
        if worker:
            sequenced = timed("shared log: the worker finishing after the intake", rows, beside.finish)
    if not worker:
        sequenced = timed("shared log: sequencing (the task worker's share)", rows, sequence_all)
    stored_again, stored_again_server = copy_stored_again()
    like_floor = Step(
        "floor: bare COPY of the stored rows, like tables",
        rows,
        stored_again,
        _rss_mib(),
        0.0,
        server_cpu=stored_again_server,
    )
    both = Step(
        "intake and sequencing together",
        rows,
        intake.seconds + sequenced.seconds,
        sequenced.rss_mib,
        max(intake.grown_mib, 0) + max(sequenced.grown_mib, 0),
        intake.main_cpu + sequenced.main_cpu,
        intake.other_cpu + sequenced.other_cpu,
        None if intake.server_cpu is None or sequenced.server_cpu is None else intake.server_cpu + sequenced.server_cpu,
    )
    result = stored()
    where = "this process" if streams == 1 else f"{streams} processes side by side (CPU main: all of theirs)"
    _print_steps(f"  intake by {where}", [like_floor, intake, sequenced, both])
    print(
        f"  intake / COPY: {intake.seconds / floor.seconds:.1f}x; intake and sequencing / COPY:"
        f" {both.seconds / floor.seconds:.1f}x"
    )
    if worker:
        print(
            f"  the task worker beside the intake: {beside.tasks:,} sequencing tasks run,"
            f" {beside.cpu_seconds:.1f} s of its CPU (not in the columns above)"
        )
    autovacuum = f"as autovacuum would with a naptime of {outcome.naptime:g} s"
    analyzed = (
        f"between deliveries, {autovacuum} ({outcome.analyze_seconds:.1f} s, not counted in the intake's time)"
        if streams == 1
        else f"beside the intake, {autovacuum} ({outcome.analyze_seconds:.1f} s, counted in the intake's time)"
    )
    print(
        f"  answered: {outcome.accepted:,} accepted, {outcome.duplicates:,} duplicates, {outcome.refused:,}"
        f" refused, {outcome.warnings:,} warnings; the signals and cases analyzed {outcome.analyses} times {analyzed}"
    )
    print(
        f"  stored: {result.signals:,} signals in {result.cases:,} cases ({result.linked_cases:,} with more than"
        f" one signal); {result.in_log:,} of them items of {result.entries:,} log entries ({result.sequenced:,}"
        f" sequenced), {result.audit:,} audit records"
    )
    if not result.signals == result.in_log == result.placed == result.audit == outcome.accepted:
        raise RuntimeError("every accepted signal must be an item in the log and have one audit record")
    if result.sequenced != result.entries:
        raise RuntimeError("every entry must be sequenced")
    _run_withdrawals(rows)


WITHDRAWALS = 2_000  # signals withdrawn after the intake, at every size
WITHDRAWAL_REASONS = ("paid", "arrangement", "sent_in_error")


def _run_withdrawals(rows: int) -> None:
    """Creditors withdraw signals after the intake: WITHDRAWALS of them, in API batches of up to
    1,000 per creditor (``signals_withdraw_json``), the reasons in turn (a third sent in error,
    whose data goes at once), next to the floor: a bare UPDATE that marks as many other signals
    withdrawn, a statement per batch."""
    from django.db import connection, transaction

    from meedoen.core.access import Actor
    from meedoen.early_signals.formats import MAX_BATCH
    from meedoen.early_signals.models import Signal
    from meedoen.early_signals.withdrawals import signals_withdraw_json
    from meedoen.organisations.models import Organisation

    count = min(WITHDRAWALS, rows // 10)
    # Every fifth signal in the order they came, half of them withdrawn, half for the floor.
    chosen = list(Signal.objects.order_by("pk").values_list("pk", "creditor_id", "creditor_reference")[::5])
    withdrawn, other = chosen[0 : 2 * count : 2], chosen[1 : 2 * count : 2]
    by_creditor: dict[int, list[dict[str, str]]] = {}
    for number, (_pk, creditor_id, reference) in enumerate(withdrawn):
        reason = WITHDRAWAL_REASONS[number % len(WITHDRAWAL_REASONS)]
        by_creditor.setdefault(creditor_id, []).append({"reference": reference, "reason": reason})
    creditors = Organisation.objects.in_bulk(list(by_creditor))
    batches = [
        (creditors[creditor_id], items[first : first + MAX_BATCH])
        for creditor_id, items in sorted(by_creditor.items())
        for first in range(0, len(items), MAX_BATCH)
    ]
    actor = Actor.system("bench")
    answered: list[int] = []

    def withdraw_all() -> None:
        for creditor, items in batches:
            answer = signals_withdraw_json(
                actor=actor, creditor=creditor, content=json.dumps({"withdrawals": items}).encode()
            )
            answered.append(answer.summary()["withdrawn"])

    def update_others() -> None:
        ids = [pk for pk, _creditor, _reference in other]
        for first in range(0, len(ids), MAX_BATCH):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE early_signals_signal SET withdrawn_at = now(), withdrawal_reason = 'paid'"
                    " WHERE id = ANY(%s)",
                    [ids[first : first + MAX_BATCH]],
                )

    product = timed(f"withdrawals: {len(batches)} API batches of up to {MAX_BATCH:,}", len(withdrawn), withdraw_all)
    floor = timed("floor: a bare UPDATE of as many other signals", len(other), update_others)
    _print_steps("  creditors withdraw signals after the intake", [floor, product])
    print(
        f"  withdrawals / bare UPDATE: {product.seconds / floor.seconds:.0f}x; {sum(answered):,} of"
        f" {len(withdrawn):,} withdrawn (a third sent in error: their data removed at once)"
    )
    if sum(answered) != len(withdrawn):
        raise RuntimeError("every chosen signal must be withdrawn")


def run(
    sizes: Sequence[int],
    database: str,
    directory: Path,
    streams: Sequence[int] = STREAMS,
    naptime: float = NAPTIME,
    worker: bool = False,
) -> None:
    from django.utils import timezone

    begun = time.perf_counter()
    for size in sizes:
        run_size(size, database, directory, timezone.localdate(), streams, naptime, worker)
    print(f"Peak resident memory {_rss_mib():.0f} MiB; {time.perf_counter() - begun:.0f} s in all")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.early_signals", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="numbers of signals to deliver, comma-separated, each in a fresh database (default %(default)s)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", DATABASE),
        help="scratch database, created and dropped (default: BENCH_DATABASE, else %(default)s)",
    )
    parser.add_argument("--keep-files", type=Path, help="write the delivery files here and keep them")
    parser.add_argument(
        "--streams",
        default=",".join(str(count) for count in STREAMS),
        help="numbers of processes that deliver side by side, comma-separated, each run in a fresh database"
        " (default %(default)s)",
    )
    parser.add_argument(
        "--naptime",
        type=float,
        default=NAPTIME,
        help="seconds at least between two analyses of the tables, as autovacuum_naptime (default %(default)s;"
        " 0: whenever autovacuum's rule holds)",
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="a task worker (django-tasks-db) sequences the shared log beside the intake, as in production,"
        " instead of after it",
    )
    options = parser.parse_args(argv)
    if options.naptime < 0:
        parser.error("--naptime: 0 seconds or more")
    sizes = [int(size.replace("_", "")) for size in options.sizes.split(",") if size]
    if not sizes or min(sizes) < 1_000:
        parser.error("sizes of at least 1,000 signals")
    if not re.fullmatch(r"\d+(,\d+)*", options.streams) or not all(
        1 <= int(n) <= 8 for n in options.streams.split(",")
    ):
        parser.error("--streams: numbers from 1 to 8, comma-separated")
    streams = [int(count) for count in options.streams.split(",")]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", options.database):
        parser.error("--database: a name of lower-case letters, digits and _")

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    os.environ["DATABASE_URL"] = url
    os.environ["BENCH_DATABASE"] = options.database
    from bench.__main__ import setup_django  # creates the scratch database afresh and migrates

    setup_django()
    directory = options.keep_files or Path(tempfile.mkdtemp(prefix="meedoen-bench-signals-"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        run(sizes, options.database, directory, streams, options.naptime, options.worker)
    finally:
        from django.db import connections

        connections.close_all()
        if options.keep_files is None:
            for path in directory.glob("*.csv"):
                path.unlink()
            directory.rmdir()
        # The name is checked above; it becomes one argument, never shell text.
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", options.database], check=False)  # noqa: S603,S607


def bench_early_signals(sizes: Sequence[int] = SIZES) -> None:
    """Run the national early-signals benchmark from the suite, in a process of its own on
    PostgreSQL, in a scratch database named after the suite's own."""
    database = f"{os.environ.get('BENCH_DATABASE', 'meedoen_bench')}_signals"
    arguments = ["--sizes", ",".join(map(str, sizes)), "--database", database]
    run_apart("bench.early_signals", arguments, "the early-signals benchmark")


if __name__ == "__main__":
    main()
