"""The IFEvalG family (allenai/open-instruct's ``open_instruct/IFEvalG`` verifiers).

Two kinds of constraint live here:

- **Exact reproductions** (second half of the module) of the 29 IFEvalG instruction ids
  that IFEval lacks, verdict for verdict, quirks included; registered under a natural
  name, the id and ``ifevalg/<id>``. RLVR rows are scored with them. IFEvalG's other 25
  ids have IFEval's checkers and are served by :mod:`lsr_dsl.constraints.ifeval`.
- **lsr's own readings** of some of the same instructions (first half: ``first_word``,
  ``all_words_unique`` …): precise words and sentences (see :mod:`lsr_dsl.text.prose`),
  for hand-written specs; each names the exact constraint it departs from.

docs/ifevalg.md lists the ids, the names and the quirks.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import regex
from pydantic import Field, NonNegativeInt, PositiveInt, field_validator

from lsr_dsl.constraints.params import ALL_WORDS_DETAIL, CountParams, NoParams, same_word, SENTENCE_RULES, WordParams
from lsr_dsl.constraints.ifeval import KeywordFrequencyParams, LetterFrequencyParams, _pattern
from lsr_dsl.constraints.ifeval import keyword_frequency as ifeval_keyword_frequency
from lsr_dsl.constraints.ifeval import letter_frequency as ifeval_letter_frequency
from lsr_dsl.constraints.registry import blank_fails, constraint, Params, Relation, Verdict
from lsr_dsl.constraints.wording import all_of, plural, quote, relation_reason
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.prose import prose_words, sentences, WORD_RE, word_spans, words
from lsr_dsl.text.rule_sentences import split_into_sentences
from lsr_dsl.text.tokens import treebank_tokenize, word_tokenize

IFEVALG = "ifevalg"


@constraint(
    "all_words_unique",
    params=NoParams,
    family=IFEVALG,
    summary="No word is used twice (ignoring case).",
    details="lsr's reading of IFEvalG `count:count_unique` (\"only use unique words, no word should be repeated\"). "
    "Punctuation is not a word here and case is ignored; `unique_tokens` is the exact reproduction (NLTK tokens, "
    "punctuation included, case-sensitive)." + ALL_WORDS_DETAIL,
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
    details="lsr's reading of IFEvalG `count:lowercase_counting` (\"all lowercase words should appear at most N "
    "times\") is `lowercase_words <= N`; `lowercase_word_limit(N)` is the exact reproduction. A word counts when every cased letter in it is lowercase and it has at least "
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
    details="lsr's reading of IFEvalG `keywords:start_end` (exact: `start_end_token`). Needs at least two words; compared ignoring case; leading text before "
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
    details="lsr's reading of IFEvalG `first_word:first_word_answer` (exact: `response_first_word`). The first word of the prose: fenced code is left out, "
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
    details="lsr's reading of IFEvalG `last_word:last_word_answer` (exact: `response_last_word`). The last word of the prose: fenced code is left out (a "
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
    details="lsr's reading of IFEvalG `first_word:first_word_sent` (exact: `each_sentence_first_word`). " + SENTENCE_RULES + " A sentence's first word is its first "
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
    details="lsr's reading of IFEvalG `detectable_format:bigram_wrapping` (exact: `bigram_brackets`), made strict: outside the `<<…>>` groups there may only be "
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
    details="lsr's reading of IFEvalG `detectable_format:square_brackets` (exact: `bracketed_words`): each whitespace-separated token must be `[...]` "
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
    details="lsr's reading of IFEvalG `copy:copying_simple` (\"repeat the request without change\"; exact: "
    "`copy_request`, which lower-cases with str.lower): pass the request as `text`. "
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


# ===================================================================================
# Exact reproductions of open-instruct's IFEvalG checkers
#
# Every IFEvalG instruction id that IFEval does not have, checked verdict for verdict
# as allenai/open-instruct's ``open_instruct/IFEvalG/instructions.py`` checks it, quirks
# included (each stated in the constraint's details; docs/ifevalg.md lists them). The
# constraints above are lsr's own, stricter readings of some of the same instructions;
# the ones below are what RLVR rows are scored with. Each is registered under a natural
# name, its IFEvalG id and ``ifevalg/<id>``. IFEvalG's other 25 ids are IFEval's, with
# the same checkers: lsr_dsl.constraints.ifeval serves them.
#
# Conventions (as in the IFEval family): a blank response fails (open-instruct's RLVR
# verifier scores an empty or whitespace-only prediction 0 without calling a checker);
# where the reference draws a random value for a missing argument, ours is required.

#: Every IFEvalG instruction id, in the order of open-instruct's registry.
IFEVALG_ALL_IDS: Tuple[str, ...] = (
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_sentences", "length_constraints:number_paragraphs",
    "length_constraints:number_words", "length_constraints:nth_paragraph_first_word",
    "detectable_content:number_placeholders", "detectable_content:postscript", "detectable_format:number_bullet_lists",
    "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
    "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
    "combination:two_responses", "combination:repeat_prompt", "startend:end_checker",
    "change_case:capital_word_frequency", "change_case:english_capital", "change_case:english_lowercase",
    "punctuation:no_comma", "startend:quotation",
    "copy:repeat_phrase", "copy:copy", "new:copy_span_idx", "detectable_format:sentence_hyphens",
    "keywords:no_adjacent_consecutive", "detectable_format:square_brackets", "keywords:word_once",
    "keywords:word_count_different_numbers", "keywords:exclude_word_harder", "paragraphs:paragraphs",
    "paragraphs:paragraphs2", "first_word:first_word_sent", "first_word:first_word_answer",
    "last_word:last_word_sent", "last_word:last_word_answer", "detectable_format:bigram_wrapping",
    "copy:copying_simple", "copy:copying_multiple", "punctuation:punctuation_dot",
    "punctuation:punctuation_exclamation", "count:lowercase_counting", "letters:letter_counting",
    "letters:letter_counting2", "count:counting_composition", "count:count_unique", "count:count_increment_word",
    "keywords:palindrome", "keywords:keyword_specific_position", "keywords:start_end",
)  # fmt: skip

#: IFEvalG id (of the 29 IFEval lacks) -> our constraint name (filled by ``_exact``).
IFEVALG_IDS: Dict[str, str] = {}



def _exact(
    name: str,
    ids: Tuple[str, ...],
    params: type,
    summary: str,
    example: str,
    details: str,
    *,
    positional: Tuple[str, ...] = (),
    count_param: Optional[str] = None,
) -> Callable:
    """Register an exact IFEvalG check under ``name``, each id and ``ifevalg/<id>``; a blank response fails."""

    def deco(fn: Callable[[Any, Text], Verdict]) -> Callable[[Any, Text], Verdict]:
        check = blank_fails(fn)

        aliases: List[str] = []
        for i in ids:
            IFEVALG_IDS[i] = name
            aliases += [i, "ifevalg/" + i]
        cited = " / ".join(f"`{i}`" for i in ids)
        constraint(
            name,
            params=params,
            aliases=aliases,
            positional=positional,
            count_param=count_param,
            family=IFEVALG,
            summary=summary,
            example=example,
            details=f"IFEvalG {cited}, exactly as open-instruct checks it. {details} A blank response fails.",
        )(check)
        return check

    return deco


def _every(n: int, noun: str) -> str:
    """'each of the 3 sentences' / 'the only sentence' / 'no sentence: vacuously, each'."""
    if n == 0:
        return f"there is no {noun}, so vacuously each"
    return f"the only {noun}" if n == 1 else f"each of the {n} {noun}s"


def _rule_sentences(t: Text) -> List[str]:
    return t.memo("ifevalg.rule_sentences", lambda x: split_into_sentences(x.text))


def _tokens(t: Text) -> List[str]:
    """Whitespace-separated tokens (``str.split()``)."""
    return t.memo("ifevalg.split", lambda x: x.text.split())


def _occurrences(keyword: str, t: Text) -> int:
    """The reference's ``len(re.findall(keyword, text, re.IGNORECASE))`` (an invalid regex: literal)."""
    return sum(1 for _ in _pattern(keyword, literal=False, whole_word=False).finditer(t.text))


