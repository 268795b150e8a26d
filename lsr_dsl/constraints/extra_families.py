"""Rule-checkable members of the IFEvalG (open-instruct) and IFBench families, plus a few general checks.

Each definition cites the original instruction id in ``details``. The semantics
are made precise here (word = see :mod:`.extra_common`); where the original
checker was looser or tokenised differently the difference is stated.
"""
from __future__ import annotations

import regex
from pydantic import Field, field_validator, model_validator

from ..text import Text
from .extra_common import (
    all_of,
    WORD_RE,
    markdown,
    plural,
    prose_words,
    quote,
    relation_reason,
    sentences,
    table_rows,
    word_spans,
    words,
)
from .extra_structure import SENTENCE_RULES, CountParams
from .registry import Params, Verdict, constraint

IFBENCH = "ifbench"
IFEVALG = "ifevalg"
GENERAL = "general"


class NoParams(Params):
    pass


#: Appended to the details of checks that count every word of the response.
_ALL_WORDS = " Every word of the response counts, fenced code included (as IFEval's word counts)."


class _WordParam(Params):
    word: str = Field(description="A single word (letters/digits, inner ' or - allowed); compared ignoring case.")

    @field_validator("word")
    @classmethod
    def _one_word(cls, v: str) -> str:
        v = v.strip()
        if not WORD_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not a single word")
        return v


