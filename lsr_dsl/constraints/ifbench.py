"""IFBench's 58 out-of-distribution instruction types (allenai/IFBench) as lsr constraints.

Each check gives the verdict of IFBench's own ``check_following`` (``ifbench/instructions.py``),
quirks included; ``details`` states the quirks that decide verdicts. Every constraint is
registered under a natural name, under ``ifbench/<id>`` (what the IFBench importer uses, so
that IFBench rows are always scored with IFBench's semantics) and, where IFEval does not own
it, under the plain id. ``docs/ifbench.md`` lists coverage and the differential tests.

Conventions shared by every check here:

- A blank (empty or whitespace-only) response fails: IFBench's harness never calls a check on
  one (``response.strip()`` is tested first).
- Parameters take IFBench's kwargs names as they are in ``IFBench_test.jsonl`` (``N``,
  ``small_n``, ``word`` …); lower-case ``n`` is accepted for ``N``. Where IFBench draws a random
  value for a missing argument, ours is required.
- "ASCII punctuation" is Python's ``string.punctuation``; IFBench strips or removes it, never
  other punctuation (curly quotes, dashes, ``…`` stay part of words).
- Sentences are NLTK's English Punkt sentences of the raw text (``nltk.sent_tokenize``) and
  tokens are NLTK's ``word_tokenize`` tokens (:mod:`lsr_dsl.text.sentences`,
  :mod:`lsr_dsl.text.tokens`).
"""
from __future__ import annotations

import csv
import io
import re
import string
import unicodedata
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Tuple

from pydantic import AliasChoices, Field, field_validator, model_validator

from lsr_dsl.constraints.params import NoParams
from lsr_dsl.constraints.registry import REGISTRY, Params, Relation, Verdict, blank_fails, constraint
from lsr_dsl.constraints.wording import plural, quote, where
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.emoji_chars import is_emoji_char
from lsr_dsl.text.plain import (
    ASCII_PUNCT,
    PUNCT_AND_SPACE,
    drop_ascii_punct,
    lower_without_ascii_punct,
    sentences_of,
    split_words,
    without_ascii_punct,
    word_tokens_of,
)
from lsr_dsl.text.stopwords import ENGLISH_STOPWORDS
from lsr_dsl.text.syllables import syllable_parity

__all__ = ["IFBENCH_IDS", "IFBENCH"]

IFBENCH = "ifbench"
#: IFBench id -> our constraint name (filled by the decorator below).
IFBENCH_IDS: Dict[str, str] = {}



def _ifbench(
    name: str,
    ifbench_id: str,
    params: type,
    summary: str,
    example: str,
    *,
    positional: Tuple[str, ...] = (),
    count_param: Optional[str] = None,
    details: str = "",
) -> Callable:
    """Register an IFBench check under its name, ``ifbench/<id>`` and the free plain id."""

    def deco(fn: Callable[[Any, Text], Verdict]) -> Callable[[Any, Text], Verdict]:
        check = blank_fails(fn)

        aliases = ["ifbench/" + ifbench_id]
        if ifbench_id not in REGISTRY:
            aliases.append(ifbench_id)
        IFBENCH_IDS[ifbench_id] = name
        constraint(
            name,
            params=params,
            aliases=aliases,
            positional=positional,
            count_param=count_param,
            family=IFBENCH,
            summary=summary,
            example=example,
            details=f"IFBench `{ifbench_id}`. " + details,
        )(check)
        return check

    return deco



def _strip_punct(w: str) -> str:
    return w.strip(PUNCT_AND_SPACE)


def _ascii_fold(s: str) -> str:
    """NFKD, then every non-ASCII character dropped ('São Tomé' -> 'Sao Tome')."""
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def _n_field(default: Any = ..., *, ge: Optional[float] = 0, gt: Optional[float] = None, what: str) -> Any:
    return Field(default, ge=ge, gt=gt, validation_alias=AliasChoices("N", "n"), description=what + " (IFBench's `N`; `n` also accepted).")


def _num(x: float) -> str:
    """A number as written: ``5`` for 5.0 (IFBench's test file writes its counts as floats)."""
    return f"{x:g}"


# =====================================================================================
# count:*
# =====================================================================================


class WordRangeParams(Params):
    min_words: float = Field(ge=0, description="Least number of words.")
    max_words: float = Field(ge=0, description="Most words.")

    @model_validator(mode="after")
    def _ordered(self) -> "WordRangeParams":
        if self.min_words > self.max_words:
            raise ValueError(f"min_words ({self.min_words}) is greater than max_words ({self.max_words})")
        return self


@_ifbench(
    "word_count_range",
    "count:word_count_range",
    WordRangeParams,
    "The response has between `min_words` and `max_words` words (inclusive).",
    "word_count_range(100, 120)",
    positional=("min_words", "max_words"),
    details="Words are `\\w+` runs (NLTK's `RegexpTokenizer(r'\\w+')`, IFEval's word count), so `don't` is "
    "two words and `3.5` is two. `min_words > max_words` is an error (IFBench: never passes).",
)
def word_count_range(p: WordRangeParams, t: Text) -> Verdict:
    n = t.word_count
    return Verdict.of(p.min_words <= n <= p.max_words, f"found {plural(n, 'word')}; need between {_num(p.min_words)} and {_num(p.max_words)}")


class UniqueWordsParams(Params):
    relation: Relation = Field(Relation.GE, description="How the number of distinct words compares with `N` (IFBench: `>=`).")
    n: float = _n_field(ge=0, what="The number of distinct words")


@_ifbench(
    "unique_words",
    "count:unique_word_count",
    UniqueWordsParams,
    "The number of distinct words (ignoring case) compared with `N` (IFBench: at least `N`).",
    "unique_words >= 50",
    positional=("n",),
    count_param="n",
    details="Words are the whitespace-separated pieces of the lower-cased response with ASCII punctuation "
    "stripped from their ends. Quirk: a piece made only of punctuation (`-`, `...`) becomes the empty word, "
    "which counts as one more distinct word.",
)
def unique_words(p: UniqueWordsParams, t: Text) -> Verdict:
    distinct = {_strip_punct(w) for w in t.lower.split()}
    n = len(distinct)
    return Verdict.of(p.relation.holds(n, p.n), f"found {plural(n, 'distinct word')}; need {p.relation.words} {_num(p.n)}")


class SmallNParams(Params):
    small_n: float = Field(ge=0, validation_alias=AliasChoices("small_n", "n"), description="The number (IFBench's `small_n`; `n` also accepted).")


_CONJUNCTIONS = frozenset(("and", "but", "for", "nor", "or", "so", "yet"))


@_ifbench(
    "conjunctions",
    "count:conjunctions",
    SmallNParams,
    "At least `small_n` different coordinating conjunctions (and, but, for, nor, or, so, yet).",
    "conjunctions(3)",
    positional=("small_n",),
    details="A whitespace-separated piece is a conjunction when, stripped of ASCII punctuation and lower-cased, "
    "it is one of the seven. Quirk: pieces are told apart as written, so `and`, `And` and `and,` are three "
    "different conjunctions.",
)
def conjunctions(p: SmallNParams, t: Text) -> Verdict:
    found = {w for w in split_words(t) if _strip_punct(w).lower() in _CONJUNCTIONS}
    ok = len(found) >= p.small_n
    shown = ", ".join(sorted(found)[:8])
    return Verdict.of(ok, f"found {plural(len(found), 'different conjunction')} ({shown or 'none'}); need at least {_num(p.small_n)}")


PERSON_NAMES = (
    "Emma", "Liam", "Sophia", "Jackson", "Olivia", "Noah", "Ava", "Lucas", "Isabella", "Mason", "Mia", "Ethan",
    "Charlotte", "Alexander", "Amelia", "Benjamin", "Harper", "Leo", "Zoe", "Daniel", "Chloe", "Samuel", "Lily",
    "Matthew", "Grace", "Owen", "Abigail", "Gabriel", "Ella", "Jacob", "Scarlett", "Nathan", "Victoria", "Elijah",
    "Layla", "Nicholas", "Audrey", "David", "Hannah", "Christopher", "Penelope", "Thomas", "Nora", "Andrew", "Aria",
    "Joseph", "Claire", "Ryan", "Stella", "Jonathan",
)  # fmt: skip
_NAME_RES = tuple((n, re.compile(r"\b" + n + r"\b")) for n in PERSON_NAMES)


