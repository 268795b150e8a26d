"""Rule-checkable members of the IFEvalG family (allenai/open-instruct's IFEvalG verifiers).

Each definition cites the original instruction id in ``details``. The semantics
are made precise here (word: see :mod:`lsr_dsl.text.prose`); where the original
checker was looser or tokenised differently the difference is stated.
"""
from __future__ import annotations

import regex
from pydantic import Field, field_validator

from lsr_dsl.constraints.params import ALL_WORDS_DETAIL, CountParams, NoParams, same_word, SENTENCE_RULES, WordParams
from lsr_dsl.constraints.registry import constraint, Params, Verdict
from lsr_dsl.constraints.wording import all_of, plural, quote, relation_reason
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.prose import prose_words, sentences, WORD_RE, word_spans, words

IFEVALG = "ifevalg"


@constraint(
    "all_words_unique",
    params=NoParams,
    family=IFEVALG,
    summary="No word is used twice (ignoring case).",
    details="IFEvalG `count:count_unique` (\"only use unique words, no word should be repeated\"). Punctuation "
    "is not a word here (the original compared tokenizer output, punctuation included, case-sensitively)." + ALL_WORDS_DETAIL,
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
    + ALL_WORDS_DETAIL,
    example="lowercase_words <= 40",
)
def lowercase_words(p: CountParams, t: Text) -> Verdict:
    n = sum(1 for w in words(t) if w.islower())
    return relation_reason(n, p.relation, p.n, "lowercase word")


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
    if same_word(ws[0], ws[-1]):
        return Verdict.ok(f"starts and ends with {quote(ws[0])}")
    return Verdict.fail(f"starts with {quote(ws[0])} but ends with {quote(ws[-1])}")


@constraint(
    "first_word",
    params=WordParams,
    positional=("word",),
    family=IFEVALG,
    summary="The first word of the response is `word` (ignoring case).",
    details="IFEvalG `first_word:first_word_answer`. The first word of the prose: fenced code is left out, "
    "and leading punctuation, emphasis marks, heading `#` marks, list markers (`-`, `*`, `+`, `•`, `1.`, `1)`) "
    "and table pipes are skipped, so `1. Absolutely` and `**Absolutely**` start with `Absolutely`.",
    example='first_word("Absolutely")',
)
def first_word(p: WordParams, t: Text) -> Verdict:
    ws = prose_words(t)
    if not ws:
        return Verdict.fail("the response has no words outside fenced code")
    if same_word(ws[0], p.word):
        return Verdict.ok(f"the first word is {quote(ws[0])}")
    return Verdict.fail(f"the first word is {quote(ws[0])}, not {quote(p.word)}")


@constraint(
    "last_word",
    params=WordParams,
    positional=("word",),
    family=IFEVALG,
    summary="The last word of the response is `word` (ignoring case; trailing punctuation allowed).",
    details="IFEvalG `last_word:last_word_answer`. The last word of the prose: fenced code is left out (a "
    "code block after the closing sentence does not change the last word); trailing punctuation and markup "
    "are ignored.",
    example='last_word("goodbye")',
)
def last_word(p: WordParams, t: Text) -> Verdict:
    ws = prose_words(t)
    if not ws:
        return Verdict.fail("the response has no words outside fenced code")
    if same_word(ws[-1], p.word):
        return Verdict.ok(f"the last word is {quote(ws[-1])}")
    return Verdict.fail(f"the last word is {quote(ws[-1])}, not {quote(p.word)}")


@constraint(
    "sentences_start_with",
    params=WordParams,
    positional=("word",),
    family=IFEVALG,
    summary="Every sentence begins with `word` (ignoring case).",
    details="IFEvalG `first_word:first_word_sent`. " + SENTENCE_RULES + " A sentence's first word is its first "
    "run of letters/digits (leading punctuation and markers skipped). An empty response (or only fenced code) fails.",
    example='sentences_start_with("Notably")',
)
def sentences_start_with(p: WordParams, t: Text) -> Verdict:
    sents = sentences(t)
    if not sents:
        return Verdict.fail("the response has no sentences")
    for i, s in enumerate(sents, 1):
        m = WORD_RE.search(s)
        w = m.group() if m else ""
        if not same_word(w, p.word):
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
