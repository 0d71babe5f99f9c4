"""An ``Answer`` for people and programs: Telegram HTML, terminal text and JSON.

Rendering never changes a quote's words: highlighting wraps them in markup (``<b>`` or a
terminal's bold), and every other character is escaped, not altered.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from simbot.answer.answerer import Answer
from simbot.answer.quotes import Citation, Quote
from simbot.index.provenance import Provenance, Sources
from simbot.messages import DEFAULT_ADVICE_MESSAGE, NOT_FROM_THE_ARTICLES

#: Telegram's limit on one message (``telegram.constants.MessageLimit.MAX_TEXT_LENGTH``); kept
#: here as a plain number so that rendering does not import the Telegram stack.
TELEGRAM_MAX_TEXT = 4096

NO_ANSWER = (
    "I couldn't find that in my sources. I only answer with passages from a few news articles "
    "about the Serenity Integrated Mentoring (SIM) scheme and the StopSIM campaign."
)
EMPTY_QUESTION = "Ask me a question about the SIM scheme or the StopSIM campaign."

_BOLD, _PLAIN = "\033[1m", "\033[0m"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _no_answer(answer: Answer, advice: str) -> str:
    """What to say instead of quotes: a nudge when there was no question, the maintainers'
    signpost when it asked for advice, else an honest no."""
    if answer.reason in {"empty", "no-words"}:
        return EMPTY_QUESTION
    if answer.reason == "advice":
        return f"{NOT_FROM_THE_ARTICLES} {advice}"
    return NO_ANSWER


def citation_label(citation: Citation, last_paragraph: int | None = None) -> str:
    """``file, ¶N`` (or ``¶N–M`` for a run of paragraphs)."""
    return f"{citation.source}, ¶{_span(citation, last_paragraph)}"


def _span(citation: Citation, last_paragraph: int | None) -> str:
    span = f"{citation.paragraph}"
    if last_paragraph is not None and last_paragraph != citation.paragraph:
        span += f"–{last_paragraph}"
    return span


def provenance_label(
    citation: Citation, last_paragraph: int | None = None, sources: Sources | None = None
) -> str:
    """``Publisher, date — headline, ¶N · file, ¶N``: what is known, then the file.

    Only what ``sources`` knows is shown; with nothing known, the file and paragraph alone. The
    file name is always there, so every quote can be checked against its file.
    """
    known = (sources or {}).get(citation.source)
    label = citation_label(citation, last_paragraph)
    if known is None or not (known.byline or known.headline):
        return label
    said = " — ".join(part for part in (known.byline, known.headline) if part)
    return f"{said}, ¶{_span(citation, last_paragraph)} · {label}"


def quote_citations(quote: Quote, sources: Sources | None = None) -> str:
    """Every place a quote's words stand, the quoted file first, with what is known of each."""
    extra = quote.last_paragraph - quote.paragraph  # the same run of paragraphs elsewhere
    labels = [provenance_label(c, c.paragraph + extra, sources) for c in quote.citations]
    return "; ".join(labels)


def citation_urls(quote: Quote, sources: Sources | None = None) -> list[str]:
    """The addresses of the articles a quote cites, where known, each once."""
    urls = [(sources or {}).get(c.source, Provenance()).url for c in quote.citations]
    return list(dict.fromkeys(url for url in urls if url))


def marked(text: str, spans: Sequence[tuple[int, int]], wrap: Callable[[str], str],
           plain: Callable[[str], str]) -> str:  # fmt: skip
    """``text`` with each span passed through ``wrap`` and the rest through ``plain``."""
    out: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:
            continue
        out.append(plain(text[at:start]))
        out.append(wrap(text[start:end]))
        at = end
    out.append(plain(text[at:]))
    return "".join(out)


# -- JSON ---------------------------------------------------------------------------------------


def to_json(answer: Answer, sources: Sources | None = None) -> dict[str, Any]:
    """The answer as the JSON contract describes it (plus helpful extra fields).

    With ``sources``, each passage also says what is known of its article (``title``,
    ``publisher``, ``date``, ``url``: ``null`` when not known) and its ``citation`` as shown.
    """
    result: dict[str, Any] = {
        "question": answer.question,
        "answered": answer.answered,
        "passages": [
            {
                "text": quote.text,
                "source": quote.source,
                "paragraph": quote.paragraph,
                "score": quote.score,
                "last_paragraph": quote.last_paragraph,
                "start": quote.start,
                "end": quote.end,
                "also_in": [{"source": c.source, "paragraph": c.paragraph} for c in quote.also_in],
            }
            for quote in answer.quotes
        ],
    }
    if sources is not None:
        for quote, passage in zip(answer.quotes, result["passages"], strict=True):
            known = sources.get(quote.source, Provenance())
            passage["title"] = known.headline or None
            passage["publisher"] = known.publisher or None
            passage["date"] = known.date or None
            passage["url"] = known.url or None
            passage["citation"] = quote_citations(quote, sources)
    if not answer.answered:
        result["reason"] = answer.reason
    return result


# -- terminal -----------------------------------------------------------------------------------


