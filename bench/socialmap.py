"""Resident search over a large generated social map, next to the bare full-text query.

A municipality of 12 districts gets offers with two places each, written from Dutch word lists per
theme, and is then indexed with ``rebuild_index``. Fifty questions as residents type them are
answered by ``search_offers`` end to end (text match, everyday-word themes, filters, order, count,
the page of 50) and, as the floor, by the bare full-text query alone (the engine's match and rank
for the same words, as ``text_matches`` runs it, without anything around it). Django must be set
up before ``bench_search`` runs.
"""

from __future__ import annotations

import gc
import math
import os
import random
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

MUNICIPALITY_CODE = "GM9999"
DISTRICTS = 12
NEIGHBOURHOODS_PER_DISTRICT = 5
PLACES_PER_OFFER = 2
ROUNDS = 10  # every question is asked up to this many times, after a short warm-up: 500 samples,
# so that a p95 is the 25th slowest and one hiccup of the machine does not move it
ROUND_BUDGET_S = 20.0  # no new round after this long (a slow engine gets one round of 50)
SEED = 2026

# Fifty questions in the words residents use, short and without search syntax.
QUERIES: tuple[str, ...] = (
    "geen geld voor boodschappen",
    "brief van deurwaarder",
    "laptop voor school",
    "voedselbank",
    "hulp bij schulden",
    "energierekening te hoog",
    "ik kan de huur niet betalen",
    "zorgtoeslag aanvragen",
    "bijstand aanvragen",
    "schoolreis betalen",
    "zwemles voor mijn kind",
    "kleding voor de kinderen",
    "gratis meubels",
    "ik ben eenzaam",
    "iemand om mee te praten",
    "hulp met digid",
    "formulier invullen",
    "werk zoeken",
    "opleiding betalen",
    "tandarts te duur",
    "zorgverzekering betalen",
    "water wordt afgesloten",
    "aanmaning gekregen",
    "incasso bureau",
    "betalingsachterstand",
    "budgetcoach",
    "administratie op orde",
    "sport voor mijn kind",
    "fiets voor school",
    "leren werken met computer",
    "taalles",
    "statushouder hulp",
    "zzp geen inkomen",
    "uitkering stopt",
    "toeslagen terugbetalen",
    "rekeningen stapelen op",
    "eten",
    "honger",
    "voedselpakket aanvragen",
    "kinderopvang betalen",
    "jongeren met schulden",
    "gas en stroom",
    "huurachterstand",
    "sociale supermarkt",
    "koffieochtend",
    "vrijwilliger worden",
    "bril betalen",
    "wasmachine kapot",
    "schoolspullen",
    "samen eten in de buurt",
)