def _stripped(v: Any) -> Any:
    return v.strip() if isinstance(v, str) else v


def _first_of_list(v: Any) -> Any:
    """IFEvalG takes the first element when a word argument is given as a list."""
    if isinstance(v, (list, tuple)) and v:
        v = v[0]
    return _stripped(v)


def _non_blank(field: str) -> Callable[[str], str]:
    def check(v: str) -> str:
        if not v.strip():
            raise ValueError(f"{field} must not be blank (the reference would draw a random one)")
        return v

    return check


# -- copying ------------------------------------------------------------------------

class PromptParams(Params):
    prompt_to_repeat: str = Field(min_length=1, description="The request to copy (compared stripped, ignoring case with str.lower).")


def _same_text(a: str, b: str) -> Tuple[bool, str]:
    x, y = a.strip().lower(), b.strip().lower()
    if x == y:
        return True, "the response is the text, ignoring case and surrounding whitespace"
    i = 0
    for c1, c2 in zip(x, y):
        if c1 != c2:
            break
        i += 1
    if i == len(x):
        return False, f"the response stops after {i} of {len(y)} characters of the text"
    if i == len(y):
        return False, f"the response continues after the text: {quote(x[i:])}"
    return False, f"the response differs at character {i + 1}: {quote(x[i:i + 20])} instead of {quote(y[i:i + 20])}"


@_exact(
    "copy_request",
    ("copy:copy", "copy:copying_simple"),
    PromptParams,
    "The response is the request copied verbatim (ignoring case and surrounding whitespace), nothing else.",
    'copy_request("Write a haiku about autumn.")',
    "Both sides are stripped of whitespace and lower-cased (str.lower) before comparing; nothing may come "
    "before or after the copy.",
    positional=("prompt_to_repeat",),
)
def copy_request(p: PromptParams, t: Text) -> Verdict:
    return Verdict.of(*_same_text(t.text, p.prompt_to_repeat))


