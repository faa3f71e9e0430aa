"""The managed taxonomies of the social map, and the everyday words residents use for them.

Term names are data in Dutch, the language the offers are written in, and residents pick them as
filters on the help search: everyday words at language level B1 ("Computer en internet", not
"Digitale vaardigheden"). The codes never change; they are the ids in links, the API and HSDS. The
lists here are written to the database after every ``migrate``, and the offers of a renamed term are
indexed again, their names being part of an offer's search text (``socialmap.services.taxonomies_sync``,
ADR 0013). A new term, or a new name, description or order, needs no migration; removing a term or
changing its code does, as offers refer to it.
"""

from __future__ import annotations

from dataclasses import dataclass

THEMES_CODE = "meedoen-thema"
TARGET_GROUPS_CODE = "meedoen-doelgroep"


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    description: str


THEMES: tuple[Term, ...] = (
    Term("inkomen-en-toeslagen", "Inkomen en toeslagen", "Uitkeringen, toeslagen en regelingen voor een laag inkomen."),
    Term("schulden-en-geldzaken", "Schulden en geldzaken", "Hulp bij schulden, rekeningen, budget en administratie."),
    Term("voedsel", "Voedsel", "Boodschappen, voedselpakketten en samen eten."),
    Term("kleding-en-spullen", "Kleding en spullen", "Kleding, meubels en spullen voor in huis."),
    Term("wonen-en-energie", "Wonen en energie", "Huur, energie, water en een veilig huis."),
    Term("meedoen", "Sport, cultuur en uitjes", "Sporten, een museum, de bibliotheek of een dagje weg."),
    Term("kinderen-en-school", "Kinderen en school", "Schoolspullen, schoolkosten en activiteiten voor kinderen."),
    Term("werk-en-scholing", "Werk en leren", "Werk vinden, leren en een opleiding."),
    Term("gezondheid", "Gezondheid", "Zorg, zorgverzekering en je goed voelen."),
    Term("eenzaamheid-en-contact", "Eenzaamheid en contact", "Mensen ontmoeten en iemand om mee te praten."),
    Term("digitale-vaardigheden", "Computer en internet", "Leren werken met computer, telefoon, internet en DigiD."),
    Term("hulp-bij-formulieren", "Hulp bij formulieren", "Hulp bij brieven, formulieren en aanvragen."),
)

TARGET_GROUPS: tuple[Term, ...] = (
    Term("ouderen", "Ouderen", "Mensen vanaf ongeveer 65 jaar."),
    Term("alleenstaande-ouders", "Alleenstaande ouders", "Ouders die alleen voor hun kinderen zorgen."),
    Term("zelfstandigen", "Eigen bedrijf (zzp)", "Mensen met een eigen bedrijf of die als zzp'er werken."),
    Term("jongeren", "Jongeren", "Jongeren tot ongeveer 27 jaar."),
    Term("gezinnen-met-kinderen", "Gezinnen met kinderen", "Huishoudens met kinderen."),
    Term("werkenden-met-laag-inkomen", "Werkenden met een laag inkomen", "Mensen die werken maar weinig verdienen."),
    Term(
        "statushouders",
        "Nieuw in Nederland (statushouder)",
        "Mensen die net in Nederland wonen, met een verblijfsvergunning.",
    ),
    Term("mensen-met-schulden", "Mensen met schulden", "Mensen met betalingsachterstanden of schulden."),
)

# Everyday words residents type, mapped to themes. Words are matched after stemming, so one form
# ("deurwaarder") covers its inflections ("deurwaarders"). Compounds the text search cannot split
# ("energierekening") belong here too.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "boodschappen": ("voedsel",),
    "eten": ("voedsel",),
    "honger": ("voedsel",),
    "voedselpakket": ("voedsel",),
    "deurwaarder": ("schulden-en-geldzaken",),
    "incasso": ("schulden-en-geldzaken",),
    "aanmaning": ("schulden-en-geldzaken",),
    "achterstand": ("schulden-en-geldzaken",),
    "rekening": ("schulden-en-geldzaken",),
    "rekeningen": ("schulden-en-geldzaken",),
    "geld": ("schulden-en-geldzaken", "inkomen-en-toeslagen"),
    "geldzorgen": ("schulden-en-geldzaken", "inkomen-en-toeslagen"),
    "budget": ("schulden-en-geldzaken",),
    "toeslag": ("inkomen-en-toeslagen",),
    "huurtoeslag": ("inkomen-en-toeslagen", "wonen-en-energie"),
    "zorgtoeslag": ("inkomen-en-toeslagen", "gezondheid"),
    "uitkering": ("inkomen-en-toeslagen",),
    "bijstand": ("inkomen-en-toeslagen",),
    "huur": ("wonen-en-energie",),
    "energierekening": ("wonen-en-energie", "schulden-en-geldzaken"),
    "energie": ("wonen-en-energie",),
    "gas": ("wonen-en-energie",),
    "stroom": ("wonen-en-energie",),
    "water": ("wonen-en-energie",),
    "afsluiting": ("wonen-en-energie", "schulden-en-geldzaken"),
    "laptop": ("kinderen-en-school", "digitale-vaardigheden"),
    "computer": ("digitale-vaardigheden", "kinderen-en-school"),
    "internet": ("digitale-vaardigheden",),
    "digitaal": ("digitale-vaardigheden",),
    "schoolspullen": ("kinderen-en-school",),
    "schoolreis": ("kinderen-en-school",),
    "fiets": ("kinderen-en-school", "meedoen"),
    "sport": ("meedoen",),
    "zwemles": ("meedoen", "kinderen-en-school"),
    "kleding": ("kleding-en-spullen",),
    "kleren": ("kleding-en-spullen",),
    "meubels": ("kleding-en-spullen",),
    "brief": ("hulp-bij-formulieren",),
    "brieven": ("hulp-bij-formulieren",),
    "formulier": ("hulp-bij-formulieren",),
    "digid": ("digitale-vaardigheden", "hulp-bij-formulieren"),
    "eenzaam": ("eenzaamheid-en-contact",),
    "alleen": ("eenzaamheid-en-contact",),
    "praten": ("eenzaamheid-en-contact",),
    "werk": ("werk-en-scholing",),
    "baan": ("werk-en-scholing",),
    "opleiding": ("werk-en-scholing",),
    "dokter": ("gezondheid",),
    "tandarts": ("gezondheid",),
    "zorgverzekering": ("gezondheid",),
}


MANAGED: tuple[tuple[str, str, str, tuple[Term, ...]], ...] = (
    (THEMES_CODE, "Thema's", "Waar de hulp over gaat.", THEMES),
    (TARGET_GROUPS_CODE, "Doelgroepen", "Voor wie de hulp vooral bedoeld is.", TARGET_GROUPS),
)
"""The managed taxonomies: code, name, description and terms of each."""