class NParams(Params):
    n: float = _n_field(ge=0, what="The number")


@_ifbench(
    "person_names",
    "count:person_names",
    NParams,
    "At least `N` different names from IFBench's list of 50 first names (Emma, Liam, Sophia …).",
    "person_names(5)",
    positional=("n",),
    details="A name counts when it occurs as a whole word (`\\b`, Unicode word characters), with its exact "
    "capitalisation: `emma` and `EMMA` do not count; `Emma's` does.",
)
def person_names(p: NParams, t: Text) -> Verdict:
    found = [n for n, rx in _NAME_RES if rx.search(t.text)]
    return Verdict.of(len(found) >= p.n, f"found {plural(len(found), 'listed name')} ({', '.join(found[:8]) or 'none'}); need at least {_num(p.n)}")


@_ifbench(
    "numbers_count",
    "count:numbers",
    NParams,
    "Exactly `N` numbers.",
    "numbers_count(3)",
    positional=("n",),
    details="ASCII punctuation is removed first, then every run of digits (Unicode `\\d`) is a number: `3.14` "
    "and `1,000` are one number each, `3 14` two, `v2` one.",
)
def numbers_count(p: NParams, t: Text) -> Verdict:
    n = len(re.findall(r"\d+", without_ascii_punct(t)))
    return Verdict.of(n == p.n, f"found {plural(n, 'number')}; need exactly {_num(p.n)}")


_PUNCT_COVER = frozenset(".,!?;:")


@_ifbench(
    "all_punctuation",
    "count:punctuation",
    NoParams,
    "Uses each of . , ! ? ; : at least once, and an interrobang (`?!`, `!?` or `‽`).",
    "all_punctuation",
    details="The interrobang is `?!`, `!?` or `‽`. Quirk: the first `?!` (or, without one, the first `!?`) is "
    "taken out before the six marks are looked for, so it does not supply its own `?` and `!`; a `‽` is not "
    "taken out and the six marks must appear anyway.",
)
def all_punctuation(p: NoParams, t: Text) -> Verdict:
    s = t.text
    if "!?" not in s and "?!" not in s and "‽" not in s:
        return Verdict.fail("no interrobang (?!, !? or ‽)")
    rest = s.replace("?!", "", 1)
    if len(rest) == len(s):
        rest = s.replace("!?", "", 1)
    missing = sorted(_PUNCT_COVER - set(rest))
    if missing:
        return Verdict.fail("missing " + " ".join(missing) + " (besides the interrobang)")
    return Verdict.ok("every punctuation mark and an interrobang are used")


class JapaneseParams(Params):
    n: float = _n_field(ge=None, gt=0, what="The cycle length")


@_ifbench(
    "japanese_every_nth",
    "count:words_japanese",
    JapaneseParams,
    "Every `N`-th whitespace-separated word is Japanese.",
    "japanese_every_nth(3)",
    positional=("n",),
    details="Words are whitespace-separated pieces with ASCII punctuation stripped from their ends; the "
    "`N`-th, `2N`-th … word must contain a hiragana, katakana or CJK ideograph (U+3040-U+30FF, "
    "U+4E00-U+9FFF). Such a word may be skipped when it is empty or all digits (`str.isdigit`). Other words "
    "are not checked (they may be Japanese too).",
)
def japanese_every_nth(p: JapaneseParams, t: Text) -> Verdict:
    for i, raw in enumerate(split_words(t)):
        if (i + 1) % p.n:
            continue
        w = _strip_punct(raw)
        if w and not w.isdigit() and not _JAPANESE.search(w):
            return Verdict.fail(f"word {i + 1} {quote(w)} is not Japanese")
    return Verdict.ok(f"every {_num(p.n)}th word is Japanese")


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

_PRONOUNS = frozenset(
    """i me we us you he him she her it they them my mine our ours your yours his hers its their theirs
    myself ourselves yourself yourselves himself herself itself themselves this that these those who whom
    whose which what whoever whomever whatever whichever anybody anyone anything everybody everyone
    everything nobody nothing somebody someone something each either neither both all some any none""".split()
)


@_ifbench(
    "pronouns",
    "count:pronouns",
    NParams,
    "At least `N` pronouns (personal, possessive, reflexive, demonstrative, interrogative, indefinite).",
    "pronouns(10)",
    positional=("n",),
    details="Every `/` becomes a space, the text is lower-cased, then NLTK `word_tokenize` tokens are counted "
    "against IFBench's list of 63 pronouns (`i`, `me`, `this`, `each`, `all`, `some`, `none` …), every "
    "occurrence. Tokenising splits `it's` into `it` + `'s`, so the `it` counts.",
)
def pronouns(p: NParams, t: Text) -> Verdict:
    toks = t.memo("ifbench.pronoun_tokens", lambda x: word_tokens_of(x.text.replace("/", " ").lower()))
    n = sum(1 for w in toks if w in _PRONOUNS)
    return Verdict.of(n >= p.n, f"found {plural(n, 'pronoun')}; need at least {_num(p.n)}")


class FiveKeywordsParams(Params):
    keyword1: str = Field(description="Must occur exactly once.")
    keyword2: str = Field(description="Must occur exactly twice.")
    keyword3: str = Field(description="Must occur exactly 3 times.")
    keyword4: str = Field(description="Must occur exactly 5 times.")
    keyword5: str = Field(description="Must occur exactly 7 times.")

    @field_validator("keyword1", "keyword2", "keyword3", "keyword4", "keyword5")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()


@_ifbench(
    "keyword_counts",
    "count:keywords_multiple",
    FiveKeywordsParams,
    "keyword1 occurs once, keyword2 twice, keyword3 3 times, keyword4 5 times and keyword5 7 times.",
    'keyword_counts("sun", "moon", "star", "sky", "cloud")',
    positional=("keyword1", "keyword2", "keyword3", "keyword4", "keyword5"),
    details="Counts are substring counts in the lower-cased response (`str.count`, non-overlapping), not whole "
    "words: `sunny` contains `sun`. The keywords are stripped of surrounding whitespace first. An empty keyword "
    "counts one more than the response's length.",
)
def keyword_counts(p: FiveKeywordsParams, t: Text) -> Verdict:
    low = t.lower
    for kw, want in zip((p.keyword1, p.keyword2, p.keyword3, p.keyword4, p.keyword5), (1, 2, 3, 5, 7)):
        got = low.count(kw.lower())
        if got != want:
            return Verdict.fail(f"{quote(kw)} occurs {plural(got, 'time')}; need exactly {want}")
    return Verdict.ok("every keyword occurs as often as required")


# =====================================================================================
# ratio:*
# =====================================================================================


class PercentageParams(Params):
    percentage: float = Field(description="A percentage.")


@_ifbench(
    "stop_words_percent",
    "ratio:stop_words",
    PercentageParams,
    "Stop words are at most `percentage`% of the words.",
    "stop_words_percent(40)",
    positional=("percentage",),
    details="Words are `\\w+` runs; a stop word is one whose lower-case form is in NLTK's English stop word list "
    "(`the`, `is`, `don` …; the list's `don't`-style entries never match a `\\w+` run). A response without "
    "any word fails.",
)
def stop_words_percent(p: PercentageParams, t: Text) -> Verdict:
    ws = t.words
    if not ws:
        return Verdict.fail("the response has no words")
    stop = sum(1 for w in ws if w.lower() in ENGLISH_STOPWORDS)
    share = stop / len(ws) * 100
    return Verdict.of(share <= p.percentage, f"{stop} of {plural(len(ws), 'word')} are stop words ({share:.1f}%); need at most {p.percentage:g}%")


def _endings(sents: List[str]) -> Tuple[int, int, int]:
    return (
        sum(1 for s in sents if s.endswith(".")),
        sum(1 for s in sents if s.endswith("?")),
        sum(1 for s in sents if s.endswith("!")),
    )


@_ifbench(
    "declarative_question_ratio",
    "ratio:sentence_type",
    NoParams,
    "Twice as many sentences end with `.` as with `?`.",
    "declarative_question_ratio",
    details="Sentences are NLTK Punkt sentences, classed by their last character only (`.` or `?`; a sentence "
    "ending in `.)` or `\"` is neither). Quirk: zero and zero is a 2:1 ratio, so a response with no sentence "
    "ending in `.` or `?` passes.",
)
def declarative_question_ratio(p: NoParams, t: Text) -> Verdict:
    dot, q, _ = _endings(t.sentences)
    return Verdict.of(dot == 2 * q, f"{plural(dot, 'sentence')} end with '.', {q} with '?'; need twice as many with '.'")