class CopyTimesParams(PromptParams):
    N: NonNegativeInt = Field(description="How many copies, separated by ****** (six asterisks).")


@_exact(
    "copy_request_n_times",
    ("copy:copying_multiple",),
    CopyTimesParams,
    "The request copied N times, the copies separated by ******, nothing else.",
    'copy_request_n_times("Say hi.", N=2)',
    "The response is split on `******`; there must be exactly N pieces, each equal to the request after "
    "stripping and lower-casing (so a separator at the very start or end makes an empty piece and fails). "
    "N=0 never passes (the reference draws a random N for 0).",
    positional=("prompt_to_repeat", "N"),
)
def copy_request_n_times(p: CopyTimesParams, t: Text) -> Verdict:
    parts = t.text.split("******")
    if len(parts) != p.N:
        return Verdict.fail(f"found {plural(len(parts), 'piece')} between ****** separators; need {p.N}")
    for i, part in enumerate(parts, 1):
        ok, why = _same_text(part, p.prompt_to_repeat)
        if not ok:
            return Verdict.fail(f"copy {i}: {why}")
    return Verdict.ok(f"{plural(p.N, 'copy', 'copies')} of the request")


class CopySpanParams(PromptParams):
    n_start: int = Field(description="Start of the span: a Python slice index into prompt_to_repeat (character).")
    n_end: int = Field(description="End of the span: a Python slice index, exclusive (despite the instruction text).")


@_exact(
    "copy_span",
    ("new:copy_span_idx",),
    CopySpanParams,
    "The response is the span prompt_to_repeat[n_start:n_end] (ignoring case and surrounding whitespace).",
    'copy_span("The quick brown fox", n_start=4, n_end=9)',
    "The span is Python's slice `prompt_to_repeat[n_start:n_end]`: n_end is exclusive, although the "
    "instruction says 'including'; negative indices count from the end. Both sides are stripped and "
    "lower-cased. The reference draws a random index when n_start or n_end is 0; lsr takes 0 literally.",
    positional=("prompt_to_repeat", "n_start", "n_end"),
)
def copy_span(p: CopySpanParams, t: Text) -> Verdict:
    ok, why = _same_text(t.text, p.prompt_to_repeat[p.n_start:p.n_end])
    return Verdict.of(ok, why.replace("the text", "the span"))


class RepeatPhraseParams(Params):
    phrase: str = Field(description="The phrase to repeat, each time with exactly one word changed.")
    small_n: NonNegativeInt = Field(description="How many times the changed phrase must appear.")

    _strip = field_validator("phrase", mode="before")(classmethod(lambda cls, v: _stripped(v)))

    @field_validator("phrase")
    @classmethod
    def _has_words(cls, v: str) -> str:
        if not v.split():
            raise ValueError("phrase must have at least one word")
        return v


@_exact(
    "repeat_phrase",
    ("copy:repeat_phrase",),
    RepeatPhraseParams,
    "The phrase appears exactly small_n times, each time with exactly one word changed.",
    'repeat_phrase("The early bird catches the worm", small_n=2)',
    "Occurrences are the non-overlapping matches of `<first word> .*? <last word>` (case-sensitive, within a "
    "line; the two words are regular expressions as written, matched literally if invalid), as "
    "`re.findall` returns them. There must be exactly small_n; each, split on whitespace, must have as many "
    "tokens as the phrase and differ from it in exactly one position (an unchanged copy is not counted, and "
    "a copy with two changes, or a different length, fails the whole check).",
    positional=("phrase", "small_n"),
)
def repeat_phrase(p: RepeatPhraseParams, t: Text) -> Verdict:
    ref = p.phrase.split()
    rx = _pattern(f"{ref[0]} .*? {ref[-1]}", literal=False, whole_word=False, flags=0)
    found = rx.findall(t.text)
    if len(found) != p.small_n:
        return Verdict.fail(f"found the phrase {plural(len(found), 'time')}; need exactly {p.small_n}")
    changed = 0
    for k, hit in enumerate(found, 1):
        toks = (hit if isinstance(hit, str) else (hit[0] if hit else "")).split()
        if len(toks) != len(ref):
            return Verdict.fail(f"occurrence {k} {quote(' '.join(toks))} has {len(toks)} words; the phrase has {len(ref)}")
        diffs = sum(1 for a, b in zip(toks, ref) if a != b)
        if diffs > 1:
            return Verdict.fail(f"occurrence {k} {quote(' '.join(toks))} changes {diffs} words; at most one")
        changed += diffs == 1
    if changed != p.small_n:
        return Verdict.fail(f"{changed} of {plural(len(found), 'occurrence')} change exactly one word; need {p.small_n}")
    return Verdict.ok(f"the phrase appears {plural(p.small_n, 'time')}, each with one word changed")


# -- punctuation and brackets ---------------------------------------------------------


