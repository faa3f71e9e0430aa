"""Dutch text for search: words, stop words and stems.

SQLite has no Dutch stemmer, so documents and queries are stemmed here (Snowball, the same
algorithm as PostgreSQL's ``dutch`` configuration) before they reach its FTS5 index. PostgreSQL
stems with its own dictionary; there only ``query_words`` is used, to pick the words of a query.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

# Words that say nothing about the help asked for. The common Dutch function words (as in the
# Snowball Dutch stop list) plus words residents add around their question.
STOP_WORDS = frozenset(
    [
        "aan",
        "al",
        "alles",
        "als",
        "altijd",
        "andere",
        "ben",
        "bij",
        "daar",
        "dan",
        "dat",
        "de",
        "der",
        "deze",
        "die",
        "dit",
        "doch",
        "doen",
        "door",
        "dus",
        "een",
        "eens",
        "en",
        "er",
        "ge",
        "geen",
        "geweest",
        "haar",
        "had",
        "heb",
        "hebben",
        "heeft",
        "hem",
        "het",
        "hier",
        "hij",
        "hoe",
        "hun",
        "iemand",
        "iets",
        "ik",
        "in",
        "is",
        "ja",
        "je",
        "jij",
        "jou",
        "jouw",
        "kan",
        "kon",
        "kunnen",
        "maar",
        "me",
        "meer",
        "men",
        "met",
        "mij",
        "mijn",
        "moet",
        "na",
        "naar",
        "niet",
        "niets",
        "nog",
        "nu",
        "of",
        "om",
        "omdat",
        "onder",
        "ons",
        "ook",
        "op",
        "over",
        "reeds",
        "te",
        "tegen",
        "toch",
        "toen",
        "tot",
        "u",
        "uit",
        "uw",
        "van",
        "veel",
        "voor",
        "want",
        "waren",
        "was",
        "wat",
        "we",
        "wel",
        "werd",
        "wezen",
        "wie",
        "wil",
        "worden",
        "wordt",
        "zal",
        "ze",
        "zelf",
        "zich",
        "zij",
        "zijn",
        "zo",
        "zonder",
        "zou",
        "hulp",
        "help",
        "helpen",
        "nodig",
        "graag",
        "zoek",
        "zoeken",
        "waar",
        "wil",
        "willen",
        "krijg",
        "krijgen",
        "kan",
        "kun",
        "hoe",
    ]
)

_WORD = re.compile(r"[a-z0-9]+")
_stemmer = snowballstemmer.stemmer("dutch")


def fold(text: str) -> str:
    """Lower case without accents: "Één café" -> "een cafe"."""
    if text.isascii():  # most text; nothing to decompose, and casefold is lower for ASCII
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def query_words(text: str, *, limit: int = 12) -> list[str]:
    """The meaningful words of a query, in order, without repeats; at most ``limit`` of them."""
    seen: dict[str, None] = {}
    for word in words(text):
        if word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)[:limit]


def stemmed_document(text: str) -> str:
    """The text as space-separated stems, for the SQLite index."""
    return " ".join(stem(word) for word in words(text) if word not in STOP_WORDS)