# Per theme: what an offer is called, and sentences that describe it.
THEME_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "inkomen-en-toeslagen": (
        ("Bijzondere bijstand", "Toeslagenspreekuur", "Inkomenscheck", "Hulp bij je uitkering", "Kwijtschelding"),
        (
            "Heb je kosten die je niet kunt betalen, zoals een wasmachine of een bril? Je kunt geld aanvragen.",
            "We kijken of je recht hebt op huurtoeslag, zorgtoeslag of kinderopvangtoeslag.",
            "Is je inkomen laag? Dan betaal je misschien geen gemeentelijke belastingen.",
            "Stopt je uitkering of verandert je inkomen? We rekenen met je uit wat je overhoudt.",
        ),
    ),
    "schulden-en-geldzaken": (
        ("Schuldhulpverlening", "Budgetcoach", "Geldfit-spreekuur", "Formulierenbrigade geld", "Thuisadministratie"),
        (
            "Heb je schulden of betalingsachterstanden? We maken samen een plan.",
            "Kreeg je een brief van een deurwaarder of een incassobureau? Bel ons meteen.",
            "Een budgetcoach kijkt met je naar je inkomsten, uitgaven en rekeningen.",
            "Samen zetten we je administratie op orde, zodat je weer overzicht hebt.",
        ),
    ),
    "voedsel": (
        ("Voedselbank", "Sociale supermarkt", "Soepcafe", "Buurtmaaltijd", "Kookcafe"),
        (
            "Elke week een pakket met eten en drinken voor wie weinig te besteden heeft.",
            "Goedkoop boodschappen doen met een pas van de gemeente.",
            "Samen koken en eten met buurtgenoten, voor een kleine bijdrage.",
            "Een warme maaltijd en een praatje, elke donderdag.",
        ),
    ),
    "kleding-en-spullen": (
        ("Kledingbank", "Kringloopwinkel", "Speelgoedbank", "Meubelhulp", "Ruilwinkel"),
        (
            "Gratis kleding voor volwassenen en kinderen.",
            "Meubels en spullen voor in huis, opgehaald en gebracht door vrijwilligers.",
            "Een witgoedregeling: een wasmachine of koelkast als de oude kapot is.",
        ),
    ),
    "wonen-en-energie": (
        ("Energiecoach", "Huurspreekuur", "Energiefonds", "Woonbegeleiding", "Klusteam"),
        (
            "Is je energierekening te hoog? Een energiecoach komt langs met tips en kleine spullen.",
            "Kun je de huur niet betalen? Neem contact op voordat de achterstand groeit.",
            "Dreigt afsluiting van gas, stroom of water? We zoeken samen een oplossing.",
        ),
    ),
    "meedoen": (
        ("Meedoenpas", "Jeugdfonds Sport en Cultuur", "Uitjesfonds", "Buurtsport", "Cultuurkaart"),
        (
            "Korting op sport, cultuur en uitjes voor jou en je kinderen.",
            "Het fonds betaalt de contributie van de sportclub of de muziekles.",
            "Samen sporten in de wijk, gratis en zonder inschrijving.",
        ),
    ),
    "kinderen-en-school": (
        ("Stichting Leergeld", "Schoolspullenpas", "Laptopregeling", "Kindpakket", "Huiswerkklas"),
        (
            "Een laptop of fiets voor school als je dat zelf niet kunt betalen.",
            "De schoolreis, het schoolkamp en de ouderbijdrage worden betaald.",
            "Zwemles voor kinderen die nog geen diploma hebben.",
            "Hulp bij huiswerk, na school in het buurthuis.",
        ),
    ),
    "werk-en-scholing": (
        ("Werkpunt", "Taalhuis", "Leerwerkplek", "Sollicitatiecafe", "Vrijwilligerscentrale"),
        (
            "Hulp bij het zoeken naar werk, een cv en een sollicitatiebrief.",
            "Taalles en lezen en schrijven, in kleine groepen.",
            "Een opleiding of cursus volgen met een vergoeding voor de kosten.",
            "Vrijwilliger worden en ervaring opdoen.",
        ),
    ),
    "gezondheid": (
        ("Zorgverzekering voor minima", "Tandartsfonds", "Wijkverpleging", "Beweegmaatje", "Gezondheidsspreekuur"),
        (
            "Een goede zorgverzekering met korting via de gemeente.",
            "Is de tandarts of een bril te duur? Soms betaalt een fonds mee.",
            "Je goed voelen: praten over stress, slapen en bewegen.",
        ),
    ),
    "eenzaamheid-en-contact": (
        ("Koffieochtend", "Maatjesproject", "Ontmoetingscentrum", "Belcirkel", "Wandelgroep"),
        (
            "Elke week koffie drinken en praten met buurtgenoten. Je bent welkom, ook als je niemand kent.",
            "Een vrijwilliger komt regelmatig langs om samen iets te doen.",
            "Iemand om mee te praten als je je alleen voelt.",
        ),
    ),
    "digitale-vaardigheden": (
        ("Digisterker", "Computercafe", "Klik en Tik", "DigiD-spreekuur", "Telefoonhulp"),
        (
            "Leren werken met de computer, de telefoon en de tablet.",
            "Hulp bij DigiD en het inloggen bij de gemeente en de Belastingdienst.",
            "Een gratis laptop lenen en leren gebruiken.",
        ),
    ),
    "hulp-bij-formulieren": (
        ("Formulierenspreekuur", "Schrijfhulp", "Sociaal raadslieden", "Papierwinkel", "Brievenhulp"),
        (
            "Heb je een brief die je niet begrijpt, of moet je een formulier invullen? Kom langs.",
            "Een vrijwilliger helpt je met aanvragen, bezwaar en brieven van instanties.",
            "We lezen samen de post en zeggen wat je moet doen.",
        ),
    ),
}
TARGET_GROUP_TEXTS: dict[str, str] = {
    "ouderen": "Voor ouderen, ook als je slecht ter been bent.",
    "alleenstaande-ouders": "Ook voor alleenstaande ouders.",
    "zelfstandigen": "Ook voor zzp'ers en ondernemers met een laag inkomen.",
    "jongeren": "Voor jongeren tot 27 jaar.",
    "gezinnen-met-kinderen": "Voor gezinnen met kinderen tot 18 jaar.",
    "werkenden-met-laag-inkomen": "Ook als je werkt maar weinig verdient.",
    "statushouders": "Ook in het Engels en het Arabisch, voor nieuwkomers.",
    "mensen-met-schulden": "Voor mensen met schulden of betalingsachterstanden.",
}
GENERAL = (
    "Kom langs zonder afspraak.",
    "Bel of app ons, we bellen je terug.",
    "Je hoeft niets te betalen.",
    "We kijken samen wat je nodig hebt.",
    "Je mag iemand meenemen.",
    "Een vrijwilliger helpt je.",
    "Op afspraak, ook bij je thuis.",
    "We werken samen met de wijkteams.",
    "Het gesprek is vertrouwelijk.",
    "Neem je legitimatie mee.",
    "De koffie staat klaar.",
    "Aanmelden kan via de website.",
    "Ook op zaterdag open.",
    "We spreken ook Engels, Turks en Arabisch.",
    "Je krijgt binnen een week antwoord.",
    "Rolstoeltoegankelijk, met een invalidentoilet.",
)
PLACE_NAMES = (
    "Centrum",
    "De Hoef",
    "Besoijen",
    "Baardwijk",
    "Het Hoog",
    "Sprang",
    "Capelle",
    "Waspik",
    "Noord",
    "Oost",
    "Zuid",
    "West",
    "Bloemenwijk",
    "Vogelwijk",
    "Haven",
    "Molenbuurt",
)
ORGANISATION_KINDS = (
    ("welzijn", "Welzijn"),
    ("schuldhulp", "Schuldhulpmaatje"),
    ("voedselbank", "Voedselbank"),
    ("fonds", "Stichting Leergeld"),
    ("vrijwilligers", "Vrijwilligers"),
    ("kerk", "Diaconie"),
    ("gemeente", "Wijkteam"),
)
STREETS = ("Kerkstraat", "Dorpsstraat", "Schoolstraat", "Molenweg", "Stationsstraat", "Parallelweg", "Markt")