def _no_char(ch: str, what: str, t: Text) -> Verdict:
    i = t.text.find(ch)
    if i < 0:
        return Verdict.ok(f"no {what}")
    line, col = t.line_col(i)
    return Verdict.fail(f"found {plural(t.text.count(ch), what[:-1] if what.endswith('s') else what)}; the first at line {line}, column {col}")


@_exact(
    "no_dot",
    ("punctuation:punctuation_dot",),
    NoParams,
    "The response contains no '.' at all.",
    "no_dot",
    "Any U+002E counts (decimals, URLs, ellipses); other full stops such as '。' do not.",
)
def no_dot(p: NoParams, t: Text) -> Verdict:
    return _no_char(".", "dots", t)


@_exact(
    "no_exclamation",
    ("punctuation:punctuation_exclamation",),
    NoParams,
    "The response contains no '!' at all.",
    "no_exclamation",
    "Only U+0021 counts ('！' does not).",
)
def no_exclamation(p: NoParams, t: Text) -> Verdict:
    return _no_char("!", "exclamation marks", t)


@_exact(
    "bracketed_words",
    ("detectable_format:square_brackets",),
    NoParams,
    "Every whitespace-separated token starts with '[' and ends with ']'.",
    "bracketed_words",
    "So `[Hello] [world].` fails (the last token ends with '.'), `[two words]` fails, `[]` passes. "
    "(`square_brackets` is lsr's own, more forgiving reading.)",
)
def bracketed_words(p: NoParams, t: Text) -> Verdict:
    toks = _tokens(t)
    for i, w in enumerate(toks, 1):
        if not (w.startswith("[") and w.endswith("]")):
            return Verdict.fail(f"token {i} {quote(w)} is not enclosed in square brackets")
    return Verdict.ok(f"{all_of(len(toks), 'token')} in square brackets")


@_exact(
    "bigram_brackets",
    ("detectable_format:bigram_wrapping",),
    NoParams,
    "Tokens in pairs: the 1st, 3rd, 5th … whitespace token starts with '<<' and the next one ends with '>>'.",
    "bigram_brackets",
    "Only the pairs (1,2), (3,4) … of whitespace tokens are checked; an odd last token is not. So `<<I "
    "am>> <<at home>>` passes, and so does `<<I x y am>>`-style text whose pairs happen to fit. "
    "(`bigram_wrapping` is lsr's own, stricter reading.)",
)
def bigram_brackets(p: NoParams, t: Text) -> Verdict:
    toks = _tokens(t)
    for i in range(0, len(toks) - 1, 2):
        if not (toks[i].startswith("<<") and toks[i + 1].endswith(">>")):
            return Verdict.fail(f"tokens {i + 1}-{i + 2} {quote(toks[i] + ' ' + toks[i + 1])} are not wrapped in << >>")
    return Verdict.ok(f"{plural(len(toks) // 2, 'token pair')} wrapped in << >>")


@_exact(
    "hyphenated_sentences",
    ("detectable_format:sentence_hyphens",),
    NoParams,
    "Sentences joined by hyphens with no spaces around them.",
    "hyphenated_sentences",
    "The reference splits the text with every '-' turned into a space into IFEval's rule-based sentences "
    "(not Punkt), splits the raw text on '-', and pairs the two lists in order (the longer one's extra "
    "items are ignored): each '-' piece must equal its sentence and have no surrounding whitespace. So a "
    "single sentence without hyphens passes, and a hyphenated word inside a sentence fails.",
)
def hyphenated_sentences(p: NoParams, t: Text) -> Verdict:
    gold = split_into_sentences(t.text.replace("-", " "))
    for i, (piece, sent) in enumerate(zip(t.text.split("-"), gold), 1):
        if piece.strip() != piece:
            return Verdict.fail(f"piece {i} {quote(piece)} has whitespace around it")
        if piece != sent:
            return Verdict.fail(f"piece {i} {quote(piece)} is not sentence {i} {quote(sent)}")
    return Verdict.ok("the sentences are joined by hyphens")


# -- words at positions -----------------------------------------------------------------

class FirstWordParams(Params):
    first_word: str = Field(description="The word (compared with str.lower on both sides).")

    _first = field_validator("first_word", mode="before")(classmethod(lambda cls, v: _first_of_list(v)))
    _nb = field_validator("first_word")(classmethod(lambda cls, v: _non_blank("first_word")(v)))


class LastWordParams(Params):
    last_word: str = Field(description="The word (compared with str.lower on both sides).")

    _first = field_validator("last_word", mode="before")(classmethod(lambda cls, v: _first_of_list(v)))
    _nb = field_validator("last_word")(classmethod(lambda cls, v: _non_blank("last_word")(v)))


_NOT_WORD_OR_SPACE = re.compile(r"[^\w\s]")


