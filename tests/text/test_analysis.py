"""The analyzer: folding, tokens with offsets, stems, stopwords and acronyms learnt from text."""

from __future__ import annotations

from simbot.index.corpus import load_corpus
from simbot.text.analyzer import Analyzer, fold, learn_aliases, tokenize
from support import SEEDS


def test_fold_straightens_quotes_and_dashes_and_case() -> None:
    assert fold("HIN’s “Director” – ok") == 'hin\'s "director" - ok'


def test_tokens_keep_offsets_into_the_original_text() -> None:
    text = "Paul Jennings, HIN’s director: “63,000” ex-cops"
    tokens = tokenize(text)
    assert [t.folded for t in tokens] == [
        "paul",
        "jennings",
        "hin",
        "director",
        "63000",
        "ex",
        "cops",
    ]
    for token in tokens:
        assert text[token.start : token.end] == token.surface


def test_terms_drop_stopwords_and_stem() -> None:
    analyzer = Analyzer()
    assert analyzer.terms("The coalition said they were campaigning") == [
        "coalit",
        "say",
        "campaign",
    ]
    assert analyzer.term("the") is None
    assert analyzer.term("said") == analyzer.term("says") == "say"


def test_non_latin_and_symbols_do_not_break_the_analyzer() -> None:
    analyzer = Analyzer()
    assert analyzer.terms("😀🎉 <b>&amp;</b> **") == ["amp"]
    assert analyzer.terms("Что такое SIM?")[-1] == "sim"
    assert analyzer.terms("") == []


def test_acronyms_are_learnt_from_the_articles() -> None:
    analyzer = Analyzer()
    texts = [p.text for p in load_corpus(SEEDS).paragraphs()]
    aliases = learn_aliases(texts, analyzer)
    assert aliases["nsun"] == ["nation", "survivor", "user", "network"]
    assert aliases["nhse"] == ["nhs", "england"]
    assert aliases["hin"] == ["high", "intens", "network"]
    assert aliases["foi"] == ["freedom", "inform"]
    assert aliases["ahsn"] == ["academ", "health", "scienc", "network"]
    assert "pdf" not in aliases  # "an NHS England report (PDF)" spells nothing out


def test_acronym_learning_needs_the_letters_to_match() -> None:
    analyzer = Analyzer()
    aliases = learn_aliases(["We met on Thursday (THU) at the Big Old Tree (BOT)."], analyzer)
    assert list(aliases) == ["bot"]