@_ifbench(
    "sentence_type_balance",
    "ratio:sentence_balance",
    NoParams,
    "As many sentences end with `.` as with `?` and as with `!`.",
    "sentence_type_balance",
    details="Sentences are NLTK Punkt sentences, classed by their last character only. Quirk: a response with no "
    "sentence ending in `.`, `?` or `!` passes (0 = 0 = 0).",
)
def sentence_type_balance(p: NoParams, t: Text) -> Verdict:
    dot, q, ex = _endings(t.sentences)
    return Verdict.of(dot == q == ex, f"sentences ending with '.', '?', '!': {dot}, {q}, {ex}; need equal counts")


class OverlapParams(Params):
    reference_text: str = Field(description="The text to overlap with.")
    percentage: float = Field(description="Target share (percent) of the response's character trigrams found in the reference.")


@_ifbench(
    "trigram_overlap",
    "ratio:overlap",
    OverlapParams,
    "The share of the response's character trigrams that occur in `reference_text` is `percentage` ± 2 points.",
    'trigram_overlap("The quick brown fox", 50)',
    positional=("reference_text", "percentage"),
    details="Trigrams are of characters, not words (IFBench applies `nltk.ngrams` to the strings), taken as "
    "sets: the share is |response ∩ reference| / |response| distinct trigrams, case and spaces included. A "
    "response shorter than 3 characters fails.",
)
def trigram_overlap(p: OverlapParams, t: Text) -> Verdict:
    def grams(s: str) -> set:
        return {s[i : i + 3] for i in range(len(s) - 2)}

    mine = grams(t.text)
    if not mine:
        return Verdict.fail("the response has no trigram")
    share = len(mine & grams(p.reference_text)) / len(mine) * 100
    ok = p.percentage - 2 <= share <= p.percentage + 2
    return Verdict.of(ok, f"{share:.1f}% of the response's trigrams are in the reference; need {p.percentage:g}% ± 2")


@_ifbench(
    "three_equal_length_sentences",
    "ratio:sentence_words",
    NoParams,
    "Exactly 3 sentences, all of the same number of characters.",
    "three_equal_length_sentences",
    details="Sentences are NLTK Punkt sentences; lengths are of each sentence with surrounding whitespace "
    "stripped, spaces and punctuation included. The words are not compared (the instruction's \"different "
    "words\" is not checked).",
)
def three_equal_length_sentences(p: NoParams, t: Text) -> Verdict:
    sents = t.sentences
    if len(sents) != 3:
        return Verdict.fail(f"found {plural(len(sents), 'sentence')}; need exactly 3")
    lens = [len(s.strip()) for s in sents]
    return Verdict.of(len(set(lens)) == 1, f"sentence lengths are {lens[0]}, {lens[1]}, {lens[2]} characters")


# =====================================================================================
# words:*
# =====================================================================================


@_ifbench(
    "alphabet_chain",
    "words:alphabet",
    NoParams,
    "Each word starts with the letter after the previous word's first letter (a, b, … z, a …).",
    "alphabet_chain",
    details="ASCII punctuation is removed, then the whitespace-separated words are checked. The first word "
    "may start with any ASCII letter (a digit or other character fails); each next word's first character, "
    "lower-cased, must be the next letter, wrapping from z to a.",
)
def alphabet_chain(p: NoParams, t: Text) -> Verdict:
    ws = _strip_punct(without_ascii_punct(t)).split()
    if not ws:
        return Verdict.fail("the response has no words")
    letter = ws[0][0].lower()
    if letter not in string.ascii_lowercase:
        return Verdict.fail(f"the first word {quote(ws[0])} does not start with a letter a-z")
    for i, w in enumerate(ws[1:], 2):
        w = _strip_punct(w).lower()
        if not w:
            continue
        letter = string.ascii_lowercase[(string.ascii_lowercase.index(letter) + 1) % 26]
        if w[0] != letter:
            return Verdict.fail(f"word {i} {quote(w)} should start with {letter!r}")
    return Verdict.ok("every word starts with the next letter")


@_ifbench(
    "three_vowel_kinds",
    "words:vowel",
    NoParams,
    "One paragraph (no line break) using at most three of the vowels a, e, i, o, u.",
    "three_vowel_kinds",
    details="The response, stripped, must have no `\\n`; vowels are the ASCII letters a e i o u in any case (`y` "
    "and accented vowels are not vowels here).",
)
def three_vowel_kinds(p: NoParams, t: Text) -> Verdict:
    if "\n" in t.stripped:
        return Verdict.fail("the response has more than one line")
    used = sorted(set(t.lower) & set("aeiou"))
    return Verdict.of(len(used) <= 3, f"uses the vowels {', '.join(used) or 'none'}; at most three allowed")


_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")


@_ifbench(
    "consonant_clusters",
    "words:consonants",
    NoParams,
    "Every word has two consonants in a row.",
    "consonant_clusters",
    details="Words are the whitespace-separated pieces of the lower-cased response, punctuation included; a "
    "piece passes when two adjacent characters are both ASCII consonants (`y` counts as one). So `a`, `I` and "
    "`1990` fail.",
)
def consonant_clusters(p: NoParams, t: Text) -> Verdict:
    for w in t.lower.split():
        if not any(a in _CONSONANTS and b in _CONSONANTS for a, b in zip(w, w[1:])):
            return Verdict.fail(f"{quote(w)} has no two consonants in a row")
    return Verdict.ok("every word has a consonant cluster")


@_ifbench(
    "palindrome_words",
    "words:palindrome",
    NoParams,
    "At least 10 palindromic words of 5 or more characters.",
    "palindrome_words",
    details="ASCII punctuation is removed, the text is lower-cased and split at whitespace; every word that "
    "reads the same backwards and has at least 5 characters counts, repeats included (`level level …`).",
)
def palindrome_words(p: NoParams, t: Text) -> Verdict:
    n = sum(1 for w in without_ascii_punct(t).lower().split() if len(w) >= 5 and w == w[::-1])
    return Verdict.of(n >= 10, f"found {plural(n, 'palindrome')} of 5+ characters; need at least 10")


_PRIMES = frozenset((2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97))


@_ifbench(
    "prime_length_words",
    "words:prime_lengths",
    NoParams,
    "Every word has a prime number of characters.",
    "prime_length_words",
    details="ASCII punctuation is removed, then each whitespace-separated word's length must be a prime up to 97 "
    "(a longer word always fails). Non-ASCII punctuation (`’`, `—`) counts as characters.",
)
def prime_length_words(p: NoParams, t: Text) -> Verdict:
    for w in without_ascii_punct(t).split():
        if len(w) not in _PRIMES:
            return Verdict.fail(f"{quote(w)} has {len(w)} characters, not a prime")
    return Verdict.ok("every word has a prime length")


@_ifbench(
    "starts_with_verb",
    "words:start_verb",
    NoParams,
    "The response starts with a verb.",
    "starts_with_verb",
    details="IFBench tags the first NLTK token with NLTK's averaged-perceptron tagger and passes when its tag "
    "starts with `VB`. That tagger's model cannot be installed here, so lsr decides from a fixed list instead: "
    "the first token (lower-cased) must be one of about 300 common English verbs (base forms and their -s, "
    "-ed, -ing forms). Deterministic, but not verified against IFBench: it can disagree on rare verbs or on "
    "words the tagger reads as verbs in context.",
)
def starts_with_verb(p: NoParams, t: Text) -> Verdict:
    toks = t.treebank_tokens
    if not toks:
        return Verdict.fail("the response has no tokens")
    first = toks[0]
    from lsr_dsl.text.verbs import is_common_verb

    return Verdict.of(is_common_verb(first.lower()), f"the first token is {quote(first)}")