@_exact(
    "response_first_word",
    ("first_word:first_word_answer",),
    FirstWordParams,
    "The first whitespace-separated token of the response is first_word (ignoring case).",
    'response_first_word("Absolutely")',
    "The token is compared as is: `Absolutely,` or `**Absolutely**` is not `Absolutely`. (`first_word` is "
    "lsr's reading, which skips punctuation and markdown.)",
    positional=("first_word",),
)
def response_first_word(p: FirstWordParams, t: Text) -> Verdict:
    w = _tokens(t)[0]
    if w.lower() == p.first_word.lower():
        return Verdict.ok(f"the first word is {quote(w)}")
    return Verdict.fail(f"the first word is {quote(w)}, not {quote(p.first_word)}")


@_exact(
    "response_last_word",
    ("last_word:last_word_answer",),
    LastWordParams,
    "The last whitespace-separated token of the response, without punctuation, is last_word (ignoring case).",
    'response_last_word("goodbye")',
    "Every character that is neither a word character nor whitespace (Python `re`'s Unicode `\\w`) is "
    "removed from the last token, anywhere in it (`good-bye.` becomes `goodbye`).",
    positional=("last_word",),
)
def response_last_word(p: LastWordParams, t: Text) -> Verdict:
    w = _NOT_WORD_OR_SPACE.sub("", _tokens(t)[-1])
    if w.lower() == p.last_word.lower():
        return Verdict.ok(f"the last word is {quote(w)}")
    return Verdict.fail(f"the last word is {quote(w)}, not {quote(p.last_word)}")


_RULE_SENTENCES = (
    " Sentences are IFEval's rule-based `split_into_sentences` (not Punkt): line breaks are spaces, "
    "every '.', '?' and '!' ends a sentence except in `Mr.`/`Dr.`-style titles, web suffixes, decimals, "
    "initials and acronyms."
)


@_exact(
    "each_sentence_first_word",
    ("first_word:first_word_sent",),
    FirstWordParams,
    "Every sentence starts with first_word (its first whitespace token, ignoring case).",
    'each_sentence_first_word("Notably")',
    "A sentence's first whitespace token is compared as is (`Notably,` is not `Notably`); an empty "
    "sentence fails." + _RULE_SENTENCES + " A list given as first_word means its first item.",
    positional=("first_word",),
)
def each_sentence_first_word(p: FirstWordParams, t: Text) -> Verdict:
    sents = _rule_sentences(t)
    for i, s in enumerate(sents, 1):
        if not s.strip():
            return Verdict.fail(f"sentence {i} is empty")
        w = s.split()[0]
        if w.lower() != p.first_word.lower():
            return Verdict.fail(f"sentence {i} starts with {quote(w)}, not {quote(p.first_word)}")
    return Verdict.ok(f"{_every(len(sents), 'sentence')} starts with {quote(p.first_word)}")


@_exact(
    "each_sentence_last_word",
    ("last_word:last_word_sent",),
    LastWordParams,
    "Every sentence ends with last_word (its last whitespace token without punctuation, ignoring case).",
    'each_sentence_last_word("forever")',
    "From a sentence's last whitespace token every character that is neither a word character nor "
    "whitespace is removed; an empty sentence fails." + _RULE_SENTENCES + " A list given as last_word "
    "means its first item.",
    positional=("last_word",),
)
def each_sentence_last_word(p: LastWordParams, t: Text) -> Verdict:
    sents = _rule_sentences(t)
    for i, s in enumerate(sents, 1):
        if not s.strip():
            return Verdict.fail(f"sentence {i} is empty")
        w = _NOT_WORD_OR_SPACE.sub("", s.split()[-1])
        if w.lower() != p.last_word.lower():
            return Verdict.fail(f"sentence {i} ends with {quote(w)}, not {quote(p.last_word)}")
    return Verdict.ok(f"{_every(len(sents), 'sentence')} ends with {quote(p.last_word)}")


class KeywordPositionParams(Params):
    keyword: str = Field(description="The token expected there (case-sensitive; a list means its first item).")
    n: PositiveInt = Field(description="The sentence, counted from 1.")
    m: PositiveInt = Field(description="The token within that sentence, counted from 1.")

    _first = field_validator("keyword", mode="before")(classmethod(lambda cls, v: _first_of_list(v)))
    _nb = field_validator("keyword")(classmethod(lambda cls, v: _non_blank("keyword")(v)))


@_exact(
    "keyword_at_position",
    ("keywords:keyword_specific_position",),
    KeywordPositionParams,
    "The m-th token of the n-th sentence is keyword.",
    'keyword_at_position("ocean", n=2, m=3)',
    "Sentence n of IFEval's rule-based splitter (line breaks are spaces; '.', '?', '!' end sentences) is "
    "split into NLTK `word_tokenize` tokens (punctuation and clitics such as `n't` are tokens); token m "
    "must equal keyword exactly, case included.",
    positional=("keyword", "n", "m"),
)
def keyword_at_position(p: KeywordPositionParams, t: Text) -> Verdict:
    sents = _rule_sentences(t)
    if len(sents) < p.n:
        return Verdict.fail(f"found {plural(len(sents), 'sentence')}; there is no sentence {p.n}")
    toks = word_tokenize(sents[p.n - 1])
    if len(toks) < p.m:
        return Verdict.fail(f"sentence {p.n} has {plural(len(toks), 'token')}; there is no token {p.m}")
    w = toks[p.m - 1]
    if w == p.keyword:
        return Verdict.ok(f"token {p.m} of sentence {p.n} is {quote(w)}")
    return Verdict.fail(f"token {p.m} of sentence {p.n} is {quote(w)}, not {quote(p.keyword)}")


