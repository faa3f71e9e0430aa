"""The demo's social map: offers of the demo partners, with places in real districts.

Organisations, offers and addresses are invented; district codes and postal-code areas are real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from django.utils import timezone

from meedoen.areas.models import Area
from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Location, Offer, TaxonomyTerm
from meedoen.socialmap.services import OfferRelations, location_save, offer_create

W = Offer.WayIn


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    street: str
    postal_code: str
    city: str
    district: str
    hours: tuple[tuple[int, time, time], ...] = ()


@dataclass(frozen=True)
class DemoOffer:
    organisation_key: str
    name: str
    description: str
    themes: tuple[str, ...]
    target_groups: tuple[str, ...] = ()
    ways_in: tuple[str, ...] = (W.WALK_IN, W.PHONE)
    places: tuple[str, ...] = ()
    conditions: str = ""
    income_limit_percent: int | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    residents_only: bool = True
    costs: str = ""
    languages: tuple[str, ...] = ("nl",)
    months_since_check: int = 1


MORNINGS = tuple((day, time(9), time(12, 30)) for day in (1, 2, 3, 4, 5))
TUE_THU = ((2, time(13), time(16)), (4, time(13), time(16)))
SATURDAY = ((6, time(10), time(13)),)

PLACES: dict[str, tuple[Place, ...]] = {
    "GM0867": (
        Place("stadhuis", "Stadhuis Waalwijk", "Raadhuisplein 1", "5141 AB", "Waalwijk", "WK086700", MORNINGS),
        Place("wijkcentrum", "Wijkcentrum De Hoef", "Hoefstraat 20", "5142 CD", "Waalwijk", "WK086700", TUE_THU),
        Place(
            "sprang",
            "Dorpshuis Sprang-Capelle",
            "Kerkstraat 5",
            "5161 EF",
            "Sprang-Capelle",
            "WK086701",
            TUE_THU,
        ),
        Place("waspik", "Ontmoetingshuis Waspik", "Dorpsstraat 40", "5165 GH", "Waspik", "WK086702", SATURDAY),
        Place(
            "uitgiftepunt", "Voedselbank, uitgiftepunt", "Industrieweg 7", "5145 JK", "Waalwijk", "WK086700", SATURDAY
        ),
        Place("kringloop", "Kringloopwinkel", "Havenweg 3", "5145 LM", "Waalwijk", "WK086700", MORNINGS + SATURDAY),
    ),
    "GM0938": (
        Place("gemeentehuis", "Gemeentehuis Meerssen", "Beekstraat 51", "6231 LG", "Meerssen", "WK093800", MORNINGS),
        Place(
            "wijkcentrum",
            "Wijkcentrum Bunde",
            "Pastoor Ruttenstraat 2",
            "6241 AB",
            "Bunde",
            "WK093802",
            TUE_THU,
        ),
        Place(
            "ulestraten",
            "Gemeenschapshuis Ulestraten",
            "Schoolstraat 10",
            "6235 CD",
            "Ulestraten",
            "WK093801",
            TUE_THU,
        ),
        Place(
            "uitgiftepunt", "Voedselbank, uitgiftepunt", "Stationstraat 8", "6231 EF", "Meerssen", "WK093800", SATURDAY
        ),
        Place("kringloop", "Kringloopwinkel", "Industriestraat 4", "6241 GH", "Bunde", "WK093802", MORNINGS + SATURDAY),
    ),
}

# (organisation key, place key): which organisation receives people where.
PLACE_OWNERS = {
    "stadhuis": "gemeente",
    "gemeentehuis": "gemeente",
    "wijkcentrum": "welzijn",
    "sprang": "welzijn",
    "waspik": "welzijn",
    "ulestraten": "welzijn",
    "uitgiftepunt": "voedselbank",
    "kringloop": "winkel",
}


def offers_of(town: str) -> tuple[DemoOffer, ...]:
    civic = ("stadhuis", "gemeentehuis")
    neighbourhood = ("wijkcentrum", "sprang", "waspik", "ulestraten")
    return (
        DemoOffer(
            "gemeente",
            "Bijzondere bijstand",
            f"Heb je kosten die je niet kunt betalen, zoals een nieuwe wasmachine of een bril? De gemeente {town} "
            "kan je helpen met geld. Je vraagt het aan met een formulier.",
            ("inkomen-en-toeslagen",),
            ("mensen-met-schulden", "alleenstaande-ouders"),
            (W.WALK_IN, W.PHONE, W.ONLINE_FORM),
            civic,
            conditions="Je woont in de gemeente en je inkomen is laag.",
            income_limit_percent=120,
            minimum_age=18,
        ),
        DemoOffer(
            "gemeente",
            "Meedoenpas",
            "Met de Meedoenpas krijg je korting op sport, cultuur en uitjes. Voor jou en je kinderen.",
            ("meedoen", "kinderen-en-school"),
            ("gezinnen-met-kinderen", "ouderen"),
            (W.ONLINE_FORM, W.PHONE),
            civic,
            conditions="Je inkomen is niet hoger dan 130% van het sociaal minimum.",
            income_limit_percent=130,
        ),
        DemoOffer(
            "gemeente",
            "Hulp bij je aanvraag voor toeslagen",
            "Weet je niet of je recht hebt op huurtoeslag of zorgtoeslag? We kijken samen met je en helpen je met "
            "de aanvraag.",
            ("inkomen-en-toeslagen", "hulp-bij-formulieren"),
            ("werkenden-met-laag-inkomen", "zelfstandigen"),
            (W.WALK_IN, W.PHONE, W.EMAIL),
            civic,
            residents_only=False,
        ),
        DemoOffer(
            "welzijn",
            "Formulierenspreekuur",
            "Heb je een brief die je niet begrijpt, of moet je een formulier invullen? Kom langs bij het "
            "spreekuur. Een vrijwilliger helpt je.",
            ("hulp-bij-formulieren", "digitale-vaardigheden"),
            ("ouderen", "statushouders"),
            (W.WALK_IN,),
            neighbourhood,
            languages=("nl", "en", "ar"),
        ),
        DemoOffer(
            "welzijn",
            "Koffieochtend in de wijk",
            "Elke week koffie drinken en praten met buurtgenoten. Je bent welkom, ook als je niemand kent.",
            ("eenzaamheid-en-contact",),
            ("ouderen",),
            (W.WALK_IN,),
            neighbourhood,
            months_since_check=8,
        ),
        DemoOffer(
            "welzijn",
            "Huisbezoek van de wijkcoach",
            "Maak je je zorgen over geld, je huis of je gezondheid? De wijkcoach komt bij je thuis en kijkt met je "
            "wat je nodig hebt.",
            ("schulden-en-geldzaken", "gezondheid", "eenzaamheid-en-contact"),
            ("ouderen", "gezinnen-met-kinderen"),
            (W.HOME_VISIT, W.PHONE, W.WHATSAPP),
        ),
        DemoOffer(
            "schuldhulp",
            "Schuldhulpverlening",
            "Heb je schulden of betalingsachterstanden? Of een brief van een deurwaarder? We maken samen een plan. "
            "We praten met de mensen en bedrijven aan wie je geld moet betalen.",
            ("schulden-en-geldzaken",),
            ("mensen-met-schulden", "zelfstandigen"),
            (W.PHONE, W.EMAIL, W.ONLINE_FORM, W.WALK_IN),
            civic,
            minimum_age=18,
        ),
        DemoOffer(
            "schuldhulp",
            "Geldfit-spreekuur",
            "Wil je beter rondkomen? Een budgetcoach kijkt met je naar je inkomsten, uitgaven en rekeningen.",
            ("schulden-en-geldzaken",),
            ("jongeren", "werkenden-met-laag-inkomen"),
            (W.WALK_IN, W.WHATSAPP),
            neighbourhood,
        ),
        DemoOffer(
            "voedselbank",
            "Voedselpakket",
            "Elke week een pakket met boodschappen: eten, drinken en spullen voor in huis. Je krijgt een "
            "intake om te kijken of je een pakket kunt krijgen.",
            ("voedsel",),
            ("gezinnen-met-kinderen", "mensen-met-schulden"),
            (W.PHONE, W.EMAIL),
            ("uitgiftepunt",),
            conditions="Na een intake; er blijft per maand te weinig geld over voor eten.",
        ),
        DemoOffer(
            "voedselbank",
            "Samen koken en eten",
            "Elke donderdag koken we samen met wat er in de pakketten zit, en eten we samen. Je leert nieuwe "
            "recepten en ontmoet andere mensen. Kinderen zijn welkom.",
            ("voedsel", "eenzaamheid-en-contact"),
            ("gezinnen-met-kinderen", "ouderen"),
            (W.WALK_IN,),
            ("uitgiftepunt",),
            residents_only=False,
            months_since_check=7,
        ),
        DemoOffer(
            "fonds",
            "Laptop of fiets voor school",
            "Heeft je kind een laptop of fiets nodig voor school, of geld voor een schoolreis? De stichting betaalt "
            "het, je krijgt geen geld maar het ding zelf.",
            ("kinderen-en-school", "digitale-vaardigheden"),
            ("gezinnen-met-kinderen", "alleenstaande-ouders"),
            (W.ONLINE_FORM, W.PHONE),
            income_limit_percent=120,
            maximum_age=18,
        ),
        DemoOffer(
            "woningcorporatie",
            "Huurachterstand? Bel ons op tijd",
            "Lukt het niet om de huur te betalen? Bel ons zo snel mogelijk. We maken een betalingsregeling en "
            "kunnen je doorverwijzen naar schuldhulp.",
            ("wonen-en-energie", "schulden-en-geldzaken"),
            ("mensen-met-schulden",),
            (W.PHONE, W.EMAIL, W.WHATSAPP),
            residents_only=False,
        ),
        DemoOffer(
            "energie",
            "Betalingsregeling energierekening",
            "Kun je de energierekening niet betalen? Neem contact op voordat de achterstand groot wordt. We zoeken "
            "samen naar een regeling en tips om energie te besparen.",
            ("wonen-en-energie", "schulden-en-geldzaken"),
            (),
            (W.PHONE, W.ONLINE_FORM),
            residents_only=False,
            months_since_check=9,
        ),
        DemoOffer(
            "school",
            "Gratis ontbijt op school",
            "Elke ochtend kunnen kinderen op school ontbijten. Gratis en zonder aanmelding.",
            ("voedsel", "kinderen-en-school"),
            ("gezinnen-met-kinderen",),
            (W.WALK_IN,),
            maximum_age=12,
        ),
        DemoOffer(
            "vrijwilligers",
            "Maatje voor de administratie",
            "Een vaste vrijwilliger helpt je elke maand met je post, rekeningen en administratie.",
            ("schulden-en-geldzaken", "hulp-bij-formulieren"),
            ("ouderen", "statushouders"),
            (W.PHONE, W.HOME_VISIT),
            languages=("nl", "en", "ti"),
        ),
        DemoOffer(
            "kerk",
            "Noodfonds en luisterend oor",
            "Zit je zonder geld voor het hoogstnodige? De diaconie kan snel helpen met een kleine gift. Je kunt "
            "ook gewoon komen praten.",
            ("inkomen-en-toeslagen", "eenzaamheid-en-contact"),
            (),
            (W.PHONE, W.EMAIL),
            residents_only=False,
        ),
        DemoOffer(
            "winkel",
            "Kleding en spullen met korting",
            "Tweedehands kleding, meubels en spullen voor in huis. Met een Meedoenpas krijg je 50% korting.",
            ("kleding-en-spullen",),
            ("gezinnen-met-kinderen", "statushouders"),
            (W.WALK_IN,),
            ("kringloop",),
            residents_only=False,
            costs="Lage prijzen; 50% korting met de Meedoenpas.",
        ),
    )


def load_social_map(
    actor: Actor, municipality: Municipality, organisations: dict[str, Organisation], town: str
) -> None:
    """Create the demo offers of one municipality, skipping those that exist already."""
    terms = {term.code: term for term in TaxonomyTerm.objects.select_related("taxonomy")}
    districts = {area.code: area for area in Area.objects.filter(parent__code=municipality.code)}
    locations: dict[str, Location] = {}
    for place in PLACES[municipality.code]:
        organisation = organisations[PLACE_OWNERS[place.key]]
        existing = Location.objects.filter(organisation=organisation, name=place.name).first()
        locations[place.key] = existing or location_save(
            actor=actor,
            organisation=organisation,
            municipality=municipality,
            fields={
                "name": place.name,
                "street_address": place.street,
                "postal_code": place.postal_code,
                "city": place.city,
                "area": districts.get(place.district),
            },
            opening_hours=place.hours,
        )
    today = timezone.localdate()
    for item in offers_of(town):
        organisation = organisations[item.organisation_key]
        if Offer.objects.filter(organisation=organisation, name=item.name, municipalities=municipality).exists():
            continue
        offer = offer_create(
            actor=actor,
            organisation=organisation,
            fields={
                "name": item.name,
                "description": item.description,
                "conditions": item.conditions,
                "income_limit_percent": item.income_limit_percent,
                "minimum_age": item.minimum_age,
                "maximum_age": item.maximum_age,
                "residents_only": item.residents_only,
                "is_free": not item.costs,
                "costs": item.costs,
                "ways_in": list(item.ways_in),
                "languages": list(item.languages),
                "phone": "0800-0000000",
            },
            relations=OfferRelations(
                municipalities=(municipality,),
                themes=tuple(terms[code] for code in item.themes),
                target_groups=tuple(terms[code] for code in item.target_groups),
                locations=tuple(locations[key] for key in item.places if key in locations),
            ),
        )
        if item.months_since_check > 6:
            Offer.objects.filter(pk=offer.pk).update(last_checked=today - timedelta(days=30 * item.months_since_check))