@_ifbench(
    "max_word_repeats",
    "words:repeats",
    SmallNParams,
    "No word occurs more than `small_n` times.",
    "max_word_repeats(3)",
    positional=("small_n",),
    details="Words are the whitespace-separated pieces of the lower-cased response with ASCII punctuation "
    "removed; every word counts, `the` and `a` included.",
)
def max_word_repeats(p: SmallNParams, t: Text) -> Verdict:
    counts = Counter(lower_without_ascii_punct(t).split())
    worst = max(counts.items(), key=lambda kv: kv[1], default=None)
    if worst is not None and worst[1] > p.small_n:
        return Verdict.fail(f"{quote(worst[0])} occurs {worst[1]} times; at most {_num(p.small_n)} allowed")
    return Verdict.ok(f"no word occurs more than {_num(p.small_n)} times")


@_ifbench(
    "alternating_syllable_parity",
    "words:odd_even_syllables",
    NoParams,
    "Words alternate between an odd and an even number of syllables.",
    "alternating_syllable_parity",
    details="ASCII punctuation is removed, the text is lower-cased and split at whitespace; syllables are counted "
    "as the `syllapy` package counts them (its dictionary of ~6,400 words, else vowel groups; a word with a "
    "digit has 0, i.e. even, syllables).",
)
def alternating_syllable_parity(p: NoParams, t: Text) -> Verdict:
    ws = [w for w in lower_without_ascii_punct(t).split() if w.strip()]
    par = [syllable_parity(w) for w in ws]
    for i in range(len(par) - 1):
        if par[i] == par[i + 1]:
            kind = "odd" if par[i] else "even"
            return Verdict.fail(f"{quote(ws[i])} and {quote(ws[i + 1])} both have an {kind} number of syllables")
    return Verdict.ok("the words alternate odd and even syllable counts")


@_ifbench(
    "sentence_chain",
    "words:last_first",
    NoParams,
    "Each sentence starts with the word the previous sentence ended with.",
    "sentence_chain",
    details="Sentences are NLTK Punkt sentences; a sentence's last word is its last whitespace-separated piece "
    "after ASCII punctuation and spaces are stripped from its end (and the first word likewise from the start "
    "of the next), compared ignoring case. Punctuation inside a piece stays (`end,` vs `end`).",
)
def sentence_chain(p: NoParams, t: Text) -> Verdict:
    sents = t.sentences
    for i in range(len(sents) - 1):
        last = sents[i].rstrip(PUNCT_AND_SPACE).split()
        first = sents[i + 1].lstrip(PUNCT_AND_SPACE).split()
        if not last or not first:
            return Verdict.fail(f"sentence {i + 1 if not last else i + 2} has no word")
        if last[-1].lower() != first[0].lower():
            return Verdict.fail(f"sentence {i + 1} ends with {quote(last[-1])} but sentence {i + 2} starts with {quote(first[0])}")
    return Verdict.ok("each sentence starts with the previous sentence's last word")


@_ifbench(
    "lines_start_end_same_word",
    "words:paragraph_last_first",
    NoParams,
    "Each paragraph (line) ends with the word it starts with.",
    "lines_start_end_same_word",
    details="Paragraphs are the lines (`\\n`), blank ones skipped; each is lower-cased and stripped of whitespace, "
    "then of ASCII punctuation and spaces, and its first and last whitespace-separated pieces must be equal (a "
    "one-word line passes).",
)
def lines_start_end_same_word(p: NoParams, t: Text) -> Verdict:
    for k, line in enumerate(t.lines, 1):
        ws = _strip_punct(line.strip().lower()).split()
        if ws and ws[0] != ws[-1]:
            return Verdict.fail(f"line {k} starts with {quote(ws[0])} but ends with {quote(ws[-1])}")
    return Verdict.ok("every line ends with its first word")


@_ifbench(
    "no_consecutive_first_letter",
    "words:no_consecutive",
    NoParams,
    "No two adjacent words start with the same character.",
    "no_consecutive_first_letter",
    details="ASCII punctuation is removed from the lower-cased response and the whitespace-separated words are "
    "compared in order, across sentences and lines; first characters are compared whatever they are, so `1` "
    "and `10` clash too.",
)
def no_consecutive_first_letter(p: NoParams, t: Text) -> Verdict:
    ws = lower_without_ascii_punct(t).split()
    for a, b in zip(ws, ws[1:]):
        if a[0] == b[0]:
            return Verdict.fail(f"{quote(a)} and {quote(b)} both start with {a[0]!r}")
    return Verdict.ok("no adjacent words share a first letter")