@_exact(
    "start_end_token",
    ("keywords:start_end",),
    NoParams,
    "The first and last NLTK tokens of the response are the same word (ignoring case).",
    "start_end_token",
    "Tokens are NLTK `word_tokenize`'s, so final punctuation is a token of its own: `Hello world hello.` "
    "ends with '.' and fails. At least two tokens are needed. (`start_end_same_word` is lsr's reading.)",
)
def start_end_token(p: NoParams, t: Text) -> Verdict:
    # Only the first and the last Punkt sentence need tokenizing (each gives at least one token).
    sents = t.sentences
    head = treebank_tokenize(sents[0]) if sents else []
    toks = head if len(sents) < 2 else [head[0], treebank_tokenize(sents[-1])[-1]]
    if len(toks) < 2:
        return Verdict.fail(f"the response has {plural(len(toks), 'token')}; need at least 2")
    if toks[0].lower() == toks[-1].lower():
        return Verdict.ok(f"starts and ends with {quote(toks[0])}")
    return Verdict.fail(f"starts with {quote(toks[0])} but ends with {quote(toks[-1])}")


@_exact(
    "no_consecutive_letter_starts",
    ("keywords:no_adjacent_consecutive",),
    NoParams,
    "No two adjacent tokens start with consecutive letters of the alphabet (like 'a' then 'b').",
    "no_consecutive_letter_starts",
    "Tokens are whitespace-separated; their first characters are lower-cased (str.lower) and compared by "
    "code point, so any characters count ('1 2' and '. /' clash too), and a first character whose lower "
    "case is two characters long (such as 'İ') fails the check.",
)
def no_consecutive_letter_starts(p: NoParams, t: Text) -> Verdict:
    toks = _tokens(t)
    for i in range(len(toks) - 1):
        a, b = toks[i][0].lower(), toks[i + 1][0].lower()
        if len(a) != 1 or len(b) != 1:
            return Verdict.fail(f"{quote(toks[i] if len(a) != 1 else toks[i + 1])} starts with a letter whose lower case is not one character")
        if ord(b) - ord(a) == 1:
            return Verdict.fail(f"{quote(toks[i])} and {quote(toks[i + 1])} start with consecutive letters {a!r}, {b!r}")
    return Verdict.ok("no adjacent tokens start with consecutive letters")


@_exact(
    "palindrome_token",
    ("keywords:palindrome",),
    NoParams,
    "Some whitespace-separated token reads the same backwards.",
    "palindrome_token",
    "Case and punctuation count, and any one-character token is a palindrome, so `a` or `I` passes and "
    "`Level` does not.",
)
def palindrome_token(p: NoParams, t: Text) -> Verdict:
    for w in _tokens(t):
        if w == w[::-1]:
            return Verdict.ok(f"{quote(w)} is a palindrome")
    return Verdict.fail("no token reads the same backwards")


# -- keywords ---------------------------------------------------------------------------

class KeywordParams(Params):
    keyword: str = Field(description="A case-insensitive regular expression (matched literally if invalid).")

    _strip = field_validator("keyword", mode="before")(classmethod(lambda cls, v: _stripped(v)))
    _nb = field_validator("keyword")(classmethod(lambda cls, v: _non_blank("keyword")(v)))


@_exact(
    "keyword_once",
    ("keywords:word_once",),
    KeywordParams,
    "The keyword occurs exactly once (case-insensitive, also inside longer words).",
    'keyword_once("ocean")',
    "Occurrences are non-overlapping `re.findall` matches of the keyword as a regular expression, "
    "ignoring case, anywhere (`cat` inside `category` counts).",
    positional=("keyword",),
)
def keyword_once(p: KeywordParams, t: Text) -> Verdict:
    n = _occurrences(p.keyword, t)
    return Verdict.of(n == 1, f"found {plural(n, 'occurrence')} of {quote(p.keyword)}; need exactly 1")


class TwoKeywordsParams(Params):
    keyword1: str = Field(description="Must occur exactly once (case-insensitive regular expression).")
    keyword2: str = Field(description="Must occur exactly twice (case-insensitive regular expression).")

    _strip = field_validator("keyword1", "keyword2", mode="before")(classmethod(lambda cls, v: _stripped(v)))

    @field_validator("keyword1", "keyword2")
    @classmethod
    def _nb(cls, v: str, info: Any) -> str:
        return _non_blank(info.field_name)(v)


