"""Provenance: ``seeds/sources.toml`` read and checked, recorded by the index, cited."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fakebot import parse_html
from simbot.answer.answerer import Answer
from simbot.answer.quotes import Citation, Quote
from simbot.answer.render import citation_html, provenance_label, quote_citations, to_json, to_text
from simbot.bot.inline import inline_results
from simbot.bot.replies import answer_html, passage_html, sources_html
from simbot.errors import CorpusError
from simbot.index.build import build_and_save
from simbot.index.corpus import load_corpus
from simbot.index.provenance import SOURCES_FILE, Provenance, ProvenanceError, read_sources
from simbot.index.reader import Index
from support import SEEDS, shipped_answerer

LIMIT = 4096
FIRST = "000_711bb49f25a3744d.txt"
DNS = "Disability News Service"


def seeds_copy(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return seeds


def write(seeds: Path, text: str) -> Path:
    path = seeds / SOURCES_FILE
    path.write_text(text, "utf-8")
    return path


def quote(source: str = FIRST, paragraph: int = 3, also_in: tuple[Citation, ...] = ()) -> Quote:
    return Quote("Some <words> & more", source, paragraph, paragraph, 0, 19, 1.0, also_in)


# -- the shipped file ---------------------------------------------------------------------------


def test_the_shipped_metadata_says_only_what_the_articles_say() -> None:
    corpus = load_corpus(SEEDS)
    assert set(corpus.sources) == {d.name for d in corpus.documents}
    by_name = {d.name: d for d in corpus.documents}
    for name, known in corpus.sources.items():
        text = by_name[name].text
        assert known.publisher and known.publisher in text  # each names its publisher
        # A headline taken from the first paragraph: its opening words, marked where cut.
        assert by_name[name].paragraphs[0].text.startswith(known.headline.removesuffix("…"))
        assert known.date == "" and known.url == ""  # not known: never invented
    assert sum(p.publisher == DNS for p in corpus.sources.values()) == 4


def test_the_metadata_file_is_not_an_article(tmp_path: Path) -> None:
    corpus = load_corpus(SEEDS)
    assert SOURCES_FILE not in {d.name for d in corpus.documents}
    assert SOURCES_FILE not in corpus.skipped


@pytest.mark.slow
def test_the_index_records_the_metadata_and_notices_an_edit(tmp_path: Path) -> None:
    seeds = seeds_copy(tmp_path)
    build_and_save(seeds, tmp_path / "index")
    index = Index.load(tmp_path / "index")
    assert index.provenance == load_corpus(seeds).sources
    assert index.stale_reasons(seeds) == []
    path = seeds / SOURCES_FILE
    path.write_text(path.read_text("utf-8").replace('date = ""', 'date = "2021-04-29"', 1))
    assert index.stale_reasons(seeds) == [f"{SOURCES_FILE} has changed"]
    build_and_save(seeds, tmp_path / "index")
    assert Index.load(tmp_path / "index").provenance[FIRST].date == "2021-04-29"
    path.unlink()
    assert Index.load(tmp_path / "index").stale_reasons(seeds) == [f"{SOURCES_FILE} has changed"]
    build_and_save(seeds, tmp_path / "index")
    assert Index.load(tmp_path / "index").provenance == {}


# -- checking the file --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ('["000_711bb49f25a3744d.txt"\nheadline = "x"\n', "not valid TOML"),
        ('["gone.txt"]\nheadline = "x"\n', '["gone.txt"]: no article gone.txt'),
        (f'["{FIRST}"]\ntitle = "x"\n', f"[\"{FIRST}\"]: unknown key 'title'"),
        (f'["{FIRST}"]\ndate = 2021-04-29\n', f'["{FIRST}"].date: must be a string'),
        (f'["{FIRST}"]\ndate = "29/04/2021"\n', f"[\"{FIRST}\"].date: '29/04/2021' is not a date"),
        (f'["{FIRST}"]\ndate = "2021-02-30"\n', "is not a date"),
        (f'["{FIRST}"]\nurl = "www.example.org"\n', f"[\"{FIRST}\"].url: 'www.example.org'"),
        (f'["{FIRST}"]\nurl = "javascript:alert(1)"\n', "is not an http(s) address"),
        (f'["{FIRST}"]\nheadline = "{"x" * 400}"\n', "longer than 300 characters"),
        ('headline = "x"\n', '"headline" is not a table'),
    ],
)
def test_a_bad_metadata_file_is_one_clear_error_naming_file_and_key(
    tmp_path: Path, toml: str, said: str
) -> None:
    seeds = seeds_copy(tmp_path)
    path = write(seeds, toml)
    with pytest.raises(ProvenanceError) as caught:
        load_corpus(seeds)
    message = str(caught.value)
    assert message.startswith(str(path)) and said in message
    assert "\n" not in message
    assert isinstance(caught.value, CorpusError)  # the command line prints it in one line


def test_keys_may_be_left_out_and_dates_be_partial(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'["{FIRST}"]\npublisher = "  DNS  "\ndate = "2021-04"\n'
        '["b.txt"]\n["c.txt"]\ndate = "2021"',
    )
    found = read_sources(path, {FIRST, "b.txt", "c.txt"})
    assert found[FIRST] == Provenance(publisher="DNS", date="2021-04")
    assert found[FIRST].byline == "DNS, April 2021"
    assert found["b.txt"].empty
    assert found["c.txt"].date_text == "2021"
    assert Provenance(date="2021-04-29").date_text == "29 April 2021"
    assert read_sources(tmp_path / "none.toml", {FIRST}) == {}


# -- citations ----------------------------------------------------------------------------------

KNOWN = {
    FIRST: Provenance(
        "Blocked <reviews> & more", DNS, "2021-04-29", "https://example.org/a?b=1&c=2"
    ),
    "b.txt": Provenance(publisher="Centre for Mental Health"),
}


def test_a_citation_shows_what_is_known_beside_the_file_and_paragraph() -> None:
    label = provenance_label(Citation(FIRST, 3), 4, KNOWN)
    assert label == f"{DNS}, 29 April 2021 — Blocked <reviews> & more, ¶3–4 · {FIRST}, ¶3–4"
    assert provenance_label(Citation("b.txt", 1), None, KNOWN) == (
        "Centre for Mental Health, ¶1 · b.txt, ¶1"
    )
    # Nothing known: the file and paragraph, as before.
    assert provenance_label(Citation("c.txt", 2), None, KNOWN) == "c.txt, ¶2"
    assert provenance_label(Citation(FIRST, 2)) == f"{FIRST}, ¶2"


def test_the_html_citation_links_the_headline_and_is_valid_telegram_html() -> None:
    cited = quote(also_in=(Citation("b.txt", 7), Citation("c.txt", 1)))
    text, entities = parse_html(citation_html(cited, KNOWN))
    assert text == (
        f"— {DNS}, 29 April 2021 — Blocked <reviews> & more, ¶3 · {FIRST}, ¶3; "
        "Centre for Mental Health, ¶7 · b.txt, ¶7; c.txt, ¶1"
    )
    [link] = [e for e in entities if e["type"] == "text_link"]
    assert link["url"] == "https://example.org/a?b=1&c=2"
    assert text[link["offset"] : link["offset"] + link["length"]] == "Blocked <reviews> & more"


def test_answers_with_and_without_metadata_are_valid_and_within_limits() -> None:
    long = Quote("word " * 1200, FIRST, 3, 5, 0, 6000, 1.0)
    for sources in (KNOWN, None):
        for quotes in ((quote(),), (long, quote("b.txt"))):
            messages = answer_html("q?", quotes, [FIRST, "b.txt"], "simbot_bot", sources)
            for message in messages:
                parse_html(message)  # raises as Telegram would refuse
                assert len(message.encode("utf-16-le")) // 2 <= LIMIT
            assert f"{FIRST}, ¶3" in "".join(parse_html(m)[0] for m in messages)
        [result] = inline_results((long,), [FIRST], "simbot_bot", sources)
        assert f"{FIRST}, ¶3–5" in (result.description or "")
        for message in passage_html(long, "Opening words", [FIRST], "simbot_bot", sources):
            parse_html(message)
            assert len(message.encode("utf-16-le")) // 2 <= LIMIT
    [header, *_] = passage_html(quote(), "Opening words", [FIRST], "simbot_bot", KNOWN)
    assert parse_html(header)[0].startswith(f"📄 From {DNS}, 29 April 2021: “Blocked <reviews>")


def test_terminal_text_and_json_carry_the_metadata() -> None:
    answer = Answer("q", (quote(),))
    text = to_text(answer, sources=KNOWN)
    assert f"— {DNS}, 29 April 2021 — Blocked <reviews> & more, ¶3 · {FIRST}, ¶3" in text
    assert "https://example.org/a?b=1&c=2" in text
    [passage] = to_json(answer, KNOWN)["passages"]
    # The contract's fields keep their meaning; the rest are extra.
    assert (passage["source"], passage["paragraph"]) == (FIRST, 3)
    assert passage["publisher"] == DNS and passage["date"] == "2021-04-29"
    assert passage["title"] == "Blocked <reviews> & more"
    assert passage["citation"] == quote_citations(quote(), KNOWN)
    [unknown] = to_json(Answer("q", (quote("c.txt"),)), KNOWN)["passages"]
    assert unknown["publisher"] is None and unknown["url"] is None
    assert "publisher" not in to_json(answer)["passages"][0]
    json.dumps(to_json(answer, KNOWN))


def test_sources_lists_publisher_and_headline_of_every_article() -> None:
    messages = sources_html(shipped_answerer())
    text = "\n".join(parse_html(m)[0] for m in messages)
    for name, known in shipped_answerer().index.provenance.items():
        assert name in text
        assert f"{known.publisher} — “{known.headline}”" in text