def _eq(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


# -- counts ------------------------------------------------------------------------

class WordRangeParams(Params):
    min_words: int = Field(ge=0, description="Least number of words.")
    max_words: int = Field(ge=0, description="Most words.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.min_words > self.max_words:
            raise ValueError(f"min_words ({self.min_words}) is greater than max_words ({self.max_words})")
        return self


@constraint(
    "word_count_range",
    params=WordRangeParams,
    positional=("min_words", "max_words"),
    family=IFBENCH,
    summary="The response has between `min_words` and `max_words` words (inclusive).",
    details="IFBench `count:word_count_range`. Words are runs of letters/digits (inner apostrophes and hyphens "
    "kept), so `don't` is one word where IFBench's tokenizer may count two." + _ALL_WORDS,
    example="word_count_range(100, 120)",
)
def word_count_range(p: WordRangeParams, t: Text) -> Verdict:
    n = len(words(t))
    ok = p.min_words <= n <= p.max_words
    return Verdict.of(ok, f"found {plural(n, 'word')}; need between {p.min_words} and {p.max_words}")


@constraint(
    "unique_words",
    params=CountParams,
    count_param="n",
    family=IFBENCH,
    measure="unique_words",
    summary="The number of distinct words (ignoring case) compared with `n`.",
    details="IFBench `count:unique_word_count` (\"use at least N unique words\"), i.e. `unique_words >= N`. "
    "Relation defaults to `>=`." + _ALL_WORDS,
    example="unique_words >= 50",
)
def unique_words(p: CountParams, t: Text) -> Verdict:
    n = len({w.casefold() for w in words(t)})
    return relation_reason(n, p.relation, p.n, "distinct word")


@constraint(
    "all_words_unique",
    params=NoParams,
    family=IFEVALG,
    summary="No word is used twice (ignoring case).",
    details="IFEvalG `count:count_unique` (\"only use unique words, no word should be repeated\"). Punctuation "
    "is not a word here (the original compared tokenizer output, punctuation included, case-sensitively)." + _ALL_WORDS,
    example="all_words_unique",
)
def all_words_unique(p: NoParams, t: Text) -> Verdict:
    seen = {}
    for start, _end, w in word_spans(t):
        k = w.casefold()
        if k in seen:
            line, col = t.line_col(start)
            total = sum(1 for x in words(t) if x.casefold() == k)
            return Verdict.fail(f"{quote(w)} is used {total} times; the first repeat at line {line}, column {col}")
        seen[k] = start
    return Verdict.ok(f"{all_of(len(seen), 'word')} distinct")


@constraint(
    "lowercase_words",
    params=CountParams,
    count_param="n",
    family=IFEVALG,
    measure="lowercase_words",
    summary="The number of all-lowercase words compared with `n`.",
    details="IFEvalG `count:lowercase_counting` (\"all lowercase words should appear at most N times\") is "
    "`lowercase_words <= N`. A word counts when every cased letter in it is lowercase and it has at least "
    "one (Unicode-aware; the original only saw ASCII a-z). Relation defaults to `>=`, so write the comparison."
    + _ALL_WORDS,
    example="lowercase_words <= 40",
)
def lowercase_words(p: CountParams, t: Text) -> Verdict:
    n = sum(1 for w in words(t) if w.islower())
    return relation_reason(n, p.relation, p.n, "lowercase word")


# -- word positions -----------------------------------------------------------------

@constraint(
    "no_consecutive_first_letter",
    params=NoParams,
    family=IFBENCH,
    summary="No two adjacent words start with the same letter (ignoring case).",
    details="IFBench `words:no_consecutive`. Words are compared in order across sentence and line breaks; "
    "words starting with a digit never clash." + _ALL_WORDS,
    example="no_consecutive_first_letter",
)
def no_consecutive_first_letter(p: NoParams, t: Text) -> Verdict:
    spans = word_spans(t)
    for (_s1, _e1, a), (s2, _e2, b) in zip(spans, spans[1:]):
        ca, cb = a[0].casefold(), b[0].casefold()
        if ca == cb and a[0].isalpha():
            line, col = t.line_col(s2)
            return Verdict.fail(f"{quote(a)} and {quote(b)} both start with {ca!r} (line {line}, column {col})")
    return Verdict.ok("no adjacent words share a first letter")


@constraint(
    "start_end_same_word",
    params=NoParams,
    family=IFEVALG,
    summary="The response starts and ends with the same word, with nothing (not even punctuation) after it.",
    details="IFEvalG `keywords:start_end`. Needs at least two words; compared ignoring case; leading text before "
    "the first word may only be whitespace or punctuation, trailing whitespace is ignored. The response is taken "
    "as written: list markers are not skipped and fenced code is not left out (unlike `first_word`/`last_word`).",
    example="start_end_same_word",
)
def start_end_same_word(p: NoParams, t: Text) -> Verdict:
    ws = words(t)
    if len(ws) < 2:
        return Verdict.fail(f"the response has {plural(len(ws), 'word')}; need at least 2")
    tail = t.text.rstrip()
    last_span = word_spans(t)[-1]
    if last_span[1] != len(tail):
        return Verdict.fail(f"the response ends with {quote(tail[last_span[1]:])} after the last word")
    if _eq(ws[0], ws[-1]):
        return Verdict.ok(f"starts and ends with {quote(ws[0])}")
    return Verdict.fail(f"starts with {quote(ws[0])} but ends with {quote(ws[-1])}")


@constraint(
    "first_word",
    params=_WordParam,
    positional=("word",),
    family=IFEVALG,
    summary="The first word of the response is `word` (ignoring case).",
    details="IFEvalG `first_word:first_word_answer`. The first word of the prose: fenced code is left out, "
    "and leading punctuation, emphasis marks, heading `#` marks, list markers (`-`, `*`, `+`, `•`, `1.`, `1)`) "
    "and table pipes are skipped, so `1. Absolutely` and `**Absolutely**` start with `Absolutely`.",
    example='first_word("Absolutely")',
)
def first_word(p: _WordParam, t: Text) -> Verdict:
    ws = prose_words(t)
    if not ws:
        return Verdict.fail("the response has no words outside fenced code")
    if _eq(ws[0], p.word):
        return Verdict.ok(f"the first word is {quote(ws[0])}")
    return Verdict.fail(f"the first word is {quote(ws[0])}, not {quote(p.word)}")


@constraint(
    "last_word",
    params=_WordParam,
    positional=("word",),
    family=IFEVALG,
    summary="The last word of the response is `word` (ignoring case; trailing punctuation allowed).",
    details="IFEvalG `last_word:last_word_answer`. The last word of the prose: fenced code is left out (a "
    "code block after the closing sentence does not change the last word); trailing punctuation and markup "
    "are ignored.",
    example='last_word("goodbye")',
)
def last_word(p: _WordParam, t: Text) -> Verdict:
    ws = prose_words(t)
    if not ws:
        return Verdict.fail("the response has no words outside fenced code")
    if _eq(ws[-1], p.word):
        return Verdict.ok(f"the last word is {quote(ws[-1])}")
    return Verdict.fail(f"the last word is {quote(ws[-1])}, not {quote(p.word)}")


@constraint(
    "sentences_start_with",
    params=_WordParam,
    positional=("word",),
    family=IFEVALG,
    summary="Every sentence begins with `word` (ignoring case).",
    details="IFEvalG `first_word:first_word_sent`. " + SENTENCE_RULES + " A sentence's first word is its first "
    "run of letters/digits (leading punctuation and markers skipped). An empty response (or only fenced code) fails.",
    example='sentences_start_with("Notably")',
)
def sentences_start_with(p: _WordParam, t: Text) -> Verdict:
    sents = sentences(t)
    if not sents:
        return Verdict.fail("the response has no sentences")
    for i, s in enumerate(sents, 1):
        m = WORD_RE.search(s)
        w = m.group() if m else ""
        if not _eq(w, p.word):
            return Verdict.fail(f"sentence {i} starts with {quote(w)}, not {quote(p.word)}")
    lead = "the only sentence starts" if len(sents) == 1 else f"all {len(sents)} sentences start"
    return Verdict.ok(f"{lead} with {quote(p.word)}")


# -- wrapping and copying -----------------------------------------------------------

_BIGRAM_RE = regex.compile(r"<<([^<>]*)>>")


@constraint(
    "bigram_wrapping",
    params=NoParams,
    family=IFEVALG,
    summary="Every pair of consecutive words is wrapped in double angular brackets: <<I am>> <<at home>>.",
    details="IFEvalG `detectable_format:bigram_wrapping`, made strict: outside the `<<…>>` groups there may only be "
    "whitespace and punctuation, every group holds exactly two whitespace-separated tokens, except that the "
    "last group may hold one when the word count is odd.",
    example="bigram_wrapping",
)
def bigram_wrapping(p: NoParams, t: Text) -> Verdict:
    groups = list(_BIGRAM_RE.finditer(t.text))
    if not groups:
        return Verdict.fail("no <<…>> groups found")
    outside = _BIGRAM_RE.sub(" ", t.text)
    m = WORD_RE.search(outside)
    if m:
        return Verdict.fail(f"the word {quote(m.group())} is not inside a <<…>> group")
    for i, g in enumerate(groups, 1):
        n = len(g.group(1).split())
        if n != 2 and not (n == 1 and i == len(groups)):
            line, col = t.line_col(g.start())
            return Verdict.fail(f"group {i} {quote(g.group())} at line {line}, column {col} holds {n} tokens; need 2")
    return Verdict.ok(f"all words are wrapped in {plural(len(groups), 'bigram group')}")


_BRACKETED_RE = regex.compile(r"\[[^\[\]\s]+\]")
_EMPTY_BRACKETS_RE = regex.compile(r"\[\]")


@constraint(
    "square_brackets",
    params=NoParams,
    family=IFEVALG,
    summary="Every word is enclosed in square brackets: [like] [this].",
    details="IFEvalG `detectable_format:square_brackets`: each whitespace-separated token must be `[...]` "
    "(punctuation may follow the closing bracket); empty brackets `[]` do not count. An empty response fails.",
    example="square_brackets",
)
def square_brackets(p: NoParams, t: Text) -> Verdict:
    toks = list(regex.finditer(r"\S+", t.text))
    if not toks:
        return Verdict.fail("the response is empty")
    for m in toks:
        tok = m.group()
        core = tok.rstrip(".,;:!?")
        if not _BRACKETED_RE.fullmatch(core):
            line, col = t.line_col(m.start())
            if _EMPTY_BRACKETS_RE.search(core):
                return Verdict.fail(f"{quote(tok)} at line {line}, column {col} is an empty pair of brackets; each must enclose a word")
            return Verdict.fail(f"{quote(tok)} at line {line}, column {col} is not enclosed in square brackets")
    return Verdict.ok(f"{all_of(len(toks), 'token')} in square brackets")


class CopyParams(Params):
    text: str = Field(description="The text the response must reproduce (e.g. the request itself).")
    case_sensitive: bool = Field(False, description="Compare letters case-sensitively (the original ignored case).")

    @field_validator("text")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text must not be empty")
        return v


@constraint(
    "copy_text",
    params=CopyParams,
    positional=("text",),
    family=IFEVALG,
    summary="The response is exactly the given text, ignoring surrounding whitespace (and case by default).",
    details="IFEvalG `copy:copying_simple` (\"repeat the request without change\"): pass the request as `text`. "
    "The reason points at the first differing character.",
    example='copy_text("Write a haiku about autumn.")',
)
def copy_text(p: CopyParams, t: Text) -> Verdict:
    a = t.text.strip()
    b = p.text.strip()
    if not p.case_sensitive:
        a, b = a.casefold(), b.casefold()
    if a == b:
        return Verdict.ok("the response reproduces the text exactly")
    i = 0
    for x, y in zip(a, b):
        if x != y:
            break
        i += 1
    if i == len(a) and i < len(b):
        return Verdict.fail(f"the response stops after {i} of {len(b)} characters of the text")
    if i == len(b):
        return Verdict.fail(f"the response continues after the text: {quote(a[i:])}")
    return Verdict.fail(f"the response differs at character {i + 1}: {quote(a[i:i + 20])} instead of {quote(b[i:i + 20])}")


# -- general -----------------------------------------------------------------------

_EMOJI_RE = regex.compile(
    r"\p{Regional_Indicator}{2}"
    r"|(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|[0-9#*]\uFE0F?\u20E3)"
    r"(?:\uFE0F|\p{Emoji_Modifier}|\u200D(?:\p{Emoji_Presentation}|\p{Extended_Pictographic})\uFE0F?)*"
)


@constraint(
    "emojis",
    params=CountParams,
    count_param="n",
    family=GENERAL,
    measure="emojis",
    summary="The number of emoji compared with `n` (write `emojis == 0` for \"no emoji\").",
    details="Counts emoji presentation characters, flags and joined sequences (a ZWJ family or a skin-tone "
    "variant is one emoji); text symbols such as © or ™ are not emoji." + " Relation defaults to `>=`.",
    example="emojis == 0",
)
def emojis(p: CountParams, t: Text) -> Verdict:
    found = t.memo(("extra", "emojis"), lambda tt: [m.start() for m in _EMOJI_RE.finditer(tt.text)])
    v = relation_reason(len(found), p.relation, p.n, "emoji", "emoji")
    if not v.passed and found:
        line, col = t.line_col(found[0])
        return Verdict.fail(f"{v.reason}; the first at line {line}, column {col}")
    return v


_LEAD_RE = regex.compile(r"^[^\p{L}\p{N}]*")


@constraint(
    "capitalized_sentences",
    params=NoParams,
    family=GENERAL,
    summary="Every sentence starts with a capital letter.",
    details=SENTENCE_RULES + " Leading punctuation, quotes and markdown markers (heading `#`, list markers "
    "`-`/`*`/`+`/`•`/`1.`/`1)`) are skipped, so `1. first item` fails just like `- first item`; a sentence "
    "starting with a digit, or with a letter that has no case (e.g. CJK), passes. Fenced code is not checked. "
    "An empty response passes.",
    example="capitalized_sentences",
)
def capitalized_sentences(p: NoParams, t: Text) -> Verdict:
    for i, s in enumerate(sentences(t), 1):
        rest = s[_LEAD_RE.match(s).end():]
        if rest and rest[0].islower():
            return Verdict.fail(f"sentence {i} starts with a lowercase letter: {quote(rest)}")
    return Verdict.ok("every sentence starts with a capital letter or a non-letter")


_DOUBLE_SPACE_RE = regex.compile(r"(?<=\S)[ \t]{2,}(?=\S)")


@constraint(
    "no_double_spaces",
    params=NoParams,
    family=GENERAL,
    summary="No run of two or more spaces or tabs between words.",
    details="Indentation at the start of a line, trailing spaces (markdown line breaks), lines inside fenced "
    "code and rows of markdown tables (as `tables` finds them, where cells are often padded: `| a  | b |`) are "
    "ignored.",
    example="no_double_spaces",
)
def no_double_spaces(p: NoParams, t: Text) -> Verdict:
    rows = table_rows(t)
    for n, ln in markdown(t).prose_lines:
        if n in rows:
            continue
        m = _DOUBLE_SPACE_RE.search(ln)
        if m:
            return Verdict.fail(f"found {len(m.group())} consecutive spaces/tabs at line {n}, column {m.start() + 1}")
    return Verdict.ok("no double spaces")
