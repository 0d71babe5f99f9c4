"""The decline decision: whether the best paragraphs answer the question, and which to keep.

Raw BM25 scores are not comparable across questions, so the decision rests on coverage: the
share of the question's weight (idf) that a paragraph holds. A "no" is an answer too: "not in my
sources" is better than a quote that does not answer.
"""

from __future__ import annotations

import re

from simbot.answer.kinds import Kind
from simbot.answer.query import Query
from simbot.answer.ranking import Candidate

#: A question is answered only when a paragraph covers this share of its weight...
MIN_COVERAGE = 0.22
#: ...and when words no article holds, in any wording, weigh at most this share of it...
MAX_UNKNOWN_SHARE = 0.5
#: ...and a question asking for a figure only by a figure beside this share of its words.
MIN_NUMBER_COVERAGE = 0.75
#: Later quotes must score at least this share of the first one's.
MIN_RELATIVE_SCORE = 0.55
#: The same, for the learned ranker's probabilities (chosen on the chat set).
MIN_RELATIVE_PROBABILITY = 0.05

_WHAT_IS_RE = re.compile(r"\W*(?:what|which)(?:'s|’s|s| is| are| was| were)\b", re.IGNORECASE)


def answers(query: Query, candidates: list[Candidate]) -> bool:
    """Whether the best paragraphs hold enough of the question to answer it."""
    if max(c.coverage for c in candidates) < MIN_COVERAGE:
        return False
    # Most of what is asked about is in no article, in any wording ("football season").
    unknown = sum(c.idf for c in query.concepts if not c.terms)
    if unknown > MAX_UNKNOWN_SHARE * query.weight:
        return False
    # "What is the population of ...": the thing asked about is in no article.
    if _WHAT_IS_RE.match(query.text) and not query.concepts[0].known:
        return False
    if query.kind is Kind.NUMBER:
        # A figure answers "how many X" only beside (nearly) all of the question's words.
        return all(c.known for c in query.concepts) and any(
            c.kind_match and c.coverage >= MIN_NUMBER_COVERAGE for c in candidates
        )
    return True


def kept(candidates: list[Candidate], learned: bool) -> list[Candidate]:
    """The candidates close enough to the best one to be shown after it (best first).

    ``learned``: whether the learned ranker's probabilities rank them (else the engine's score).
    """
    best = candidates[0].rank
    keep = MIN_RELATIVE_PROBABILITY if learned else MIN_RELATIVE_SCORE
    return [c for c in candidates if c.rank >= keep * best]