@_exact(
    "keyword_once_and_twice",
    ("count:count_increment_word",),
    TwoKeywordsParams,
    "keyword1 occurs exactly once and keyword2 exactly twice (case-insensitive, also inside longer words).",
    'keyword_once_and_twice(keyword1="sun", keyword2="moon")',
    "Occurrences are counted as for `keyword_once`: regular-expression matches anywhere, ignoring case.",
    positional=("keyword1", "keyword2"),
)
def keyword_once_and_twice(p: TwoKeywordsParams, t: Text) -> Verdict:
    a, b = _occurrences(p.keyword1, t), _occurrences(p.keyword2, t)
    ok = a == 1 and b == 2
    return Verdict.of(ok, f"found {quote(p.keyword1)} {plural(a, 'time')} (need 1) and {quote(p.keyword2)} {plural(b, 'time')} (need 2)")


class ExcludeWordParams(Params):
    keyword: str = Field(description="The word that must not appear between two spaces (case-sensitive).")
    instruction: Optional[str] = Field(None, description="Accepted for IFEvalG's kwargs and ignored (the reference "
                                       "draws the keyword from it only when keyword is missing).")

    _strip = field_validator("keyword", mode="before")(classmethod(lambda cls, v: _stripped(v)))
    _nb = field_validator("keyword")(classmethod(lambda cls, v: _non_blank("keyword")(v)))


@_exact(
    "exclude_word",
    ("keywords:exclude_word_harder",),
    ExcludeWordParams,
    "The text ' keyword ' (with a space on each side) does not occur.",
    'exclude_word("very")',
    "A plain, case-sensitive substring test for the keyword between two ASCII spaces: the word at the "
    "start or end of the response, before punctuation or a line break, or in other case is not caught.",
    positional=("keyword",),
)
def exclude_word(p: ExcludeWordParams, t: Text) -> Verdict:
    needle = " " + p.keyword + " "
    i = t.text.find(needle)
    if i < 0:
        return Verdict.ok(f"{quote(needle)} does not occur")
    line, col = t.line_col(i + 1)
    return Verdict.fail(f"{quote(p.keyword)} occurs between spaces at line {line}, column {col}")


# -- counting ---------------------------------------------------------------------------

class AtMostNParams(Params):
    N: NonNegativeInt = Field(description="The most lowercase words allowed.")


_ASCII_LOWER_WORD = re.compile(r"\b[a-z]+\b")


@_exact(
    "lowercase_word_limit",
    ("count:lowercase_counting",),
    AtMostNParams,
    "At most N lowercase words (runs of a-z between word boundaries).",
    "lowercase_word_limit(N=10)",
    "A lowercase word is a match of `\\b[a-z]+\\b` (Python `re`, Unicode word boundaries): `don't` holds "
    "two (`don`, `t`), `Hello` and `café` none. (`lowercase_words` is lsr's Unicode-aware reading.)",
    positional=("N",),
)
def lowercase_word_limit(p: AtMostNParams, t: Text) -> Verdict:
    n = len(_ASCII_LOWER_WORD.findall(t.text))
    return Verdict.of(n <= p.N, f"found {plural(n, 'lowercase word')}; need at most {p.N}")


class LetterCountParams(Params):
    N: NonNegativeInt = Field(description="The number of ASCII letters to compare with.")
    relation: Relation = Field(description="'at least' or 'less than' (the only two the reference knows).")

    @field_validator("relation")
    @classmethod
    def _two(cls, v: Relation) -> Relation:
        if v not in (Relation.GE, Relation.LT):
            raise ValueError("relation must be 'at least' (>=) or 'less than' (<); IFEvalG fails every response otherwise")
        return v


_ASCII_LETTER = re.compile(r"[a-zA-Z]")


@_exact(
    "ascii_letter_count",
    ("letters:letter_counting",),
    LetterCountParams,
    "The number of ASCII letters a-z, A-Z compared with N ('at least' or 'less than').",
    'ascii_letter_count(N=100, relation="at least")',
    "Only ASCII letters count (not `é`, not digits). The reference knows only the relations 'at least' "
    "and 'less than' (any other fails every response), so lsr accepts only those (>= and <).",
    count_param="N",
)
def ascii_letter_count(p: LetterCountParams, t: Text) -> Verdict:
    n = len(_ASCII_LETTER.findall(t.text))
    return relation_reason(n, p.relation, p.N, "ASCII letter")


@_exact(
    "unique_tokens",
    ("count:count_unique",),
    NoParams,
    "No NLTK token occurs twice (case-sensitive; punctuation tokens count).",
    "unique_tokens",
    "Tokens are NLTK `word_tokenize`'s: two sentences ending in '.' repeat the token '.', and fail; `The` "
    "and `the` are different. (`all_words_unique` is lsr's reading: words only, ignoring case.)",
)
def unique_tokens(p: NoParams, t: Text) -> Verdict:
    seen = set()
    for sentence in t.sentences:  # sentence by sentence, so that a repeat stops early
        for w in treebank_tokenize(sentence):
            if w in seen:
                return Verdict.fail(f"the token {quote(w)} occurs more than once")
            seen.add(w)
    return Verdict.ok(f"{all_of(len(seen), 'token')} distinct")


