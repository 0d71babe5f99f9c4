"""Understanding a question: what it is about, and what kind of answer it wants.

Each word that says what the question is about becomes a ``Concept``: the index terms that count
as that word (its stem; the name behind an acronym or the acronym of a name, both learnt from the
articles; the articles' spelling of a misspelt word; its common synonyms), each with a weight.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from simbot.answer.kinds import Kind, question_kind
from simbot.index.reader import Index
from simbot.text import wordlists
from simbot.text.analyzer import Analyzer, Token, fold, squeeze, tokenize
from simbot.text.lexicon import Paraphrase, base_forms, find, spell_out_chat
from simbot.text.spelling import correct

#: Questions are cut to this many characters (after NFKC, which can make one character
#: eighteen) and this many words before analysis: nobody asks in more, and the work a question
#: costs must stay bounded whatever it holds.
MAX_QUESTION_CHARS = 1000
MAX_QUESTION_WORDS = 100
#: How much a term counts when it is not the question's own word.
ALIAS_WEIGHT = 1.0
SPELLING_WEIGHT = 0.9
SYNONYM_WEIGHT = 0.3
SYNONYM_CREDIT = 0.5
#: The articles' wording of an everyday phrase is trusted like a respelling.
PARAPHRASE_WEIGHT = 1.0
PARAPHRASE_CREDIT = SPELLING_WEIGHT
MAX_SYNONYMS = 4
# "How long", "how many": they say what kind of answer is wanted, not what it is about.
_QUESTION_FRAME_RE = re.compile(r"\bhow (?:long|many|much|often|far|big)\b", re.IGNORECASE)


@dataclass(slots=True)
class Concept:
    """One word of the question, and the index terms that count as it."""

    word: str
    terms: dict[int, float] = field(default_factory=dict)
    #: Ways a paragraph can cover this word: all of a group's terms, for the credit given.
    groups: list[tuple[tuple[int, ...], float]] = field(default_factory=list)
    idf: float = 0.0
    #: The word's own term, when the articles hold it.
    own: int | None = None

    def add(self, term_id: int | None, weight: float, credit: float) -> None:
        """Count ``term_id`` as this word, with a BM25 weight and a share of coverage credit."""
        if term_id is not None:
            self.terms[term_id] = max(weight, self.terms.get(term_id, 0.0))
            self.groups.append(((term_id,), credit))

    def add_way(
        self, term_ids: list[int], weight: float = ALIAS_WEIGHT, credit: float = 1.0
    ) -> None:
        """Count words said together as this word: a name ("high intensity network") for the
        acronym "HIN", or the articles' wording of an everyday phrase.

        The BM25 weight is shared among the words; a paragraph covers this word with all of them.
        """
        if term_ids:
            for term_id in term_ids:
                share = weight / len(term_ids)
                self.terms[term_id] = max(share, self.terms.get(term_id, 0.0))
            self.groups.append((tuple(term_ids), credit))

    @property
    def known(self) -> bool:
        """Whether the articles hold this word: itself, respelt or paraphrased, not a synonym."""
        return any(credit >= SPELLING_WEIGHT for _, credit in self.groups)


@dataclass(slots=True)
class Query:
    """A question as the retriever and the answerer see it."""

    text: str
    concepts: list[Concept]
    kind: Kind
    acronyms: list[str]
    #: The question's words, folded, in order (for phrase matching).
    sequence: list[str] = field(default_factory=list)
    #: The question as the meaning model reads it: as typed, without filler ("hey", "lol").
    framed: str = ""

    @property
    def weight(self) -> float:
        """The question's whole weight: the idf of all its words (coverage is a share of it)."""
        return sum(c.idf for c in self.concepts)

    def bigrams(self) -> set[tuple[str, str]]:
        """Pairs of consecutive words of the question."""
        return set(pairwise(self.sequence))

    def weighted_terms(self) -> list[tuple[int, float]]:
        """``(term id, weight)`` pairs for BM25, in question order."""
        return [pair for c in self.concepts for pair in c.terms.items()]

    def term_weights(self) -> dict[int, float]:
        """Every term the question counts, with its best weight (for highlighting)."""
        best: dict[int, float] = {}
        for concept in self.concepts:
            for term, weight in concept.terms.items():
                best[term] = max(weight, best.get(term, 0.0))
        return best


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Common English synonyms (shipped, from WordNet): word -> synonyms, most usual first.

    The table read once (``wordlists.table`` caches it): it is asked for each word of a question.
    """
    return wordlists.table("synonyms")


def bounded_question(question: str) -> str:
    """``question`` as it is analysed: white space squeezed, NFKC, at most ``MAX_QUESTION_CHARS``.

    Cut before and after normalising: NFKC can turn one character into eighteen ("ﷺ"), and
    the work a question costs must be bounded by its length as analysed, not as typed.
    """
    raw = question[: 4 * MAX_QUESTION_CHARS]  # squeezing white space cannot win more than this
    text = " ".join(raw.split())[:MAX_QUESTION_CHARS]
    return " ".join(unicodedata.normalize("NFKC", text).split())[:MAX_QUESTION_CHARS]


def parse(
    question: str, index: Index, analyzer: Analyzer, aliases: AliasTable, everyday: bool = True
) -> Query:
    """The concepts and kind of ``question``, matched against ``index``'s vocabulary."""
    text = bounded_question(question)
    n = len(index.paragraphs)
    unknown_idf = math.log1p((n + 0.5) / 0.5)
    concepts: list[Concept] = []
    acronyms: list[str] = []
    terms_in_order: list[str] = []
    plain = spell_out_chat(text)
    words = _ABBREVIATION_RE.sub(lambda m: squeeze(m.group()), _QUESTION_FRAME_RE.sub(" ", plain))
    tokens = tokenize(words)[:MAX_QUESTION_WORDS]
    # ``everyday=False``: without the everyday-wording list (for the ablation, tools/ablation.py).
    phrases = find([t.folded for t in tokens], analyzer.lemmas) if everyday else []
    reworded = {n for p in phrases for n in range(p.start, p.end)}
    positions: list[int] = []
    for position, token in enumerate(tokens):
        term = None if token.folded in analyzer.question_words else analyzer.term(token.folded)
        if not term:
            continue
        concept = Concept(token.folded)
        concept.own = index.term_ids.get(term)
        concept.add(concept.own, 1.0, 1.0)
        if concept.own is None and position not in reworded and token.folded not in synonyms():
            fixed = correct(token.folded, index.words)
            if fixed is not None:
                concept.add(index.words[fixed][0], SPELLING_WEIGHT, SPELLING_WEIGHT)
        name = aliases.names.get(term)
        if name:
            acronyms.append(term)
            concept.add_way([t for a in name if (t := index.term_ids.get(a)) is not None])
        for synonym in _synonyms_of(token.folded, analyzer)[:MAX_SYNONYMS]:
            concept.add(index.term_ids.get(synonym), SYNONYM_WEIGHT, SYNONYM_CREDIT)
        concepts.append(concept)
        positions.append(position)
        terms_in_order.append(term)
    _add_acronyms_of_names(concepts, terms_in_order, index, aliases)
    _add_paraphrases(concepts, positions, phrases, tokens, index, analyzer)
    for concept in concepts:
        concept.idf = (
            float(index.idf[concept.own]) if concept.own is not None else
            max((float(index.idf[t]) for t in concept.terms), default=unknown_idf)
        )  # fmt: skip
    # Filler says nothing of the kind asked for and must not push the question word out of reach.
    framed = " ".join(w for w in fold(plain).split() if w.strip(".,!?;:") not in analyzer.filler)
    kind = question_kind(framed, bool(acronyms))
    sequence = [t.folded for t in tokenize(plain)][:MAX_QUESTION_WORDS]
    # The meaning model reads the words as typed: it was fitted on questions typed that way, and
    # scored better on the chat set so than on our lists' spelling-out (0.693 against 0.653
    # hit@1). Filler is left out: it would pull the question's vector away from its meaning.
    as_typed = " ".join(w for w in text.split() if fold(w).strip(".,!?;:") not in analyzer.filler)
    return Query(text, concepts, kind, acronyms, sequence, as_typed)