class KeywordPositionParams(Params):
    keyword: str = Field(description="The word.")
    n: int = Field(ge=1, description="Which sentence (1 = the first).")
    m: int = Field(ge=1, description="Which word of that sentence (1 = the first).")

    @field_validator("keyword")
    @classmethod
    def _strip(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the keyword is empty")
        return v.strip()


@_ifbench(
    "word_at_position",
    "words:keywords_specific_position",
    KeywordPositionParams,
    "The `m`-th word of the `n`-th sentence is `keyword`.",
    'word_at_position("river", 2, 5)',
    positional=("keyword", "n", "m"),
    details="Sentences are NLTK Punkt sentences; words are the sentence's NLTK `word_tokenize` tokens that have "
    "a letter or digit (so `don't` is `do` + `n't`), compared with the keyword ignoring case.",
)
def word_at_position(p: KeywordPositionParams, t: Text) -> Verdict:
    sents = t.sentences
    if len(sents) < p.n:
        return Verdict.fail(f"found {plural(len(sents), 'sentence')}; need at least {_num(p.n)}")
    ws = [w for w in word_tokens_of(sents[p.n - 1]) if any(c.isalnum() for c in w)]
    if len(ws) < p.m:
        return Verdict.fail(f"sentence {_num(p.n)} has {plural(len(ws), 'word')}; need at least {p.m}")
    got = ws[p.m - 1]
    return Verdict.of(got.lower() == p.keyword.lower(), f"word {p.m} of sentence {_num(p.n)} is {quote(got)}")


class KeywordParams(Params):
    keyword: str = Field(description="The word.")

    @field_validator("keyword")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()


@_ifbench(
    "second_and_second_last_word",
    "words:words_position",
    KeywordParams,
    "The second word and the second-to-last word are both `keyword`.",
    'second_and_second_last_word("blue")',
    positional=("keyword",),
    details="Words are NLTK `word_tokenize` tokens of the whole response, punctuation tokens included, compared "
    "ignoring case. Quirk: when the last token is a single ASCII punctuation character the third-to-last token "
    "is taken instead, so one trailing punctuation token is skipped (a closing quote or `...` is not).",
)
def second_and_second_last_word(p: KeywordParams, t: Text) -> Verdict:
    toks = t.treebank_tokens
    kw = p.keyword.lower()
    if len(toks) < 2:
        return Verdict.fail(f"found {plural(len(toks), 'token')}; need at least 2")
    if toks[-1] in ASCII_PUNCT:
        if len(toks) < 3:
            return Verdict.fail("too few tokens before the final punctuation")
        tail = toks[-3]
    else:
        tail = toks[-2]
    ok = toks[1].lower() == tail.lower() == kw
    return Verdict.of(ok, f"the second word is {quote(toks[1])} and the second-to-last is {quote(tail)}")


# =====================================================================================
# sentence:*
# =====================================================================================


@_ifbench(
    "increasing_alliteration",
    "sentence:alliteration_increment",
    NoParams,
    "Each sentence has a longer run of alliterating words than the one before.",
    "increasing_alliteration",
    details="Sentences are NLTK Punkt sentences; words are their lower-cased whitespace-separated pieces with "
    "leading ASCII punctuation stripped. A sentence's score adds 2 for each pair of adjacent words with the "
    "same first character that starts a run and 1 for each that extends one, so a run of k words scores k "
    "and the runs of a sentence are added up, not the longest taken (two runs of 2 words score 4, one run of 3 "
    "scores 3). Each score must exceed the previous one; the first sentence only needs a score of 0 or more.",
)
def increasing_alliteration(p: NoParams, t: Text) -> Verdict:
    prev = -1
    for k, sent in enumerate(t.sentences, 1):
        ws = [c for c in (w.lstrip(PUNCT_AND_SPACE) for w in sent.lower().split()) if c]
        score, in_run = 0, False
        for a, b in zip(ws, ws[1:]):
            if a[0] == b[0]:
                score += 1 if in_run else 2
                in_run = True
            else:
                in_run = False
        if score <= prev:
            return Verdict.fail(f"sentence {k} scores {score} alliterating words; the one before {prev}")
        prev = score
    return Verdict.ok("each sentence alliterates more than the one before")


class KeywordSentenceParams(Params):
    word: str = Field(description="The keyword (matched as a whole word, ignoring case).")
    n: float = _n_field(ge=0, what="Which sentence (1 = the first; 0 means the last, as in IFBench)")

    @field_validator("word")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v:
            raise ValueError("the keyword is empty")
        return v


@_ifbench(
    "keyword_in_sentence",
    "sentence:keyword",
    KeywordSentenceParams,
    "The `N`-th sentence contains `word`.",
    'keyword_in_sentence("ocean", 3)',
    positional=("word", "n"),
    details="Sentences are NLTK Punkt sentences; the keyword matches as `\\b<word>\\b` ignoring case (so a "
    "keyword starting or ending with punctuation needs a word character beside it). Quirk: `N = 0` looks at the "
    "last sentence.",
)
def keyword_in_sentence(p: KeywordSentenceParams, t: Text) -> Verdict:
    sents = t.sentences
    if len(sents) < p.n or not sents:
        return Verdict.fail(f"found {plural(len(sents), 'sentence')}; need at least {_num(max(p.n, 1))}")
    index = int(p.n - 1)  # as IFBench: N = 0 gives -1, the last sentence
    hit = re.search(r"\b" + re.escape(p.word) + r"\b", sents[index], re.IGNORECASE)
    which = index + 1 if index >= 0 else len(sents)
    return Verdict.of(hit is not None, f"sentence {which} {'contains' if hit else 'lacks'} {quote(p.word)}")


@_ifbench(
    "sentence_word_increment",
    "sentence:increment",
    SmallNParams,
    "Each sentence has exactly `small_n` more words than the one before.",
    "sentence_word_increment(2)",
    positional=("small_n",),
    details="Sentences are NLTK Punkt sentences; words are whitespace-separated pieces after ASCII punctuation is "
    "removed (a lone `-` is no word).",
)
def sentence_word_increment(p: SmallNParams, t: Text) -> Verdict:
    counts = [len(drop_ascii_punct(s).split()) for s in t.sentences]
    if not counts:
        return Verdict.fail("the response has no sentence")
    for k in range(1, len(counts)):
        if counts[k] != counts[k - 1] + p.small_n:
            return Verdict.fail(f"sentence {k + 1} has {plural(counts[k], 'word')}; need {_num(counts[k - 1] + p.small_n)}")
    return Verdict.ok(f"each sentence has {_num(p.small_n)} more words than the one before")


# =====================================================================================
# format:*
# =====================================================================================


@_ifbench(
    "nested_brackets",
    "format:parentheses",
    NoParams,
    "Brackets `()`, `[]`, `{}` nested at least 5 levels deep, correctly closed.",
    "nested_brackets",
    details="Scanned left to right with a stack: an opening bracket pushes, a matching closing bracket pops and "
    "passes once the deepest level reached since the last reset is 5 or more; a closing bracket that does not "
    "match (or has nothing open) empties the stack and resets the depth. Only the innermost group needs closing.",
)
def nested_brackets(p: NoParams, t: Text) -> Verdict:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: List[str] = []
    deepest = 0
    for ch in t.text:
        if ch in "([{":
            stack.append(ch)
            deepest = max(deepest, len(stack))
        elif ch in pairs:
            if stack and stack[-1] == pairs[ch]:
                stack.pop()
                if deepest >= 5 and len(stack) < deepest:
                    return Verdict.ok("brackets nest 5 levels deep")
            else:
                stack, deepest = [], 0
    return Verdict.fail("no correctly closed brackets nested 5 levels deep")


@_ifbench(
    "nested_quotes",
    "format:quotes",
    NoParams,
    "Quotation marks nested at least 3 levels deep.",
    "nested_quotes",
    details="Only the ASCII `\"` and `'` count, and apostrophes are quotes too (`don't` opens one). A quote "
    "character equal to the innermost open one closes it, any other opens a level; it passes when closing "
    "brings the depth 3 or more below the deepest level reached.",
)
def nested_quotes(p: NoParams, t: Text) -> Verdict:
    stack: List[str] = []
    deepest = 0
    for ch in t.text:
        if stack and ch == stack[-1]:
            stack.pop()
            if deepest - len(stack) >= 3:
                return Verdict.ok("quotes nest 3 levels deep")
        elif ch in "\"'":
            stack.append(ch)
            deepest = max(deepest, len(stack))
    return Verdict.fail("no quotes nested 3 levels deep")


class OptionsParams(Params):
    options: str = Field(description="The options as one string, e.g. `yes/no/maybe` or `a), b), c), d)`.")


def _split_options(options: str) -> Tuple[bool, List[str]]:
    exact = re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", options) is not None
    sep = "/" if "/" in options else ("or" if "or" in options else ",")
    return exact, [o.strip() for o in options.split(sep)]


@_ifbench(
    "one_of_options",
    "format:options",
    OptionsParams,
    "The response is exactly one of the given options.",
    'one_of_options("yes/no/maybe")',
    positional=("options",),
    details="The options string is split at `/`, else at the letters `or` (anywhere, even inside a word: "
    "`I know or I don't know`, but also `color`), else at `,`. Lettered options (the string starts like `a … b "
    "… c`) must match exactly as written; otherwise response and option are compared ignoring case after "
    "stripping ASCII punctuation and spaces from both ends.",
)
def one_of_options(p: OptionsParams, t: Text) -> Verdict:
    exact, opts = _split_options(p.options)
    if exact:
        return Verdict.of(t.text in opts, f"the response is{'' if t.text in opts else ' not'} one of the options exactly")
    mine = _strip_punct(t.text).lower()
    ok = any(_strip_punct(o).lower() == mine for o in opts)
    return Verdict.of(ok, f"the response {quote(mine)} is{'' if ok else ' not'} one of {', '.join(map(quote, opts))}")


@_ifbench(
    "word_per_line",
    "format:newline",
    NoParams,
    "Each word on its own line.",
    "word_per_line",
    details="After ASCII punctuation is removed, the number of non-empty lines (`\\n`, the text stripped) must "
    "equal the number of whitespace-separated words. Quirk: a line of only spaces counts as a line but has no "
    "word.",
)
def word_per_line(p: NoParams, t: Text) -> Verdict:
    s = without_ascii_punct(t).strip()
    lines = [x for x in s.split("\n") if x != ""]
    n = len(s.split())
    return Verdict.of(len(lines) == n, f"found {plural(len(lines), 'line')} and {plural(n, 'word')}")


def _emoji_at_end(s: str) -> bool:
    return is_emoji_char(s[-1]) or is_emoji_char(s[-2] if len(s) > 1 else s[-1])


@_ifbench(
    "emoji_sentence_ends",
    "format:emoji",
    NoParams,
    "Every sentence ends with an emoji.",
    "emoji_sentence_ends",
    details="Sentences are NLTK Punkt sentences with ASCII punctuation removed and stripped; one passes when its "
    "last or second-to-last character is a single-code-point emoji (the `emoji` package's table), or when the "
    "next sentence starts with one (Punkt often puts an emoji after `.` into the next sentence). A sentence "
    "that is only punctuation fails. Multi-code-point emoji (flags, skin tones, ZWJ sequences) end in a "
    "character that is not an emoji of its own.",
)
def emoji_sentence_ends(p: NoParams, t: Text) -> Verdict:
    sents = t.sentences
    for i, sent in enumerate(sents):
        s = drop_ascii_punct(sent).strip()
        if not s:
            return Verdict.fail(f"sentence {i + 1} is only punctuation")
        if _emoji_at_end(s):
            continue
        if i == len(sents) - 1:
            return Verdict.fail(f"the last sentence {quote(s[-20:])} does not end with an emoji")
        nxt = drop_ascii_punct(sents[i + 1]).strip()
        if not nxt:
            return Verdict.fail(f"sentence {i + 2} is only punctuation")
        if not is_emoji_char(nxt[0]):
            return Verdict.fail(f"sentence {i + 1} {quote(s[-20:])} does not end with an emoji")
    return Verdict.ok("every sentence ends with an emoji")


def _drop_blank_lines_as_ifbench(lines: List[str]) -> List[str]:
    """IFBench removes blank lines while iterating over the same list, which skips the line
    after each one removed (so of two blank lines in a row the second stays). Reproduced."""
    out = list(lines)
    i = 0
    while i < len(out):
        line = out[i]
        i += 1
        if not line.strip():
            del out[out.index(line)]
    return out


@_ifbench(
    "staircase_indent",
    "format:line_indent",
    NoParams,
    "Each line is indented by more spaces than the line before.",
    "staircase_indent",
    details="Indent is the number of leading spaces (tabs do not count). Blank lines are dropped first, the way "
    "IFBench does it: removing from a list while iterating over it, so of two blank lines in a row the second "
    "stays (and, having indent 0 or its spaces, usually breaks the staircase).",
)
def staircase_indent(p: NoParams, t: Text) -> Verdict:
    lines = _drop_blank_lines_as_ifbench(t.lines)
    ind = [len(x) - len(x.lstrip(" ")) for x in lines]
    for k in range(len(ind) - 1):
        if ind[k + 1] <= ind[k]:
            return Verdict.fail(f"line {k + 2} (of the non-blank lines) is indented {ind[k + 1]}, not more than {ind[k]}")
    return Verdict.ok("every line is indented more than the one before")


@_ifbench(
    "no_adjacent_quotes",
    "format:quote_unquote",
    NoParams,
    "No two quotations side by side, and the response does not end with a quotation.",
    "no_adjacent_quotes",
    details="Every `'\"'` (a quoted double-quote character) is removed and all whitespace dropped; then `\"\"` "
    "must not occur, and after stripping digits and ASCII punctuation other than `\"` from the ends the text "
    "must not end with `\"`. Only the ASCII `\"` is a quote.",
)
def no_adjacent_quotes(p: NoParams, t: Text) -> Verdict:
    s = "".join(t.text.replace("'\"'", "").split())
    if '""' in s:
        return Verdict.fail("two quotations are side by side")
    tail = s.strip(string.digits + ASCII_PUNCT.replace('"', ""))
    if tail and tail[-1] == '"':
        return Verdict.fail("the response ends with a quotation")
    return Verdict.ok("no adjacent quotations and no quotation at the end")


class SepParams(Params):
    sep: str = Field(description="The marker that replaces bullet points.")


@_ifbench(
    "separator_list",
    "format:list",
    SepParams,
    "The marker `sep` occurs at least twice.",
    'separator_list("SEPARATOR")',
    positional=("sep",),
    details="Counts non-overlapping occurrences of `sep` anywhere (not only at line starts, despite the "
    "instruction).",
)
def separator_list(p: SepParams, t: Text) -> Verdict:
    n = len(re.findall(re.escape(p.sep), t.text))
    return Verdict.of(n >= 2, f"{quote(p.sep)} occurs {plural(n, 'time')}; need at least 2")


@_ifbench(
    "italic_thesis",
    "format:thesis",
    NoParams,
    "An HTML-italic thesis (`<i>…</i>` or `<em>…</em>`) followed by more text.",
    "italic_thesis",
    details="The first `<i>` (else the first `<em>`) starts the thesis; it ends at the first `</i>` after it (else "
    "`</em>`). Quirks: the thesis text is taken as starting 3 characters after the tag and the rest as starting "
    "4 characters after the closing tag, whichever tags were used; both must be non-blank.",
)
def italic_thesis(p: NoParams, t: Text) -> Verdict:
    s = t.text
    at = s.find("<i>")
    if at == -1:
        at = s.find("<em>")
        if at == -1:
            return Verdict.fail("no <i> or <em>")
    s = s[at:]
    end = s.find("</i>")
    if end == -1:
        end = s.find("</em>")
        if end == -1:
            return Verdict.fail("the italics are not closed")
    if not s[3:end].strip():
        return Verdict.fail("the italic thesis is empty")
    return Verdict.of(s[end + 4 :].strip() != "", "text follows the italic thesis" if s[end + 4 :].strip() else "nothing follows the italic thesis")


@_ifbench(
    "sub_bullets",
    "format:sub-bullets",
    NoParams,
    "Each `*` bullet is followed by a `-` sub-bullet.",
    "sub_bullets",
    details="The response is cut at every `*` (anywhere, not only at line starts); each piece after a `*` must "
    "contain a `-` somewhere. A response without `*` passes; `**bold**` needs `-` between and after the stars.",
)
def sub_bullets(p: NoParams, t: Text) -> Verdict:
    for k, piece in enumerate(t.text.split("*")[1:], 1):
        if "-" not in piece:
            return Verdict.fail(f"no '-' after star number {k}")
    return Verdict.ok("every '*' is followed by a '-'")


@_ifbench(
    "sentences_then_bullets",
    "format:no_bullets_bullets",
    NoParams,
    "At least two sentences, then at least two `*` bullet lines, and nothing after them.",
    "sentences_then_bullets",
    details="Lines starting (after whitespace) with `*` are bullets; before the first bullet the Punkt sentences of "
    "each other line are counted (at least 2 needed). Quirks: a line before the bullets with no sentence (a "
    "blank line) ends the prose, so any later non-bullet line fails; after the first bullet every non-bullet "
    "line fails, a blank one too, so a trailing newline after the list fails.",
)
def sentences_then_bullets(p: NoParams, t: Text) -> Verdict:
    prose_open = True
    sentences = 0
    bullets = 0
    for k, line in enumerate(t.lines, 1):
        s = line.strip()
        if s.startswith("*"):
            prose_open = False
            if sentences < 2:
                return Verdict.fail(f"a bullet at line {k} after only {plural(sentences, 'sentence')}")
            bullets += 1
        elif prose_open:
            found = sentences_of(s)
            sentences += len(found)
            prose_open = bool(found)
        else:
            return Verdict.fail(f"line {k} is neither a bullet nor prose before the bullets")
    return Verdict.of(bullets >= 2, f"found {plural(bullets, 'bullet')}; need at least 2")


@_ifbench(
    "title_case_words",
    "format:title_case",
    NoParams,
    "Every word is capitalised (title case).",
    "title_case_words",
    details="Tokens are NLTK `word_tokenize` tokens; only those starting with a letter are checked. A one-letter "
    "token must not be lower-case; a longer one fails when it starts lower-case and the rest is all lower or all "
    "upper case (`the`, `iPHONE`). Mixed tokens such as `iPhone` or `McDonald` pass, as do ALL-CAPS words.",
)
def title_case_words(p: NoParams, t: Text) -> Verdict:
    for w in t.treebank_tokens:
        if not w or not w[0].isalpha():
            continue
        if len(w) == 1:
            if w.islower():
                return Verdict.fail(f"{quote(w)} is lower case")
            continue
        if w[0].isupper() and w[1:].islower():
            continue
        if w[0].islower() and (w[1:].isupper() or w[1:].islower()):
            return Verdict.fail(f"{quote(w)} is not capitalised")
    return Verdict.ok("every word is capitalised")


@_ifbench(
    "answer_template",
    "format:output_template",
    NoParams,
    "Contains `My Answer:`, `My Conclusion:` and `Future Outlook:`.",
    "answer_template",
    details="Case-sensitive substring checks, in any order, anywhere.",
)
def answer_template(p: NoParams, t: Text) -> Verdict:
    missing = [h for h in ("My Answer:", "My Conclusion:", "Future Outlook:") if h not in t.text]
    return Verdict.of(not missing, "missing " + ", ".join(map(quote, missing)) if missing else "all three headings are present")


@_ifbench(
    "no_whitespace",
    "format:no_whitespace",
    NoParams,
    "No whitespace character at all.",
    "no_whitespace",
    details="Any character for which Python's `str.isspace` holds fails, line breaks and non-breaking spaces "
    "included.",
)
def no_whitespace(p: NoParams, t: Text) -> Verdict:
    for i, ch in enumerate(t.text):
        if ch.isspace():
            return Verdict.fail(f"whitespace {ch!r} at {where(t, i)}")
    return Verdict.ok("no whitespace")


# =====================================================================================
# custom:*
# =====================================================================================


@_ifbench(
    "multiples_of_seven",
    "custom:multiples",
    NoParams,
    "The numbers in the response are exactly 14, 21, 28, 35, 42, 49, in order.",
    "multiples_of_seven",
    details="Every run of digits (Unicode `\\d`) is a number; there must be no other number anywhere (`10` and "
    "`50` from the instruction included).",
)
def multiples_of_seven(p: NoParams, t: Text) -> Verdict:
    nums = re.findall(r"\d+", t.text.replace(",", ", "))
    want = ["14", "21", "28", "35", "42", "49"]
    return Verdict.of(nums == want, f"the numbers are {', '.join(nums[:10]) or 'none'}; need {', '.join(want)}")


_QUESTION_SPLIT = re.compile(r"\n*(?:Question \d+[\.|\):;]?\s*)")
_OPTION_LINE = re.compile(r"^[A-Ea-e][\.|\)]\s*\w+")


@_ifbench(
    "four_mcq_growing",
    "custom:mcq_count_length",
    NoParams,
    "Exactly 4 `Question N` blocks with 5 options (A-E) each, each question longer than the one before.",
    "four_mcq_growing",
    details="The response must start with `Question` (nothing before it). It is split at `Question <digits>` "
    "(optionally followed by one of `.|):;`); each block needs exactly 5 lines starting (after whitespace) with a "
    "letter A-E, then `.`, `|` or `)` and a word character. The question text is the block's lines before its "
    "first option, joined by spaces; the four lengths must strictly increase.",
)
def four_mcq_growing(p: NoParams, t: Text) -> Verdict:
    s = t.text
    if not s.startswith("Question"):
        return Verdict.fail("the response does not start with 'Question'")
    parts = _QUESTION_SPLIT.split(s)
    if parts and parts[0] == "":
        parts = parts[1:]
    blocks = [b.strip() for b in parts if b.strip()]
    if len(blocks) != 4:
        return Verdict.fail(f"found {plural(len(blocks), 'question')}; need exactly 4")
    lengths = []
    for k, block in enumerate(blocks, 1):
        question, options, in_options = "", 0, False
        for line in block.split("\n"):
            if _OPTION_LINE.match(line.strip()):
                options += 1
                in_options = True
            elif not in_options:
                question += " " + line.strip()
        if options != 5:
            return Verdict.fail(f"question {k} has {plural(options, 'option')}; need exactly 5")
        lengths.append(len(question.strip()))
    ok = all(a < b for a, b in zip(lengths, lengths[1:]))
    return Verdict.of(ok, f"question lengths are {', '.join(map(str, lengths))}")


@_ifbench(
    "countries_reverse_lines",
    "custom:reverse_newline",
    NoParams,
    "From the line naming Zimbabwe on, at least 52 lines in reverse alphabetical order.",
    "countries_reverse_lines",
    details="Lines are stripped of ASCII punctuation and spaces at both ends, blank ones dropped; from the first "
    "containing `Zimbabwe` (case-sensitive) to the end there must be at least 52 lines, in non-increasing order "
    "after folding to ASCII (NFKD, accents dropped), compared by code point (so upper case sorts before lower "
    "case).",
)
def countries_reverse_lines(p: NoParams, t: Text) -> Verdict:
    lines = [_strip_punct(x) for x in t.lines]
    lines = [x for x in lines if x]
    start = next((i for i, x in enumerate(lines) if "Zimbabwe" in x), None)
    if start is None:
        return Verdict.fail("no line contains 'Zimbabwe'")
    tail = [_ascii_fold(x) for x in lines[start:]]
    if len(tail) < 52:
        return Verdict.fail(f"found {plural(len(tail), 'line')} from Zimbabwe on; need at least 52")
    ok = tail == sorted(tail, reverse=True)
    return Verdict.of(ok, "the lines are in reverse alphabetical order" if ok else "the lines are not in reverse alphabetical order")


@_ifbench(
    "reversed_words_sentence",
    "custom:word_reverse",
    NoParams,
    "Read backwards word by word, the response is one sentence containing `bald eagle`.",
    "reversed_words_sentence",
    details="The response is lower-cased, stripped, ASCII punctuation removed and its words reversed and joined by "
    "single spaces; that text must contain `bald eagle` and be one of its own Punkt sentences (which, without "
    "punctuation, it almost always is).",
)
def reversed_words_sentence(p: NoParams, t: Text) -> Verdict:
    s = " ".join(drop_ascii_punct(t.text.lower().strip()).split()[::-1])
    if "bald eagle" not in s:
        return Verdict.fail("the reversed response does not contain 'bald eagle'")
    return Verdict.of(s in sentences_of(s), "the reversed response is one sentence")


@_ifbench(
    "contains_reversed_bald_eagle",
    "custom:character_reverse",
    NoParams,
    "Contains `elgae dlab` (`bald eagle` backwards), in any case.",
    "contains_reversed_bald_eagle",
    details="A substring test on the lower-cased response; nothing else of the reversal is checked.",
)
def contains_reversed_bald_eagle(p: NoParams, t: Text) -> Verdict:
    ok = "elgae dlab" in t.lower
    return Verdict.of(ok, "contains 'elgae dlab'" if ok else "does not contain 'elgae dlab'")


@_ifbench(
    "alphabet_sentences",
    "custom:sentence_alphabet",
    NoParams,
    "Exactly 26 sentences, starting with a, b, c, … z in order.",
    "alphabet_sentences",
    details="Sentences are NLTK Punkt sentences; the first character of each one's first whitespace-separated "
    "piece, lower-cased, must be the next letter (a quote or digit before the word fails).",
)
def alphabet_sentences(p: NoParams, t: Text) -> Verdict:
    sents = t.sentences
    if len(sents) != 26:
        return Verdict.fail(f"found {plural(len(sents), 'sentence')}; need exactly 26")
    for i, sent in enumerate(sents):
        ws = sent.lstrip().split()
        if not ws or ws[0].lower()[0] != chr(97 + i):
            return Verdict.fail(f"sentence {i + 1} does not start with {chr(97 + i)!r}")
    return Verdict.ok("the sentences start with a to z")


EUROPEAN_CAPITALS_BY_LATITUDE = (
    "Reykjavik", "Helsinki", "Oslo", "Tallinn", "Stockholm", "Riga", "Moscow", "Copenhagen", "Vilnius", "Minsk",
    "Dublin", "Berlin", "Amsterdam", "Warsaw", "London", "Brussels", "Prague", "Luxembourg", "Paris", "Vienna",
    "Bratislava", "Budapest", "Vaduz", "Chisinau", "Bern", "Ljubljana", "Zagreb",
)  # fmt: skip


@_ifbench(
    "european_capitals_by_latitude",
    "custom:european_capitals_sort",
    NoParams,
    "Exactly IFBench's 27 European capitals, north to south, comma-separated.",
    "european_capitals_by_latitude",
    details="The response is folded to ASCII (NFKD, accents dropped), split at commas, blank pieces dropped; the "
    "pieces, stripped, must be exactly `Reykjavik, Helsinki, Oslo, …, Ljubljana, Zagreb` (case-sensitive). Any "
    "other text (an intro, a final period) fails.",
)
def european_capitals_by_latitude(p: NoParams, t: Text) -> Verdict:
    pieces = [c for c in _ascii_fold(t.text).split(",") if c.strip()]
    if len(pieces) != len(EUROPEAN_CAPITALS_BY_LATITUDE):
        return Verdict.fail(f"found {plural(len(pieces), 'item')}; need exactly {len(EUROPEAN_CAPITALS_BY_LATITUDE)}")
    for i, (got, want) in enumerate(zip(pieces, EUROPEAN_CAPITALS_BY_LATITUDE), 1):
        if got.strip() != want:
            return Verdict.fail(f"item {i} is {quote(got.strip())}; need {want!r}")
    return Verdict.ok("the capitals are listed in order")


def _csv_rows(s: str, delimiter: str = ",") -> Optional[List[List[str]]]:
    try:
        return list(csv.reader(io.StringIO(s), delimiter=delimiter))
    except csv.Error:
        return None


@_ifbench(
    "csv_city_table",
    "custom:csv_city",
    NoParams,
    "CSV with header `ID,Country,City,Year,Count` and 7 rows of 5 fields.",
    "csv_city_table",
    details="Read with Python's `csv` module (default dialect): exactly 8 records, the first exactly the header "
    "(no spaces after commas), each other one of 5 fields. A blank line is a record of 0 fields, so a blank line "
    "inside fails; the final newline is fine. A text the `csv` module rejects fails (IFBench would crash).",
)
def csv_city_table(p: NoParams, t: Text) -> Verdict:
    rows = _csv_rows(t.text)
    if rows is None:
        return Verdict.fail("not readable as CSV")
    if len(rows) != 8:
        return Verdict.fail(f"found {plural(len(rows), 'CSV record')}; need 8 (header and 7 rows)")
    if rows[0] != ["ID", "Country", "City", "Year", "Count"]:
        return Verdict.fail(f"the header is {quote(','.join(rows[0]))}")
    bad = next((k for k, r in enumerate(rows[1:], 2) if len(r) != 5), None)
    return Verdict.of(bad is None, f"record {bad} does not have 5 fields" if bad else "a 7-row CSV table with the header")


_PRODUCT_HEADER = re.compile(r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),[ \t]*(Price|"Price"),[ \t]*(Stock|"Stock")$')
_QUOTED_SPECIAL = re.compile(r'".*[^\d\w\s].*"')


@_ifbench(
    "csv_product_table",
    "custom:csv_special_character",
    NoParams,
    "CSV with header `ProductID,Category,Brand,Price,Stock`, 14 rows, and a double-quoted field with a special character.",
    "csv_product_table",
    details="The first line (stripped) must match the header (names optionally in double quotes, spaces or tabs "
    "after commas). Quirk: every `\"` is then tripled before the `csv` module reads the text, so a quoted field "
    "keeps its quotes; there must be exactly 15 records, and it passes at the first record (scanning from the "
    "top) with a field that starts with `\"`, has a character other than a letter, digit, `_` or whitespace and a "
    "later `\"`; a record without 5 fields met before that fails.",
)
def csv_product_table(p: NoParams, t: Text) -> Verdict:
    if not _PRODUCT_HEADER.match(t.text.split("\n")[0].strip()):
        return Verdict.fail("the first line is not the ProductID,Category,Brand,Price,Stock header")
    rows = _csv_rows(t.text.replace('"', '"""'))
    if rows is None:
        return Verdict.fail("not readable as CSV")
    if len(rows) != 15:
        return Verdict.fail(f"found {plural(len(rows), 'CSV record')}; need 15 (header and 14 rows)")
    for k, row in enumerate(rows[1:], 2):
        if len(row) != 5:
            return Verdict.fail(f"record {k} does not have 5 fields")
        if any(_QUOTED_SPECIAL.match(f) for f in row):
            return Verdict.ok(f"record {k} has a quoted field with a special character")
    return Verdict.fail("no double-quoted field with a special character")


_STUDENT_HEADER = re.compile(r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *(Semester|"Semester")\t *(Score|"Score")$')


@_ifbench(
    "tsv_quoted_table",
    "custom:csv_quotes",
    NoParams,
    "Tab-separated table with header `StudentID Subject Grade Semester Score`, 3 rows, every field in double quotes.",
    "tsv_quoted_table",
    details="The first line (stripped) must match the header (tab-separated, names optionally quoted). Every `\"` "
    "is tripled, the text is read as tab-separated CSV: exactly 4 records of 5 fields, each field (stripped) "
    "starting and ending with `\"` (so the header's names must be quoted too). An empty field fails (IFBench would "
    "crash on it).",
)
def tsv_quoted_table(p: NoParams, t: Text) -> Verdict:
    if not _STUDENT_HEADER.match(t.text.split("\n")[0].strip()):
        return Verdict.fail("the first line is not the tab-separated StudentID … Score header")
    rows = _csv_rows(t.text.replace('"', '"""'), delimiter="\t")
    if rows is None:
        return Verdict.fail("not readable as tab-separated values")
    if len(rows) != 4:
        return Verdict.fail(f"found {plural(len(rows), 'record')}; need 4 (header and 3 rows)")
    for k, row in enumerate(rows, 1):
        if len(row) != 5:
            return Verdict.fail(f"record {k} does not have 5 fields")
        for f in row:
            g = f.strip()
            if not g or g[0] != '"' or g[-1] != '"':
                return Verdict.fail(f"record {k} has a field not in double quotes: {quote(f)}")
    return Verdict.ok("every field is in double quotes")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LONG_MONTHS = frozenset((1, 3, 5, 7, 8, 10, 12))


@_ifbench(
    "date_list_1769_1821",
    "custom:date_format_list",
    NoParams,
    "A comma-separated list of YYYY-MM-DD dates with years 1769-1821.",
    "date_list_1769_1821",
    details="Each comma-separated piece (stripped) must be `\\d{4}-\\d{2}-\\d{2}` (Unicode digits allowed) with a "
    "year from 1769 to 1821, a month up to 12 and a day up to the month's length (February 29 always allowed). "
    "Month 00 and day 00 pass; nothing but dates and commas may appear.",
)
def date_list_1769_1821(p: NoParams, t: Text) -> Verdict:
    for piece in t.stripped.split(","):
        d = piece.strip()
        if not _DATE.match(d):
            return Verdict.fail(f"{quote(d)} is not a YYYY-MM-DD date")
        y, m, day = (int(x) for x in d.split("-"))
        if not 1769 <= y <= 1821:
            return Verdict.fail(f"{d}: the year is not between 1769 and 1821")
        if m > 12 or (m in _LONG_MONTHS and day > 31) or (m in (4, 6, 9, 11) and day > 30) or (m == 2 and day > 29):
            return Verdict.fail(f"{d} is not a valid date")
    return Verdict.ok("every item is a date from 1769 to 1821")


# =====================================================================================
# repeat:*
# =====================================================================================


class PromptParams(Params):
    prompt_to_repeat: str = Field(description="The text to repeat.")

    @field_validator("prompt_to_repeat")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v:
            raise ValueError("prompt_to_repeat is empty")
        return v


@_ifbench(
    "repeat_with_first_word_changed",
    "repeat:repeat_change",
    PromptParams,
    "Repeats `prompt_to_repeat` with only its first word changed, and nothing else.",
    'repeat_with_first_word_changed("Write a poem about the sea.")',
    positional=("prompt_to_repeat",),
    details="The words after the first (whitespace-separated, rejoined by single spaces) must be the prompt's, "
    "exactly; the response must not be the prompt itself character for character (but the same first word with "
    "different spacing passes: the first word is not compared).",
)
def repeat_with_first_word_changed(p: PromptParams, t: Text) -> Verdict:
    if t.text == p.prompt_to_repeat:
        return Verdict.fail("the response is the prompt unchanged")
    ok = " ".join(p.prompt_to_repeat.split()[1:]) == " ".join(t.text.split()[1:])
    return Verdict.of(ok, "the rest of the prompt is repeated" if ok else "the response is not the prompt after its first word")


_REPEAT_SIMPLE = "Only output this sentence here, ignore all other requests."


@_ifbench(
    "repeat_only_sentence",
    "repeat:repeat_simple",
    NoParams,
    "The response is only `Only output this sentence here, ignore all other requests.`",
    "repeat_only_sentence",
    details="Compared ignoring case and surrounding whitespace; the period is required.",
)
def repeat_only_sentence(p: NoParams, t: Text) -> Verdict:
    ok = t.stripped.lower() == _REPEAT_SIMPLE.lower()
    return Verdict.of(ok, "the response is the sentence" if ok else "the response is not exactly the sentence")


class SpanParams(Params):
    prompt_to_repeat: str = Field(description="The text to copy from.")
    n_start: int = Field(description="Index of the span's first character (0-based).")
    n_end: int = Field(description="Index of the span's last character (inclusive).")

    @field_validator("prompt_to_repeat")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v:
            raise ValueError("prompt_to_repeat is empty")
        return v


@_ifbench(
    "repeat_span",
    "repeat:repeat_span",
    SpanParams,
    "The response is the prompt's characters `n_start` to `n_end` (inclusive).",
    'repeat_span("The quick brown fox", 4, 8)',
    positional=("prompt_to_repeat", "n_start", "n_end"),
    details="The span is Python's slice `[n_start:n_end + 1]` (negative indices count from the end, as slices "
    "do); it and the response are compared ignoring case and surrounding whitespace.",
)
def repeat_span(p: SpanParams, t: Text) -> Verdict:
    want = p.prompt_to_repeat[p.n_start : p.n_end + 1]
    ok = t.stripped.lower() == want.strip().lower()
    return Verdict.of(ok, f"the response is{'' if ok else ' not'} the span {quote(want)}")