@dataclass(frozen=True)
class Timing:
    """One line of the report: timings of one kind of work at one size of the map."""

    name: str
    offers: int
    samples: list[float]  # seconds
    rss_mib: float

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] * 1000

    @property
    def total_s(self) -> float:
        return sum(self.samples)


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _timed(work: Callable[[], object]) -> tuple[float, int]:
    """Wall time of one call, and how much the peak resident memory grew (KiB)."""
    gc.collect()
    before = _rss_kib()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started, _rss_kib() - before


class SocialMapGenerator:
    """Writes offers, places and their links with bulk inserts; grows the map in steps."""

    def __init__(self) -> None:
        from meedoen.areas.models import Area
        from meedoen.organisations.models import Municipality, Organisation
        from meedoen.socialmap.models import TaxonomyTerm
        from meedoen.socialmap.taxonomy import TARGET_GROUPS_CODE, THEMES_CODE

        self.rng = random.Random(SEED)
        top = Area.objects.create(code=MUNICIPALITY_CODE, name="Benchstad", level=Area.Level.MUNICIPALITY)
        districts = Area.objects.bulk_create(
            Area(
                code=f"WK{MUNICIPALITY_CODE[2:]}{d:02d}",
                name=PLACE_NAMES[d % len(PLACE_NAMES)],
                level=Area.Level.DISTRICT,
                parent=top,
            )
            for d in range(DISTRICTS)
        )
        self.neighbourhoods = Area.objects.bulk_create(
            Area(
                code=f"BU{MUNICIPALITY_CODE[2:]}{d:02d}{n:02d}",
                name=f"{PLACE_NAMES[(d + n * DISTRICTS) % len(PLACE_NAMES)]} {n + 1}",
                level=Area.Level.NEIGHBOURHOOD,
                parent=district,
            )
            for d, district in enumerate(districts)
            for n in range(NEIGHBOURHOODS_PER_DISTRICT)
        )
        self.municipality = Municipality.objects.create(code=MUNICIPALITY_CODE, name="Benchstad", slug="benchstad")
        kinds = [kind for kind in ORGANISATION_KINDS for _ in range(30)]
        self.organisations = Organisation.objects.bulk_create(
            Organisation(name=f"{label} {PLACE_NAMES[number % DISTRICTS]}", kind=kind, slug=f"bench-{kind}-{number}")
            for number, (kind, label) in enumerate(kinds)
        )
        Organisation.municipalities.through.objects.bulk_create(
            Organisation.municipalities.through(organisation_id=o.pk, municipality_id=self.municipality.pk)
            for o in self.organisations
        )
        terms = TaxonomyTerm.objects.select_related("taxonomy")
        self.themes = {t.code: t.pk for t in terms if t.taxonomy.code == THEMES_CODE}
        self.target_groups = {t.code: t.pk for t in terms if t.taxonomy.code == TARGET_GROUPS_CODE}
        self.offers = 0

    def grow_to(self, size: int) -> None:
        from django.db import transaction

        from meedoen.socialmap.models import Location, Offer, OfferLocation

        rng, count = self.rng, size - self.offers
        ways = [way.value for way in Offer.WayIn]
        offers, themes, groups = [], [], []
        for _ in range(count):
            theme_codes = rng.sample(sorted(self.themes), rng.choice((1, 1, 2, 2, 3)))
            group_codes = rng.sample(sorted(self.target_groups), rng.choice((0, 1, 1, 2, 3)))
            names, sentences = THEME_TEXTS[theme_codes[0]]
            organisation = rng.choice(self.organisations)
            description = [*rng.sample(sentences, 2), *(TARGET_GROUP_TEXTS[g] for g in group_codes)]
            description += rng.sample(GENERAL, rng.choice((1, 2)))
            for extra in theme_codes[1:]:
                description.append(rng.choice(THEME_TEXTS[extra][1]))
            offers.append(
                Offer(
                    organisation=organisation,
                    name=f"{rng.choice(names)} {rng.choice(PLACE_NAMES)}" if rng.random() < 0.4 else rng.choice(names),
                    description=" ".join(description),
                    status=rng.choices(list(Offer.Status), weights=(90, 4, 4, 2))[0],
                    ways_in=sorted(rng.sample(ways, rng.choice((1, 1, 2, 3)))),
                    languages=["nl"],
                    last_checked=date(2026, 1, 1),
                )
            )
            themes.append([self.themes[code] for code in theme_codes])
            groups.append([self.target_groups[code] for code in group_codes])
        with transaction.atomic():
            Offer.objects.bulk_create(offers, batch_size=2000)
            links = Offer.municipalities.through
            links.objects.bulk_create(
                (links(offer_id=o.pk, municipality_id=self.municipality.pk) for o in offers), batch_size=5000
            )
            by_theme = Offer.themes.through
            by_theme.objects.bulk_create(
                (by_theme(offer_id=o.pk, taxonomyterm_id=t) for o, ts in zip(offers, themes, strict=True) for t in ts),
                batch_size=5000,
            )
            by_group = Offer.target_groups.through
            by_group.objects.bulk_create(
                (by_group(offer_id=o.pk, taxonomyterm_id=g) for o, gs in zip(offers, groups, strict=True) for g in gs),
                batch_size=5000,
            )
            places = Location.objects.bulk_create(
                (
                    Location(
                        organisation=offer.organisation,
                        municipality=self.municipality,
                        name=f"{offer.organisation.name}, {area.name}",
                        street_address=f"{rng.choice(STREETS)} {rng.randint(1, 250)}",
                        postal_code=f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGH')}{rng.choice('KLMNPRST')}",
                        city="Benchstad",
                        area=area,
                    )
                    for offer in offers
                    for area in rng.sample(self.neighbourhoods, PLACES_PER_OFFER)
                ),
                batch_size=5000,
            )
            OfferLocation.objects.bulk_create(
                (
                    OfferLocation(offer_id=offer.pk, location_id=place.pk)
                    for offer, place in zip(
                        (offer for offer in offers for _ in range(PLACES_PER_OFFER)), places, strict=True
                    )
                ),
                batch_size=5000,
            )
        self.offers = size