def _divided_parts(parts: List[str]) -> Tuple[Optional[int], int]:
    """(count, index of an empty inner part or -1): empty first/last parts are not counted."""
    n = len(parts)
    for i, part in enumerate(parts):
        if not part.strip():
            if i == 0 or i == len(parts) - 1:
                n -= 1
            else:
                return None, i
    return n, -1


def _two_parts(parts: List[str], sep: str) -> Verdict:
    n, empty = _divided_parts(parts)
    if n is None:
        return Verdict.fail(f"paragraph {empty + 1} between {sep} separators is empty")
    return Verdict.of(n == 2, f"found {plural(n, 'paragraph')}; need exactly 2")


_DIVIDER = re.compile(r"\s?\*\*\*\s?")


@_exact(
    "two_paragraphs_divided",
    ("paragraphs:paragraphs",),
    NoParams,
    "Exactly two paragraphs separated by the markdown divider ***.",
    "two_paragraphs_divided",
    "The text is split on `***` (with one optional whitespace character on each side); an empty first or "
    "last part is not counted, an empty part in between fails (as IFEval's `paragraphs`).",
)
def two_paragraphs_divided(p: NoParams, t: Text) -> Verdict:
    return _two_parts(_DIVIDER.split(t.text), "***")


@_exact(
    "two_paragraphs_blank_line",
    ("paragraphs:paragraphs2",),
    NoParams,
    "Exactly two paragraphs separated by one blank line (\\n\\n).",
    "two_paragraphs_blank_line",
    "The text is split on every `\\n\\n`; an empty first or last part is not counted, an empty part in "
    "between fails, so three line breaks in a row (`\\n\\n\\n` leaves no empty part, but `\\n\\n\\n\\n` "
    "does) decide the verdict.",
)
def two_paragraphs_blank_line(p: NoParams, t: Text) -> Verdict:
    return _two_parts(t.text.split("\n\n"), "blank-line")


class CompositionParams(Params):
    n_sent: NonNegativeInt = Field(description="Sentences in each of the 3 paragraphs.")
    n_words: NonNegativeInt = Field(description="NLTK tokens in each sentence (punctuation included).")


@_exact(
    "counting_composition",
    ("count:counting_composition",),
    CompositionParams,
    "Three ***-separated paragraphs, each of n_sent sentences, each sentence of n_words tokens.",
    "counting_composition(n_sent=2, n_words=5)",
    "Paragraphs: the text split on `***` (an empty inner part fails). Every part, even an empty first or "
    "last one, must have exactly n_sent rule-based sentences (IFEval's `split_into_sentences`), so a "
    "leading or trailing `***` fails; every sentence must have exactly n_words NLTK `word_tokenize` "
    "tokens, so the final '.' is one of them. Then there must be 3 non-empty parts. The reference draws "
    "random counts for 0; lsr takes 0 literally.",
    positional=("n_sent", "n_words"),
)
def counting_composition(p: CompositionParams, t: Text) -> Verdict:
    parts = _DIVIDER.split(t.text)
    n = len(parts)
    for i, part in enumerate(parts, 1):
        if not part.strip():
            if i == 1 or i == len(parts):
                n -= 1
            else:
                return Verdict.fail(f"paragraph {i} between *** dividers is empty")
        sents = split_into_sentences(part)
        if len(sents) != p.n_sent:
            return Verdict.fail(f"paragraph {i} has {plural(len(sents), 'sentence')}; need {p.n_sent}")
        for k, s in enumerate(sents, 1):
            toks = word_tokenize(s)
            if len(toks) != p.n_words:
                return Verdict.fail(f"sentence {k} of paragraph {i} has {plural(len(toks), 'token')}; need {p.n_words}")
    return Verdict.of(n == 3, f"found {plural(n, 'paragraph')}; need exactly 3")


# -- IFEval checks under a second IFEvalG id ----------------------------------------------

@_exact(
    "keyword_occurrences",
    ("keywords:word_count_different_numbers",),
    KeywordFrequencyParams,
    "A keyword appears a given number of times (case-insensitive, also inside longer words).",
    'keyword_occurrences(keyword="data", frequency=3, relation="at least")',
    "The same check as IFEval's `keywords:frequency` (`keyword_frequency`): regular-expression matches "
    "anywhere, ignoring case. Default relation: at least.",
    positional=("keyword",),
    count_param="frequency",
)
def keyword_occurrences(p: KeywordFrequencyParams, t: Text) -> Verdict:
    return ifeval_keyword_frequency(p, t)


@_exact(
    "letter_occurrences",
    ("letters:letter_counting2",),
    LetterFrequencyParams,
    "A letter appears a given number of times (case-insensitive).",
    'letter_occurrences(letter="z", let_frequency=5, let_relation="at least")',
    "The same check as IFEval's `keywords:letter_frequency` (`letter_frequency`): the letter is counted "
    "in the lower-cased response. Default relation: at least.",
    positional=("letter",),
    count_param="let_frequency",
)
def letter_occurrences(p: LetterFrequencyParams, t: Text) -> Verdict:
    return ifeval_letter_frequency(p, t)
