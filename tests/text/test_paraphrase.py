"""Everyday phrases found in questions, whatever their inflection."""

from __future__ import annotations

from simbot.text import wordlists
from simbot.text.lexicon import Paraphrase, Table, base_forms, find, paraphrases, spell_out_chat

TABLE: Table = {
    "cop": [(("cop",), (("police",),))],
    "turn": [
        (("turn", "away"), (("denied",), ("prevented", "from", "accessing"))),
        (("turn",), (("change",),)),
    ],
    "get": [(("get", "in", "trouble"), (("misconduct",),))],
}


def test_base_forms_undo_common_endings() -> None:
    lemmas = wordlists.pairs("lemmas")
    assert "pilot" in base_forms("piloted", lemmas)
    assert "trial" in base_forms("trialled", lemmas)
    assert "study" in base_forms("studies", lemmas)
    assert "say" in base_forms("said", lemmas)
    assert base_forms("on", lemmas) == ["on"]


def test_an_inflected_word_is_found_in_its_listed_form() -> None:
    found = find(["were", "the", "cops", "there"], {}, TABLE)
    assert found == [Paraphrase(2, 3, (("police",),))]


def test_the_longest_phrase_wins_and_phrases_never_overlap() -> None:
    words = ["can", "they", "turning", "away", "people", "and", "turn"]
    found = find(words, {}, TABLE)
    assert found == [
        Paraphrase(2, 4, (("denied",), ("prevented", "from", "accessing"))),
        Paraphrase(6, 7, (("change",),)),
    ]


def test_a_phrase_must_stand_whole_and_in_order() -> None:
    assert find(["get", "into", "trouble"], {}, TABLE) == []
    assert find(["trouble", "in", "get"], {}, TABLE) == []
    assert find(["did", "they", "get", "in", "trouble"], {}, TABLE) == [
        Paraphrase(2, 5, (("misconduct",),))
    ]


def test_the_shipped_list_is_well_formed() -> None:
    table = paraphrases()
    assert len(table) > 100
    seen: set[tuple[str, ...]] = set()
    for first, entries in table.items():
        for phrase, ways in entries:
            assert phrase[0] == first and 1 <= len(phrase) <= 4
            assert phrase not in seen, phrase
            seen.add(phrase)
            assert ways and all(way and phrase != way for way in ways), phrase
            assert all(w == w.lower() for w in phrase + tuple(w for way in ways for w in way))


def test_chat_spellings_are_written_out_as_whole_words_only() -> None:
    assert spell_out_chat("Y r ppl scared?") == "why are people scared?"
    # Inside a word, or joined by an apostrophe or a hyphen, a chat spelling is left alone.
    assert spell_out_chat("urge a u-turn; it's ur car") == "urge a u-turn; it's your car"
    assert spell_out_chat("rr r's") == "rr r's"


def test_letters_a_case_blind_match_equates_with_ascii_never_break_spelling_out() -> None:
    # re.IGNORECASE matches "ſ" as "s", the Kelvin sign as "k", "ı" and "İ" as "i", which
    # str.lower() does not map to them: looking such a match up in the list raised KeyError.
    for word in wordlists.pairs("chat_words"):
        for ascii_letter, lookalike in (("s", "ſ"), ("k", "\u212a"), ("i", "ı"), ("i", "İ")):
            variant = word.replace(ascii_letter, lookalike)
            assert isinstance(spell_out_chat(f"why {variant} here"), str)
    assert spell_out_chat("pplſ who is the director").endswith("who is the director")
