"""Answers laid out for a phone: the answering sentence first in sight, the rest folded away.

A quote is shown as the paragraph that holds the sentence answering the question, that sentence
in bold (not every matched word); the quote's other paragraphs stay as verbatim context in
expandable blockquotes, which Telegram shows folded to a few lines. Quotes after the first are
folded whole. No paragraph is shown twice in one answer: a quote overlapping an earlier one
keeps only its paragraphs not yet shown. Every character shown is still a slice of the article.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from simbot.answer.answerer import Citation, Quote
from simbot.answer.render import citation_html
from simbot.bot.followups import sentences
from simbot.index.provenance import Sources

#: Context longer than this is folded into an expandable blockquote; shorter stays open.
FOLD_OVER = 200


def paragraph_spans(quote: Quote) -> list[tuple[int, int]]:
    """Where each of ``quote``'s paragraphs (non-empty lines) stands in its text, in order."""
    spans: list[tuple[int, int]] = []
    at = 0
    for line in quote.text.split("\n"):
        if line.strip():
            spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


def trimmed(quote: Quote, first: int, last: int) -> Quote:
    """Paragraphs ``first`` to ``last`` (numbers) of ``quote``: a shorter quote, still verbatim."""
    spans = paragraph_spans(quote)
    start = spans[first - quote.paragraph][0]
    end = spans[last - quote.paragraph][1]
    shift = first - quote.paragraph
    return Quote(
        text=quote.text[start:end],
        source=quote.source,
        paragraph=first,
        last_paragraph=last,
        start=quote.start + start,
        end=quote.start + end,
        score=quote.score,
        also_in=tuple(Citation(c.source, c.paragraph + shift) for c in quote.also_in),
        highlights=tuple(
            (s - start, e - start) for s, e in quote.highlights if start <= s and e <= end
        ),
    )


def without_repeats(quotes: Sequence[Quote], before: Sequence[Quote] = ()) -> list[Quote]:
    """``quotes`` with no paragraph shown twice: each keeps its longest run not shown earlier.

    ``before`` are quotes already shown (an earlier message of the same answer).
    """
    seen = {(q.source, n) for q in before for n in range(q.paragraph, q.last_paragraph + 1)}
    kept: list[Quote] = []
    for quote in quotes:
        if len(paragraph_spans(quote)) != quote.last_paragraph - quote.paragraph + 1:
            kept.append(quote)  # not one paragraph a line: shown as the engine made it
            continue
        runs: list[list[int]] = []
        for number in range(quote.paragraph, quote.last_paragraph + 1):
            if (quote.source, number) in seen:
                runs.append([])
            elif runs and runs[-1]:
                runs[-1].append(number)
            else:
                runs.append([number])
        best = max(runs, key=len, default=[])
        if not best:
            continue  # every paragraph of it is already on screen
        if len(best) < quote.last_paragraph - quote.paragraph + 1:
            quote = trimmed(quote, best[0], best[-1])
        seen.update((quote.source, n) for n in range(quote.paragraph, quote.last_paragraph + 1))
        kept.append(quote)
    return kept


def answering_sentence(quote: Quote) -> tuple[int, int] | None:
    """The sentence of ``quote`` holding most of the question's words (the first of equals)."""
    best: tuple[int, int] | None = None
    best_count = 0
    for start, end in sentences(quote.text):
        words = {quote.text[s:e].lower() for s, e in quote.highlights if start <= s and e <= end}
        if len(words) > best_count:
            best, best_count = (start, end), len(words)
    return best


def quote_layout_html(quote: Quote, *, lead: bool, sources: Sources | None = None) -> str:
    """One quote as Telegram HTML: the answering paragraph open (the lead's), context folded."""
    text = quote.text
    sentence = answering_sentence(quote)
    spans = paragraph_spans(quote) or [(0, len(text))]
    if not lead:
        bold = _part(sentence, text)
        # A sentence that is a whole paragraph: bold over it stresses nothing.
        if bold is not None:
            said = text[bold[0] : bold[1]].strip()
            bold = None if any(text[a:b].strip() == said for a, b in spans) else bold
        folded = _blockquote(text, bold, fold=True)
        return f"{folded}\n{citation_html(quote, sources)}"
    at = sentence[0] if sentence else 0
    held = next((i for i, (s, e) in enumerate(spans) if s <= at < e + 1), 0)
    start, end = spans[held]
    blocks: list[str] = []
    if held > 0:
        before = text[: spans[held - 1][1]]
        blocks.append(_blockquote(before, None, fold=len(before) > FOLD_OVER))
    local = (sentence[0] - start, sentence[1] - start) if sentence else None
    blocks.append(_blockquote(text[start:end], _part(local, text[start:end]), fold=False))
    if held + 1 < len(spans):
        after = text[spans[held + 1][0] :]
        blocks.append(_blockquote(after, None, fold=len(after) > FOLD_OVER))
    return "\n".join(blocks) + "\n" + citation_html(quote, sources)


def _part(span: tuple[int, int] | None, text: str) -> tuple[int, int] | None:
    """``span`` if it is only part of ``text``: bold over a whole paragraph stresses nothing."""
    if span is None or (text[: span[0]].strip() == "" and text[span[1] :].strip() == ""):
        return None
    return span


def _blockquote(text: str, bold: tuple[int, int] | None, *, fold: bool) -> str:
    """``text`` escaped in a blockquote (expandable when ``fold``), ``bold`` emphasised."""
    if bold is None:
        body = html.escape(text)
    else:
        start, end = bold
        body = (
            f"{html.escape(text[:start])}<b>{html.escape(text[start:end])}</b>"
            f"{html.escape(text[end:])}"
        )
    tag = "blockquote expandable" if fold else "blockquote"
    return f"<{tag}>{body}</blockquote>"