def _add_paraphrases(
    concepts: list[Concept],
    positions: list[int],
    everyday: list[Paraphrase],
    tokens: list[Token],
    index: Index,
    analyzer: Analyzer,
) -> None:
    """Count the articles' wording of an everyday phrase as the question's words.

    The phrase's first word takes the articles' words for BM25; a paragraph holding them covers
    every word of the phrase. A phrase of stopwords alone ("get in") becomes a word of its own.
    """
    for phrase in everyday:
        inside = [
            c for c, at in zip(concepts, positions, strict=True) if phrase.start <= at < phrase.end
        ]
        if not inside:
            at = bisect.bisect_left(positions, phrase.start)
            words = " ".join(t.folded for t in tokens[phrase.start : phrase.end])
            inside = [Concept(words)]
            concepts.insert(at, inside[0])
            positions.insert(at, phrase.start)
        for way in phrase.ways:
            terms = [index.term_ids.get(t) for w in way if (t := analyzer.term(w))]
            ids = [t for t in terms if t is not None]
            if ids and len(ids) == len(terms):
                inside[0].add_way(ids, PARAPHRASE_WEIGHT, PARAPHRASE_CREDIT)
                for concept in inside[1:]:
                    concept.groups.append((tuple(ids), PARAPHRASE_CREDIT))