def _bare_query(municipality_id: int) -> Callable[[Sequence[str]], object]:
    """The floor: the engine's full-text match and rank for the words, nothing else: the statement
    ``search.text_matches`` runs (over the search rows, which know the municipality and status),
    through a bare cursor."""
    from django.db import connection

    from meedoen.socialmap.search import text_match_sql

    def run(words: Sequence[str]) -> object:
        with connection.cursor() as cursor:
            cursor.execute(*text_match_sql(municipality_id, words))
            return cursor.fetchall()

    return run


def _latencies(name: str, offers: int, ask: Callable[[str], object], queries: Sequence[str]) -> Timing:
    for query in queries[:10]:  # warm-up: page caches, stems
        ask(query)
    samples: list[float] = []
    gc.collect()
    before = _rss_kib()
    for _ in range(ROUNDS):
        if sum(samples) > ROUND_BUDGET_S:
            break
        for query in queries:
            started = time.perf_counter()
            ask(query)
            samples.append(time.perf_counter() - started)
    return Timing(name, offers, samples, (_rss_kib() - before) / 1024)


def bench_search(sizes: Sequence[int]) -> list[Timing]:
    from django.db import connection

    from meedoen.socialmap.search import OfferQuery, rebuild_index, search_offers
    from meedoen.socialmap.text import query_words

    generator = SocialMapGenerator()
    municipality = generator.municipality
    district = f"WK{MUNICIPALITY_CODE[2:]}03"
    bare = _bare_query(municipality.pk)
    results: list[Timing] = []
    for size in sizes:
        seconds, grown = _timed(partial(generator.grow_to, size))
        results.append(Timing(f"generate (bulk_create, {PLACES_PER_OFFER} places each)", size, [seconds], grown / 1024))
        seconds, grown = _timed(rebuild_index)
        results.append(Timing("rebuild_index (every offer)", size, [seconds], grown / 1024))
        if connection.vendor == "postgresql":
            # The state autovacuum keeps a live database in (this benchmark's server may run
            # without it): statistics for the planner, and the rewritten rows marked visible, so
            # that index-only scans need not visit the table.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

        def search(text: str) -> Any:
            return search_offers(municipality, OfferQuery(text=text))

        def search_in_district(text: str) -> Any:
            return search_offers(municipality, OfferQuery(text=text, district=district))

        results.append(_latencies("search_offers, 50 questions", size, search, QUERIES))
        results.append(_latencies("search_offers, same with own district", size, search_in_district, QUERIES))

        def bare_query(text: str) -> Any:
            return bare(query_words(text))

        results.append(_latencies("baseline: bare full-text query", size, bare_query, QUERIES))
    return results


def print_timings(title: str, timings: Sequence[Timing]) -> None:
    print(title)
    # Latency depends on what else the machine does; the load average says how busy it was.
    print(f"  load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print(f"  {'what':<45} {'offers':>7} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'RSS +MiB':>9}")
    for t in timings:
        print(
            f"  {t.name:<45} {t.offers:>7} {len(t.samples):>4} {t.percentile(0.5):>8.1f}"
            f" {t.percentile(0.95):>8.1f} {max(t.samples) * 1000:>8.1f} {t.rss_mib:>9.2f}"
        )
    print()
