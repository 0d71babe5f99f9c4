"""The shipped-list reader: one line format, and a mistake in a list is an error, not a guess."""

from __future__ import annotations

import re

import pytest

from simbot.text.wordlists import parse_entries, parse_sections, parse_table, single_values


def test_comments_blank_lines_and_outer_spaces_are_not_entries() -> None:
    text = "# a header\n\n  word one \n   # an indented comment\nword#two\n\t\n"
    assert parse_entries(text) == ["word one", "word#two"]


def test_a_table_entry_is_a_key_a_tab_and_values_separated_by_bars() -> None:
    rows = parse_table(["gp\tgeneral practitioner | family doctor", "a and e\taccident"], "t")
    assert rows == {"gp": ("general practitioner", "family doctor"), "a and e": ("accident",)}
    assert single_values({"a and e": ("accident",)}, "t") == {"a and e": "accident"}


@pytest.mark.parametrize(
    "line", ["gp general practitioner", "\tgeneral practitioner", "gp\t", "gp\tone||two"]
)
def test_a_table_line_without_a_key_or_a_value_is_an_error_naming_it(line: str) -> None:
    with pytest.raises(ValueError, match=re.escape("data/t.txt: not 'key<TAB>value")):
        parse_table([line], "data/t.txt")


def test_a_key_listed_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="'gp' is listed twice"):
        parse_table(["gp\tgeneral practitioner", "gp\tfamily doctor"], "t")


def test_a_list_of_single_values_refuses_alternatives() -> None:
    with pytest.raises(ValueError, match="'gp' has 2 values"):
        single_values({"gp": ("general practitioner", "family doctor")}, "t")


def test_sections_hold_the_entries_up_to_the_next_header() -> None:
    sections = parse_sections(["[one words]", "a", "b", "[two]", "[three x y]", "c"], "s")
    assert [(s.name, s.flags, s.entries) for s in sections] == [
        ("one", frozenset({"words"}), ("a", "b")),
        ("two", frozenset(), ()),
        ("three", frozenset({"x", "y"}), ("c",)),
    ]
    with pytest.raises(ValueError, match=re.escape("s: a line before any [section]: 'a'")):
        parse_sections(["a", "[one]"], "s")