def _synonyms_of(word: str, analyzer: Analyzer) -> list[str]:
    table = synonyms()
    own = analyzer.term(word)
    found: list[str] = []
    for candidate in base_forms(word, analyzer.lemmas):
        for synonym in table.get(candidate, ()):
            term = analyzer.term(synonym)
            if term and term != own and term not in found:
                found.append(term)
        if found:
            break
    return found


def _add_acronyms_of_names(
    concepts: list[Concept], terms: list[str], index: Index, aliases: AliasTable
) -> None:
    """A question naming "high intensity network" also asks about "HIN".

    The acronym's BM25 weight is shared among the words of the name; any paragraph holding the
    acronym covers every one of them.
    """
    for i, term in enumerate(terms):
        for acronym, name in aliases.by_first.get(term, []):
            size = len(name)
            if terms[i : i + size] == name:
                for concept in concepts[i : i + size]:
                    concept.add(index.term_ids.get(acronym), 1.0 / size, 1.0)


@cache
def abbreviations() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Common abbreviations and what they stand for (shipped, ``data/abbreviations.txt``)."""
    return tuple(wordlists.table("abbreviations").items())


_ABBREVIATION_RE = re.compile(
    "|".join(
        rf"(?<![\w&]){re.escape(key)}(?![\w&])" for key, _ in abbreviations() if not key.isalnum()
    ),
    re.IGNORECASE,
)


class AliasTable:
    """Acronyms and the names they stand for: the articles' own first, then shipped ones."""

    def __init__(self, index: Index, analyzer: Analyzer) -> None:
        pairs: list[tuple[str, list[str]]] = list(index.aliases.items())
        for key, names in abbreviations():
            term = analyzer.term(fold(squeeze(key)))
            for spelt_out in names:
                name_terms = analyzer.terms(spelt_out)
                if term and len(name_terms) >= 2:
                    pairs.append((term, name_terms))
        self.names: dict[str, list[str]] = {}
        #: First word of a name -> the (acronym, name) pairs starting with it.
        self.by_first: dict[str, list[tuple[str, list[str]]]] = {}
        for acronym, name in pairs:
            self.names.setdefault(acronym, name)
            self.by_first.setdefault(name[0], []).append((acronym, name))