def to_text(
    answer: Answer,
    color: bool = False,
    advice: str = DEFAULT_ADVICE_MESSAGE,
    sources: Sources | None = None,
) -> str:
    """The answer for a terminal: numbered quotes, each with its citation (and address)."""
    if not answer.answered:
        return _no_answer(answer, advice)
    blocks: list[str] = []
    for number, quote in enumerate(answer.quotes, 1):
        body = (
            marked(quote.text, quote.highlights, lambda s: f"{_BOLD}{s}{_PLAIN}", str)
            if color
            else quote.text
        )
        lines = body.splitlines() or [""]
        indented = "\n".join(f"   {line}" for line in lines)
        citation = f"{indented.lstrip()}\n   — {quote_citations(quote, sources)}"
        citation += "".join(f"\n     {url}" for url in citation_urls(quote, sources))
        blocks.append(f"{number}. {citation}")
    return "\n\n".join(blocks)


# -- Telegram -----------------------------------------------------------------------------------


def citation_html(quote: Quote, sources: Sources | None = None) -> str:
    """The citation line under a quote, as Telegram HTML: each headline links to its article."""
    extra = quote.last_paragraph - quote.paragraph
    return (
        "<i>— "
        + "; ".join(_citation_html(c, c.paragraph + extra, sources) for c in quote.citations)
        + "</i>"
    )


def _citation_html(citation: Citation, last: int, sources: Sources | None) -> str:
    known = (sources or {}).get(citation.source)
    label = html.escape(citation_label(citation, last))
    if known is None or not (known.byline or known.headline):
        return label
    headline = html.escape(known.headline)
    if headline and known.url:
        headline = f'<a href="{html.escape(known.url)}">{headline}</a>'
    said = " — ".join(part for part in (html.escape(known.byline), headline) if part)
    return f"{said}, ¶{_span(citation, last)} · {label}"


def quote_html(
    quote: Quote, limit: int = TELEGRAM_MAX_TEXT, sources: Sources | None = None
) -> list[str]:
    """One quote as Telegram HTML blocks, cut at white space if it would not fit one message."""
    citation = citation_html(quote, sources)
    pieces: list[str] = []
    for start, end in _chunks(quote.text, quote.highlights, limit - len(citation) - 32):
        spans = [
            (max(s, start) - start, min(e, end) - start)
            for s, e in quote.highlights
            if s < end and e > start
        ]
        body = marked(
            quote.text[start:end], spans, lambda s: f"<b>{html.escape(s)}</b>", html.escape
        )
        pieces.append(f"<blockquote>{body}</blockquote>")
    pieces[-1] += "\n" + citation
    return pieces


def _chunks(text: str, highlights: Sequence[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    """Spans of ``text`` whose HTML fits ``budget`` characters, cut at white space."""
    budget = max(budget, 100) - 16  # a highlight cut in two costs one more pair of tags
    opens = {s for s, _ in highlights}
    closes = {e - 1 for _, e in highlights}
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end, size, last_space = start, 0, -1
        while end < len(text):
            cost = (
                telegram_length(html.escape(text[end])) + 3 * (end in opens) + 4 * (end in closes)
            )
            if size + cost > budget:
                break
            size += cost
            if text[end].isspace():
                last_space = end
            end += 1
        if end < len(text) and last_space > start:
            end = last_space + 1
        end = max(end, start + 1)
        spans.append((start, end))
        start = end
    return spans


def to_telegram_html(
    answer: Answer,
    limit: int = TELEGRAM_MAX_TEXT,
    advice: str = DEFAULT_ADVICE_MESSAGE,
    sources: Sources | None = None,
) -> list[str]:
    """The answer as Telegram HTML messages, each within ``limit``, split between quotes."""
    if not answer.answered:
        return [html.escape(_no_answer(answer, advice))]
    blocks = [block for quote in answer.quotes for block in quote_html(quote, limit, sources)]
    return pack_html(blocks, limit)


def single_quote_html(
    quote: Quote, limit: int = TELEGRAM_MAX_TEXT, sources: Sources | None = None
) -> str:
    """One quote as one Telegram HTML message: its opening words if it would not fit whole.

    What is shown is still verbatim, and the citation is always there.
    """
    pieces = quote_html(quote, limit, sources)
    if len(pieces) == 1:
        return pieces[0]
    return f"{pieces[0]}\n{citation_html(quote, sources)}"


def pack_html(blocks: Sequence[str], limit: int = TELEGRAM_MAX_TEXT, header: str = "") -> list[str]:
    """``blocks`` joined into as few messages as fit ``limit``, never splitting a block.

    Each message starts with ``header`` (when given), so that every part of a long answer says
    what it answers. A block that does not fit with the header is sent without it.
    """

    def opening(block: str) -> str:
        with_header = f"{header}\n\n{block}" if header else block
        return with_header if telegram_length(with_header) <= limit else block

    messages: list[str] = []
    current = ""
    for block in blocks:
        joined = f"{current}\n\n{block}" if current else opening(block)
        if not current or telegram_length(joined) <= limit:
            current = joined
            continue
        messages.append(current)
        current = opening(block)
    if current:
        messages.append(current)
    return messages
