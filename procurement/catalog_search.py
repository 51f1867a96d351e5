"""Catalog text search that forgives typos, and the counts the catalog's filters show.

A search first matches as it always did: every word in the SKU, the name or the manufacturer part id.
When that finds nothing (and the user did not ask for an exact search) each word that matches nothing is
looked up by its likeness: on PostgreSQL with pg_trgm (`%>` word similarity, GIN trigram indexes from
migration 0014), elsewhere by correcting the word against the catalog's vocabulary (`words_corrected`,
difflib). The caller learns the corrected query, to say "Showing results for …" with a way back.
"""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest

from .models import CatalogItem

# How alike a typed word and a catalog word must be to count as a typo of it (difflib's ratio).
CORRECTION_CUTOFF = 0.75
# The vocabulary the SQLite fallback corrects against: words of at most this many items' texts.
VOCABULARY_ITEMS = 20_000
_WORD = re.compile(r"[^\W_]+(?:[-./][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class TextSearch:
    items: QuerySet[CatalogItem]
    corrected: str = ""  # the query the results are for, when it is not what was typed
    ranked: bool = False  # ordered by likeness already


def _word_matches(word: str) -> Q:
    return Q(sku__icontains=word) | Q(name__icontains=word) | Q(manufacturer_part_id__icontains=word)


def catalog_text_search(*, items: QuerySet[CatalogItem], text: str, exact: bool = False) -> TextSearch:
    """`items` narrowed to a text search: exact when anything matches exactly, else forgiving typos."""
    words = text.split()
    if not words:
        return TextSearch(items=items)
    matched = items
    for word in words:
        matched = matched.filter(_word_matches(word))
    if exact or matched.exists():
        return TextSearch(items=matched)
    if _is_postgresql(items):
        return _trigram_search(items, words)
    return _vocabulary_search(items, words)


def _is_postgresql(items: QuerySet[CatalogItem]) -> bool:
    from django.db import connections

    return connections[items.db].vendor == "postgresql"


def _trigram_search(items: QuerySet[CatalogItem], words: list[str]) -> TextSearch:
    """Each word matches exactly or as a word similar to one in the name or manufacturer (pg_trgm `%>`)."""
    found = items
    unknown = []
    for word in words:
        # One word alone matched nothing already (catalog_text_search): no need to ask again.
        if len(words) == 1 or not items.filter(_word_matches(word)).exists():
            unknown.append(word)
        found = found.filter(
            _word_matches(word)
            | Q(TrigramWordSimilar(F("name"), Value(word)))
            | Q(TrigramWordSimilar(F("manufacturer"), Value(word)))
        )
    likeness: list[Any] = [Greatest(TrigramWordSimilarity(w, "name"), TrigramWordSimilarity(w, "sku")) for w in words]
    total = likeness[0]
    for part in likeness[1:]:
        total = total + part
    found = found.alias(likeness=total).order_by("-likeness", "name", "sku", "pk")
    vocabulary = _vocabulary(found.values_list("name", "manufacturer")[:20])
    corrected = words_corrected(words, vocabulary, only=unknown)
    return TextSearch(items=found, corrected=" ".join(corrected) if corrected != words else "", ranked=True)


def _vocabulary_search(items: QuerySet[CatalogItem], words: list[str]) -> TextSearch:
    """Without pg_trgm: each unknown word becomes the catalog's closest word, then an ordinary search."""
    texts = items.order_by().values_list("name", "manufacturer", "sku", "manufacturer_part_id")[:VOCABULARY_ITEMS]
    corrected = words_corrected(words, _vocabulary(texts))
    if corrected == words:
        return TextSearch(items=items.none())
    found = items
    for word in corrected:
        found = found.filter(_word_matches(word))
    return TextSearch(items=found, corrected=" ".join(corrected))


def _vocabulary(rows: Iterable[Iterable[str]]) -> set[str]:
    return {word.casefold() for row in rows for text in row for word in _WORD.findall(text or "")}


def words_corrected(
    words: list[str], vocabulary: Iterable[str], *, only: Iterable[str] | None = None, cutoff: float = CORRECTION_CUTOFF
) -> list[str]:
    """Each word as the closest vocabulary word when it is not one itself (nor part of one) and one is close
    enough; else as typed. `only` limits correction to those words. Case-insensitive; returns casefolded
    corrections and untouched words as typed."""
    known = sorted(set(vocabulary))
    limited = None if only is None else {w.casefold() for w in only}
    corrected = []
    for word in words:
        folded = word.casefold()
        if (limited is not None and folded not in limited) or any(folded in known_word for known_word in known):
            corrected.append(word)
            continue
        close = difflib.get_close_matches(folded, known, n=1, cutoff=cutoff)
        corrected.append(close[0] if close else word)
    return corrected


def catalog_ranked(*, search: TextSearch, items: QuerySet[CatalogItem], text: str) -> QuerySet[CatalogItem]:
    """`items` (the search's, filtered further) in order: as alike as the search ranked them; else the exact
    SKU first, then SKUs or names that start with the query, then the rest by name."""
    text = (search.corrected or text).strip()
    if search.ranked:
        return items
    if not text:
        return items.order_by("name", "sku", "pk")
    rank = Case(
        When(sku__iexact=text, then=Value(0)),
        When(Q(sku__istartswith=text) | Q(name__istartswith=text), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return items.alias(rank=rank).order_by("rank", "name", "sku", "pk")
