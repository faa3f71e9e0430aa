"""The demo's quality compass of Waalwijk: ambitions, four societal results, activities with the
evidence behind them, measured outcomes and a reflection session. Everything is invented.

The demo staff see both sides: the case worker of the debt help and the food bank's offer
maintainer report values; the policy officer approves them. One approved count is below 10, so
the demo shows "< 10". Safe to run again: an existing compass is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from meedoen.compass.models import Compass, Indicator, PerformanceMeasure, Polarity, ReportingPeriod, SocietalResult
from meedoen.compass.services.cycle import (
    activity_save,
    compass_create,
    follow_up_add,
    follow_up_mark_done,
    measure_save,
    measurement_approve,
    measurement_enter,
    measurement_return,
    period_close,
    period_open,
    reflection_save,
    result_indicator_save,
    result_save,
    story_add,
    turn_the_curve_save,
)
from meedoen.core.access import Actor
from meedoen.demo.personas import organisations_of
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.selectors import offers_of_municipality

TOWN, CODE, START_YEAR = "Waalwijk", "GM0867", 2025
Question = PerformanceMeasure.Question
Kind = PerformanceMeasure.Kind


@dataclass(frozen=True)
class DemoMeasure:
    question: str
    name: str
    kind: str
    unit: str
    # (period, organisation key, value, base, status): the values partners reported.
    values: tuple[tuple[str, str, float, int | None, str], ...] = ()


@dataclass(frozen=True)
class DemoActivity:
    name: str
    description: str
    results: tuple[int, ...]  # positions of the results it contributes to
    carriers: tuple[str, ...]
    offers: tuple[str, ...]
    evidence_level: str
    evidence_source: str
    mechanism: str
    training: str
    methods: str
    conditions: str
    measures: tuple[DemoMeasure, ...]


APPROVED, SUBMITTED, DRAFT, RETURNED = "approved", "submitted", "draft", "returned"
PERIODS = ("2025-Q3", "2025-Q4", "2026-Q1")
CLOSED = ("2025-Q3", "2025-Q4")

RESULTS = (
    ("gezinnen met kinderen", "minder gezinnen met kinderen in Waalwijk schulden hebben", "inkomen"),
    (
        "ouderen",
        "ouderen niet langer thuisblijven omdat hun geldzaken hun mobiliteit in de weg zitten",
        "participatie",
    ),
    (
        "jongeren",
        "jongeren zich minder schamen voor geldzorgen en eerder om hulp vragen",
        "zelfredzaamheid",
    ),
    (
        "zelfstandig ondernemers",
        "zelfstandigen met een laag inkomen eerder gebruikmaken van voorzieningen",
        "inkomen",
    ),
)

ACTIVITIES = (
    DemoActivity(
        name="Eén voordeur in de wijk",
        description=(
            "Een vast inloopspreekuur in het wijkcentrum en het dorpshuis, waar inwoners met elke geldvraag "
            "terechtkunnen. Schuldhulp en wijkteam zitten samen aan tafel: wie binnenkomt, vertelt het verhaal "
            "één keer en wordt direct geholpen of warm overgedragen."
        ),
        results=(0, 2),
        carriers=("schuldhulp", "welzijn"),
        offers=("Formulierenspreekuur", "Huisbezoek van de wijkcoach"),
        evidence_level="niet_beoordeeld",
        evidence_source="Bevindingen van het armoede-LAB en ervaringen van inwoners",
        mechanism=(
            "Schaarste-stress vernauwt de aandacht: wie geldzorgen heeft, kan weinig plannen en haakt af bij "
            "formulieren en wachtlijsten. Hulp dichtbij, zonder oordeel en zonder opnieuw te vertellen, vraagt "
            "weinig van die bandbreedte."
        ),
        training="Alle medewerkers volgen de training 'Omgaan met schaarste' en een dag gesprekken zonder oordeel.",
        methods="Eén intake voor schuldhulp en wijkteam; warme overdracht binnen drie werkdagen.",
        conditions="Twee dagdelen per week een ruimte in het wijkcentrum; afspraken over het delen van gegevens.",
        measures=(
            DemoMeasure(
                Question.HOW_MUCH,
                "Huishoudens geholpen aan het spreekuur",
                Kind.COUNT,
                "huishoudens",
                (
                    ("2025-Q3", "schuldhulp", 34, None, APPROVED),
                    ("2025-Q4", "schuldhulp", 41, None, APPROVED),
                    ("2025-Q4", "welzijn", 12, None, APPROVED),
                    ("2026-Q1", "schuldhulp", 38, None, SUBMITTED),
                ),
            ),
            DemoMeasure(
                Question.HOW_WELL,
                "Huishoudens binnen drie werkdagen gesproken",
                Kind.PERCENTAGE,
                "",
                (
                    ("2025-Q3", "schuldhulp", 71.0, 34, APPROVED),
                    ("2025-Q4", "schuldhulp", 80.5, 41, APPROVED),
                ),
            ),
            DemoMeasure(
                Question.BETTER_OFF,
                "Gezinnen met een betalingsregeling of schuldhulptraject",
                Kind.COUNT,
                "gezinnen",
                (
                    ("2025-Q3", "schuldhulp", 7, None, APPROVED),
                    ("2025-Q4", "schuldhulp", 13, None, APPROVED),
                    ("2026-Q1", "schuldhulp", 15, None, DRAFT),
                ),
            ),
        ),
    ),
    DemoActivity(
        name="Voedselbank plus: boodschappen en een geldzorgenspreekuur",
        description=(
            "Bij het uitgiftepunt van de voedselbank zit elke zaterdag een vrijwilliger van Schuldhulpmaatje. "
            "Wie een pakket haalt, kan meteen praten over rekeningen en regelingen."
        ),
        results=(0,),
        carriers=("voedselbank",),
        offers=(),
        evidence_level="goed_beschreven",
        evidence_source="Beschrijving van de aanpak in een databank van sociale interventies",
        mechanism="Hulp aanbieden waar mensen al komen haalt de drempel en de schaamte weg.",
        training="Vrijwilligers volgen de basistraining van Schuldhulpmaatje.",
        methods="Een kort gesprek met de vragenlijst 'Grip op geld'; doorverwijzing met toestemming.",
        conditions="Een rustige hoek bij het uitgiftepunt en een vaste contactpersoon bij Schuldhulp.",
        measures=(
            DemoMeasure(
                Question.HOW_MUCH,
                "Gezinnen met een pakket",
                Kind.COUNT,
                "gezinnen",
                (
                    ("2025-Q3", "voedselbank", 118, None, APPROVED),
                    ("2025-Q4", "voedselbank", 124, None, APPROVED),
                    ("2026-Q1", "voedselbank", 131, None, RETURNED),
                ),
            ),
            DemoMeasure(
                Question.BETTER_OFF,
                "Doorverwezen gezinnen die de hulp aannamen",
                Kind.PERCENTAGE,
                "",
                (("2025-Q4", "voedselbank", 62.5, 16, APPROVED),),
            ),
        ),
    ),
    DemoActivity(
        name="Gratis busvervoer voor ouderen met een laag inkomen",
        description="Ouderen met een inkomen tot 120% van het sociaal minimum reizen gratis met de buurtbus.",
        results=(1,),
        carriers=("gemeente",),
        offers=("Meedoenpas",),
        evidence_level="niet_beoordeeld",
        evidence_source="Ervaringen van ouderen in het armoede-LAB",
        mechanism="Wie niet hoeft te rekenen voor elke rit, komt weer naar de markt, de kerk en de koffieochtend.",
        training="",
        methods="De pas wordt automatisch verstrekt aan wie de Meedoenpas heeft.",
        conditions="Afspraken met de vervoerder over de vergoeding per rit.",
        measures=(DemoMeasure(Question.HOW_MUCH, "Ouderen met een gratis buspas", Kind.COUNT, "ouderen"),),
    ),
    DemoActivity(
        name="Verhalen van jongeren op social media",
        description=(
            "Jongeren die zelf in armoede opgroeiden, vertellen hun verhaal in korte filmpjes, met een link "
            "naar hulp in de buurt."
        ),
        results=(2,),
        carriers=("vrijwilligers",),
        offers=(),
        evidence_level="niet_beoordeeld",
        evidence_source="Ideeën van jongeren in het armoede-LAB",
        mechanism="Herkenning bij leeftijdgenoten doorbreekt het taboe dat armoede onzichtbaar houdt.",
        training="Een workshop verhalen vertellen en veilig online.",
        methods="Jongeren maken de filmpjes zelf, met begeleiding van een jongerenwerker.",
        conditions="Toestemming van de makers; geen herkenbare details over anderen.",
        measures=(DemoMeasure(Question.HOW_MUCH, "Filmpjes geplaatst", Kind.COUNT, "filmpjes"),),
    ),
)


def load_compass() -> None:
    """Create the demo compass of Waalwijk, unless it exists; nothing happens without Waalwijk."""
    municipality = Municipality.objects.filter(code=CODE).first()
    if municipality is None or Compass.objects.filter(municipality=municipality, start_year=START_YEAR).exists():
        return
    actor = Actor.system("load_demo")
    names = {item.key: item.name for item in organisations_of(TOWN)}
    organisations = {
        key: organisation
        for key, name in names.items()
        if (organisation := Organisation.objects.filter(name=name, municipalities=municipality).first())
    }
    with transaction.atomic():
        compass = compass_create(
            actor=actor,
            municipality=municipality,
            fields={
                "title": "Samen tegen armoede in Waalwijk 2025-2028",
                "start_year": START_YEAR,
                "horizon_years": 4,
                "approach": "breed",
                "local_picture": (
                    "Ongeveer een op de twaalf huishoudens leeft rond het sociaal minimum. Een taboe houdt armoede "
                    "onzichtbaar: mensen zoeken pas hulp als de schulden hoog zijn. Het stelsel van regelingen is zo "
                    "ingewikkeld dat inwoners bang zijn iets fout te doen, en de digitalisering sluit ouderen buiten."
                ),
                "ambitions": (
                    "Armoede eerder zien en samen voorkomen. Eén herkenbare plek in elke wijk, hulp zonder oordeel, "
                    "kortere wachttijden tussen organisaties, en inwoners die hun verhaal maar één keer vertellen."
                ),
            },
            indicators=_local_picture(municipality),
        )
        results = [
            result_save(
                actor=actor,
                compass=compass,
                fields={"target_group": group, "statement": statement, "domain": domain, "position": position},
            )
            for position, (group, statement, domain) in enumerate(RESULTS)
        ]
        _result_indicators(actor, municipality, results, organisations)
        periods = {code: period_open(actor=actor, compass=compass, code=code) for code in PERIODS}
        offers = {offer.name: offer for offer in offers_of_municipality(actor=actor, municipality_id=municipality.pk)}
        for item in ACTIVITIES:
            carriers = [organisations[key] for key in item.carriers if key in organisations]
            if not carriers:
                continue
            activity = activity_save(
                actor=actor,
                compass=compass,
                fields={
                    "name": item.name,
                    "description": item.description,
                    "evidence_level": item.evidence_level,
                    "evidence_source": item.evidence_source,
                    "evidence_url": "",
                    "mechanism": item.mechanism,
                    "training": item.training,
                    "methods": item.methods,
                    "conditions": item.conditions,
                },
                results=[results[position] for position in item.results],
                carriers=carriers,
                offers=[offers[name] for name in item.offers if name in offers],
            )
            for demo_measure in item.measures:
                measure = measure_save(
                    actor=actor,
                    activity=activity,
                    fields={
                        "question": demo_measure.question,
                        "name": demo_measure.name,
                        "kind": demo_measure.kind,
                        "unit": demo_measure.unit,
                        "definition": "",
                    },
                )
                _report(actor, measure, periods, organisations, demo_measure.values)
        first = compass.activities.filter(name=ACTIVITIES[0].name).first()
        if first is not None and "schuldhulp" in organisations:
            story_add(
                actor=actor,
                activity=first,
                period=periods["2026-Q1"],
                organisation=organisations["schuldhulp"],
                title="Eindelijk durven bellen",
                text=(
                    "Een moeder van drie kwam voor een formulier en vertelde over een stapel ongeopende post. "
                    "Dezelfde middag zat ze bij de schuldhulpverlener. Twee maanden later is er een betalingsregeling "
                    "en opent ze haar post weer zelf."
                ),
            )
        for code in CLOSED:
            period_close(actor=actor, period=periods[code])
        _reflection(actor, compass)


def _local_picture(municipality: Municipality) -> list[Indicator]:
    wanted = ("laag-inkomen", "aanmeldingen-schuldhulp-per-1000", "HuishOnderOfRondSociaalMinimum")
    return list(Indicator.objects.filter(Q(municipality__isnull=True) | Q(municipality=municipality), code__in=wanted))


def _result_indicators(
    actor: Actor, municipality: Municipality, results: list[SocietalResult], organisations: dict[str, Organisation]
) -> None:
    """The figures of the local picture the results point at, where the demo's local picture has them,
    and one live figure of the compass itself."""
    low_income = Indicator.objects.filter(municipality=municipality, code="laag-inkomen").first()
    if low_income is not None:
        indicator = result_indicator_save(
            actor=actor,
            result=results[0],
            fields={
                "monitor_indicator": low_income,
                "operational_code": "",
                "baseline_value": 8.1,
                "baseline_date": date(2024, 12, 31),
                "target_value": 7.0,
                "polarity": Polarity.HIGHER_IS_WORSE,
            },
        )
        turn_the_curve_save(
            actor=actor,
            indicator=indicator,
            fields={
                "forecast_value": 7.9,
                "story": (
                    "Vaste lasten stegen sneller dan inkomens. Gezinnen met kinderen merken het eerst, en wachten "
                    "lang voor ze hulp vragen: schaamte en het idee dat het 'nog wel gaat'."
                ),
                "other_partners": "Werkgevers in de regio, huisartsen, ouders op het schoolplein.",
                "what_works": "Vroeg signaleren van betalingsachterstanden; hulp op plekken waar ouders al komen.",
                "action_plan": "In 2026 een spreekuur op twee basisscholen; afspraken met de woningcorporatie.",
            },
            partners=[
                organisations[key] for key in ("schuldhulp", "school", "woningcorporatie") if key in organisations
            ],
        )
    result_indicator_save(
        actor=actor,
        result=results[2],
        fields={
            "monitor_indicator": None,
            "operational_code": "compass.activities_better_off",
            "baseline_value": 25.0,
            "baseline_date": date(2025, 1, 1),
            "target_value": 75.0,
            "polarity": Polarity.HIGHER_IS_BETTER,
        },
    )


def _report(
    actor: Actor,
    measure: PerformanceMeasure,
    periods: dict[str, ReportingPeriod],
    organisations: dict[str, Organisation],
    values: tuple[tuple[str, str, float, int | None, str], ...],
) -> None:
    for code, key, value, base, status in values:
        if key not in organisations:
            continue
        measurement = measurement_enter(
            actor=actor,
            measure=measure,
            period=periods[code],
            organisation=organisations[key],
            value=value,
            base=base,
            note="",
            submit=status != DRAFT,
        )
        if status == APPROVED:
            measurement_approve(actor=actor, measurement=measurement)
        elif status == RETURNED:
            measurement_return(
                actor=actor,
                measurement=measurement,
                reason="Telt u hier gezinnen of uitgiftes? Graag het aantal verschillende gezinnen.",
            )


def _reflection(actor: Actor, compass: Compass) -> None:
    session = reflection_save(
        actor=actor,
        compass=compass,
        fields={
            "held_on": date(2026, 1, 20),
            "topic": "Terugblik op het najaar van 2025",
            "participants": "Inwoners, medewerkers van schuldhulp, wijkteam en voedselbank, jongerenwerk, gemeente.",
            "findings": (
                "Het spreekuur bereikt steeds meer gezinnen, en vier op de vijf worden binnen drie werkdagen "
                "gesproken. Ouderen weten de buspas nog slecht te vinden. Jongeren vinden de filmpjes herkenbaar."
            ),
            "decisions": "De buspas wordt automatisch verstrekt; het spreekuur komt ook op twee basisscholen.",
        },
    )
    follow_up_add(
        actor=actor,
        session=session,
        fields={
            "description": "Brief over de buspas aan alle ouderen met een Meedoenpas",
            "owner": "Gemeente, team Werk en Inkomen",
            "due_on": date(2026, 3, 1),
        },
    )
    done = follow_up_add(
        actor=actor,
        session=session,
        fields={
            "description": "Afspraken met twee basisscholen over een spreekuur",
            "owner": "Wijkteam",
            "due_on": date(2026, 4, 1),
        },
    )
    follow_up_mark_done(actor=actor, action=done, on=date(2026, 3, 15))
