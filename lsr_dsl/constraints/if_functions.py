"""open-instruct's older RLVR verifier functions (``open_instruct/if_functions.py``), exactly.

The ``{"func_name": …, <args>}`` ground truth of allenai's RLVR-IFeval data (Tülu 3) names
one of 25 functions that re-implement IFEval's instruction types in simpler ways: words
are ``str.split()`` tokens, keywords are plain substrings, ``"around"`` allows a
tolerance, paragraphs are ``* * *``-separated, and so on. Each is registered here under its
own function name (family ``if_functions``) with its own argument names, and checks as the
function does; ``lsr eval`` scores such rows with them. docs/ifevalg.md lists the quirks.

Unlike IFEval's harness, open-instruct's ``IFEvalVerifierOld`` calls the function even on
an empty response, so a blank response is checked like any other (``validate_lowercase``
passes it). Where the function would raise (langdetect finding no features, an index
past the last paragraph, an empty splitter or letter), lsr fails the response or rejects
the argument instead, with a reason.
"""
from __future__ import annotations

import json
import re
from typing import List, Union

from pydantic import Field, NonNegativeInt, PositiveInt, field_validator, model_validator

from lsr_dsl.constraints.params import NoParams
from lsr_dsl.constraints.registry import Params, Verdict, constraint
from lsr_dsl.constraints.wording import plural, quote
from lsr_dsl.text.analysis import Text

IF_FUNCTIONS = "if_functions"

#: Every function name of open-instruct's IF_FUNCTIONS_MAP, in its order.
IF_FUNCTION_NAMES = (
    "verify_keywords", "verify_keyword_frequency", "validate_forbidden_words", "verify_letter_frequency",
    "validate_response_language", "verify_paragraph_count", "validate_word_constraint",
    "verify_sentence_constraint", "validate_paragraphs", "verify_postscript", "validate_placeholders",
    "verify_bullet_points", "validate_title", "validate_choice", "validate_highlighted_sections",
    "validate_sections", "validate_json_format", "validate_repeat_prompt", "validate_two_responses",
    "validate_uppercase", "validate_lowercase", "validate_frequency_capital_words", "validate_end",
    "validate_quotation", "validate_no_commas",
)  # fmt: skip


def _fn(name: str, params: type, summary: str, example: str, details: str, positional=()):
    return constraint(
        name,
        params=params,
        positional=positional,
        family=IF_FUNCTIONS,
        summary=summary,
        example=example,
        details=f"open-instruct `if_functions.{name}`, exactly. {details}",
    )


# -- words and keywords -----------------------------------------------------------------

class KeywordListParams(Params):
    keyword_list: List[str] = Field(description="Substrings that must all occur, ignoring case (str.lower).")


@_fn("verify_keywords", KeywordListParams, "Every keyword occurs as a substring, ignoring case.",
     'verify_keywords(["sea", "wave"])', "Plain substrings of the lower-cased text: `sea` is found in `seaside`.",
     positional=("keyword_list",))
def verify_keywords(p: KeywordListParams, t: Text) -> Verdict:
    missing = [k for k in p.keyword_list if k.lower() not in t.lower]
    if missing:
        return Verdict.fail("missing " + ", ".join(quote(k) for k in missing))
    n = len(p.keyword_list)
    return Verdict.ok("found the keyword" if n == 1 else f"found all {n} keywords")


class WordCountParams(Params):
    word: str = Field(description="The word to count, ignoring case; compared with whole \\w+ words.")
    N: NonNegativeInt = Field(description="The exact number of occurrences.")


_WORDS = re.compile(r"\b\w+\b")


@_fn("verify_keyword_frequency", WordCountParams, "The word occurs exactly N times as a whole \\w+ word, ignoring case.",
     'verify_keyword_frequency(word="data", N=3)',
     "The lower-cased text is cut into `\\b\\w+\\b` words; a `word` holding a space or punctuation never matches.",
     positional=("word", "N"))
def verify_keyword_frequency(p: WordCountParams, t: Text) -> Verdict:
    w = p.word.lower()
    n = sum(1 for x in _WORDS.findall(t.lower) if x == w)
    return Verdict.of(n == p.N, f"found {quote(p.word)} {plural(n, 'time')}; need exactly {p.N}")


class ForbiddenParams(Params):
    forbidden_words: List[str] = Field(description="Substrings none of which may occur, ignoring case (str.lower).")


@_fn("validate_forbidden_words", ForbiddenParams, "None of the words occurs, even inside a longer word, ignoring case.",
     'validate_forbidden_words(["very"])', "Plain substrings of the lower-cased text: `very` is found in `everyday`.",
     positional=("forbidden_words",))
def validate_forbidden_words(p: ForbiddenParams, t: Text) -> Verdict:
    found = [w for w in p.forbidden_words if w.lower() in t.lower]
    if found:
        return Verdict.fail("found forbidden " + ", ".join(quote(w) for w in found))
    return Verdict.ok("no forbidden words")


class LetterParams(Params):
    letter: str = Field(description="One character, counted case-sensitively.")
    N: NonNegativeInt = Field(description="The exact number of occurrences.")

    @field_validator("letter")
    @classmethod
    def _one(cls, v: str) -> str:
        if len(v) != 1:
            raise ValueError("letter must be a single character (the reference raises otherwise)")
        return v


@_fn("verify_letter_frequency", LetterParams, "The character occurs exactly N times (case-sensitive).",
     'verify_letter_frequency(letter="e", N=5)', "`str.count`: `E` does not count for `e`.", positional=("letter", "N"))
def verify_letter_frequency(p: LetterParams, t: Text) -> Verdict:
    n = t.text.count(p.letter)
    return Verdict.of(n == p.N, f"found {p.letter!r} {plural(n, 'time')}; need exactly {p.N}")


class LanguageParams(Params):
    language: str = Field(description="The code langdetect must answer, e.g. 'en'.")


@_fn("validate_response_language", LanguageParams, "langdetect says the response is in `language`.",
     'validate_response_language("fr")',
     "langdetect 1.0.9 with seed 0 (the reference does not seed it, so its verdict on borderline text can vary). "
     "Text langdetect cannot classify (no letters) fails: the reference raises there.", positional=("language",))
def validate_response_language(p: LanguageParams, t: Text) -> Verdict:
    lang = t.language
    if lang is None:
        return Verdict.fail("language undetectable (the reference raises here)")
    return Verdict.of(lang == p.language, f"detected language {lang!r}; need {p.language!r}")


# -- counts with a quantifier ----------------------------------------------------------------

_QUANTIFIERS = ("at least", "at most", "around")


class QuantifiedParams(Params):
    N: NonNegativeInt = Field(description="The target count.")
    quantifier: str = Field(description="'at least', 'at most' or 'around' (the only three the reference knows).")

    @field_validator("quantifier")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in _QUANTIFIERS:
            raise ValueError(f"quantifier must be one of {', '.join(map(repr, _QUANTIFIERS))} (the reference fails every response otherwise)")
        return v


def _quantified(n: int, p: QuantifiedParams, tolerance: int, what: str) -> Verdict:
    if p.quantifier == "at least":
        ok = n >= p.N
    elif p.quantifier == "at most":
        ok = n <= p.N
    else:
        ok = abs(n - p.N) <= tolerance
    need = f"around {p.N} (±{tolerance})" if p.quantifier == "around" else f"{p.quantifier} {p.N}"
    return Verdict.of(ok, f"found {plural(n, what)}; need {need}")


def _ten_percent(n: int) -> int:
    return max(round(n * 0.1), 1)  # Python's round: round(2.5) == 2


@_fn("validate_word_constraint", QuantifiedParams, "The number of whitespace-separated words compared with N.",
     'validate_word_constraint(N=100, quantifier="at least")',
     "Words are `str.split()` tokens (punctuation attached). `around` allows ±10 % of N, at least 1, rounded half "
     "to even.")
def validate_word_constraint(p: QuantifiedParams, t: Text) -> Verdict:
    return _quantified(len(t.text.split()), p, _ten_percent(p.N), "word")


_SENTENCE_BREAK = re.compile(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?|!)\s")


@_fn("verify_sentence_constraint", QuantifiedParams, "The number of sentences (a regular-expression split) compared with N.",
     'verify_sentence_constraint(N=5, quantifier="at most")',
     "The text is split at each whitespace character that follows `.`, `?` or `!`, except after `e.g.`-like "
     "patterns and `Mr.`-like words; the pieces are counted, empty ones included (the empty response has 1). "
     "`around` allows ±1.")
def verify_sentence_constraint(p: QuantifiedParams, t: Text) -> Verdict:
    return _quantified(len(_SENTENCE_BREAK.split(t.text)), p, 1, "sentence")


_CAPITAL_WORD = re.compile(r"\b[A-Z]+\b")


@_fn("validate_frequency_capital_words", QuantifiedParams, "The number of words of ASCII capitals compared with N.",
     'validate_frequency_capital_words(N=3, quantifier="at least")',
     "A capital word is a `\\b[A-Z]+\\b` match: `I` and `A` count, `U.S.` is two, `NASA's` one, `ÉTÉ` none. "
     "`around` allows ±10 % of N, at least 1.")
def validate_frequency_capital_words(p: QuantifiedParams, t: Text) -> Verdict:
    return _quantified(len(_CAPITAL_WORD.findall(t.text)), p, _ten_percent(p.N), "capital word")


# -- paragraphs, sections, lists ------------------------------------------------------------

class CountParams(Params):
    N: NonNegativeInt = Field(description="The number to compare with.")


@_fn("verify_paragraph_count", CountParams, "Exactly N paragraphs separated by `* * *`, none empty.",
     "verify_paragraph_count(N=3)",
     "Each line is stripped and the text stripped, then split on `* * *` (with spaces: `***` does not divide); "
     "an empty paragraph anywhere, even before a leading divider, fails.")
def verify_paragraph_count(p: CountParams, t: Text) -> Verdict:
    clean = "\n".join(line.strip() for line in t.text.splitlines()).strip()
    parts = clean.split("* * *")
    if any(not x.strip() for x in parts):
        return Verdict.fail("a paragraph between `* * *` dividers is empty")
    return Verdict.of(len(parts) == p.N, f"found {plural(len(parts), 'paragraph')}; need exactly {p.N}")


class ParagraphWordParams(Params):
    N: PositiveInt = Field(description="The exact number of \\n\\n-separated parts.")
    first_word: str = Field(description="The text paragraph i must start with (case-sensitive prefix).")
    i: PositiveInt = Field(description="Which paragraph, from 1; at most N.")

    @model_validator(mode="after")
    def _inside(self) -> "ParagraphWordParams":
        if self.i > self.N:
            raise ValueError(f"i ({self.i}) is greater than N ({self.N}); the reference raises there")
        return self


@_fn("validate_paragraphs", ParagraphWordParams, "Exactly N parts split on `\\n\\n`, and part i starts with first_word.",
     'validate_paragraphs(N=3, first_word="However", i=2)',
     "Parts are counted as split, empty ones included (`\\n\\n\\n\\n` makes an empty part); the check is a "
     "case-sensitive prefix test on the stripped part, so `Howeverness` starts with `However`.")
def validate_paragraphs(p: ParagraphWordParams, t: Text) -> Verdict:
    parts = t.text.split("\n\n")
    if len(parts) != p.N:
        return Verdict.fail(f"found {plural(len(parts), 'part')} split on blank lines; need exactly {p.N}")
    para = parts[p.i - 1].strip()
    return Verdict.of(para.startswith(p.first_word), f"paragraph {p.i} starts with {quote(para[:len(p.first_word) + 10])}; "
                      f"need {quote(p.first_word)}")


class MarkerParams(Params):
    postscript_marker: str = Field(min_length=1, description="The marker, e.g. 'P.S.' (case-sensitive).")


@_fn("verify_postscript", MarkerParams, "The marker occurs, and text follows its first occurrence.",
     'verify_postscript("P.S.")',
     "A case-sensitive substring test; from the first occurrence on, the stripped rest must be longer than the "
     "marker (`P.S.` alone at the end fails). It need not be at the end or start a line.",
     positional=("postscript_marker",))
def verify_postscript(p: MarkerParams, t: Text) -> Verdict:
    i = t.text.find(p.postscript_marker)
    if i < 0:
        return Verdict.fail(f"no {quote(p.postscript_marker)}")
    ok = len(t.text[i:].strip()) > len(p.postscript_marker)
    return Verdict.of(ok, f"found {quote(p.postscript_marker)}" + ("" if ok else " with nothing after it"))


_PLACEHOLDER = re.compile(r"\[(.*?)\]")


@_fn("validate_placeholders", CountParams, "At least N `[...]` placeholders (within one line, empty included).",
     "validate_placeholders(N=2)", "Non-overlapping `\\[(.*?)\\]` matches.")
def validate_placeholders(p: CountParams, t: Text) -> Verdict:
    n = len(_PLACEHOLDER.findall(t.text))
    return Verdict.of(n >= p.N, f"found {plural(n, 'placeholder')}; need at least {p.N}")


@_fn("verify_bullet_points", CountParams, "Exactly N lines that start with `*` or `-` (after stripping).",
     "verify_bullet_points(N=3)",
     "Lines are split on `\\n` only; `**bold**`, `---` and `-5` count as bullets.")
def verify_bullet_points(p: CountParams, t: Text) -> Verdict:
    n = sum(1 for line in t.text.split("\n") if line.strip().startswith(("*", "-")))
    return Verdict.of(n == p.N, f"found {plural(n, 'bullet line')}; need exactly {p.N}")


_HIGHLIGHT = re.compile(r"\*(.*?)\*")


@_fn("validate_highlighted_sections", CountParams, "At least N `*...*` spans (within one line, empty included).",
     "validate_highlighted_sections(N=2)", "Non-overlapping `\\*(.*?)\\*` matches: `**bold**` is two (`**`, `**`).")
def validate_highlighted_sections(p: CountParams, t: Text) -> Verdict:
    n = len(_HIGHLIGHT.findall(t.text))
    return Verdict.of(n >= p.N, f"found {plural(n, 'highlighted span')}; need at least {p.N}")


class SectionParams(Params):
    N: NonNegativeInt = Field(description="The exact number of sections.")
    section_splitter: str = Field(min_length=1, description="The text each section starts with (case-sensitive).")


@_fn("validate_sections", SectionParams, "Splitting on section_splitter gives exactly N sections.",
     'validate_sections(N=3, section_splitter="Section")',
     "A plain, case-sensitive split; the part before the first splitter counts as a section unless it is "
     "exactly empty (a leading space or line break makes it count).")
def validate_sections(p: SectionParams, t: Text) -> Verdict:
    parts = t.text.split(p.section_splitter)
    n = len(parts) - (1 if parts[0] == "" else 0)
    return Verdict.of(n == p.N, f"found {plural(n, 'section')}; need exactly {p.N}")


# -- whole-response shapes -------------------------------------------------------------------

_TITLE = re.compile(r"<<(.*?)>>")


@_fn("validate_title", NoParams, "Some `<<...>>` on one line (an empty `<<>>` counts).", "validate_title",
     "A `<<(.*?)>>` match anywhere.")
def validate_title(p: NoParams, t: Text) -> Verdict:
    m = _TITLE.search(t.text)
    return Verdict.of(m is not None, f"found title {quote(m.group())}" if m else "no <<title>>")


class ChoiceParams(Params):
    options: Union[List[str], str] = Field(description="The allowed answers; a string is taken as its characters, as the reference iterates it.")


@_fn("validate_choice", ChoiceParams, "One of the options occurs anywhere in the response (case-sensitive substring).",
     'validate_choice(["My answer is yes.", "My answer is no."])',
     "A plain substring test for each option; given a string instead of a list, the reference tests each of its "
     "characters, and so does lsr.", positional=("options",))
def validate_choice(p: ChoiceParams, t: Text) -> Verdict:
    for o in p.options:
        if o in t.text:
            return Verdict.ok(f"contains {quote(o)}")
    return Verdict.fail("contains none of the options")


@_fn("validate_json_format", NoParams, "The whole response parses with Python's json.loads (no code fence allowed).",
     "validate_json_format", "Surrounding whitespace is allowed; a ```json fence is not; `NaN` parses.")
def validate_json_format(p: NoParams, t: Text) -> Verdict:
    try:
        json.loads(t.text)
    except ValueError as e:
        return Verdict.fail(f"not valid JSON: {getattr(e, 'msg', e)}")
    except RecursionError:
        return Verdict.fail("not valid JSON: nested too deeply")
    return Verdict.ok("valid JSON")


class PromptParams(Params):
    original_prompt: str = Field(description="The request the response must start with, exactly (case and spaces).")


@_fn("validate_repeat_prompt", PromptParams, "The response starts with the request, character for character.",
     'validate_repeat_prompt("Write a poem.")', "`str.startswith`: no leading whitespace, case-sensitive.",
     positional=("original_prompt",))
def validate_repeat_prompt(p: PromptParams, t: Text) -> Verdict:
    ok = t.text.startswith(p.original_prompt)
    return Verdict.of(ok, "starts with the request" if ok else "does not start with the request")


@_fn("validate_two_responses", NoParams, "Exactly one `******`, with different text on each side.",
     "validate_two_responses",
     "Counts non-overlapping `******`: seven asterisks are one separator (the extra `*` stays in a part); the two "
     "parts are compared stripped.")
def validate_two_responses(p: NoParams, t: Text) -> Verdict:
    n = t.text.count("******")
    if n != 1:
        return Verdict.fail(f"found {plural(n, 'separator')} ******; need exactly 1")
    a, b = t.text.split("******")[:2]
    ok = a.strip() != b.strip()
    return Verdict.of(ok, "two different responses" if ok else "the two responses are identical")


@_fn("validate_uppercase", NoParams, "The response equals its str.upper() (no lowercase letter).", "validate_uppercase",
     "Text without letters passes, the empty response included; no language test.")
def validate_uppercase(p: NoParams, t: Text) -> Verdict:
    ok = t.text == t.text.upper()
    return Verdict.of(ok, "no lowercase letters" if ok else "the response has lowercase letters")


@_fn("validate_lowercase", NoParams, "The response equals its str.lower() (no capital letter).", "validate_lowercase",
     "Text without letters passes, the empty response included; no language test.")
def validate_lowercase(p: NoParams, t: Text) -> Verdict:
    ok = t.text == t.lower
    return Verdict.of(ok, "no capital letters" if ok else "the response has capital letters")


class EndParams(Params):
    end_phrase: str = Field(description="The exact ending (case-sensitive; trailing whitespace in the response fails).")


@_fn("validate_end", EndParams, "The response ends with end_phrase, exactly.", 'validate_end("Bye.")',
     "`str.endswith` on the raw response: a trailing newline or space fails.", positional=("end_phrase",))
def validate_end(p: EndParams, t: Text) -> Verdict:
    ok = t.text.endswith(p.end_phrase)
    return Verdict.of(ok, f"ends with {quote(p.end_phrase)}" if ok else f"does not end with {quote(p.end_phrase)}")


@_fn("validate_quotation", NoParams, "The response starts and ends with `\"`.", "validate_quotation",
     "On the raw response (no stripping); a single `\"` passes.")
def validate_quotation(p: NoParams, t: Text) -> Verdict:
    ok = t.text.startswith('"') and t.text.endswith('"')
    return Verdict.of(ok, "wrapped in double quotes" if ok else "not wrapped in double quotes")


@_fn("validate_no_commas", NoParams, "The response contains no ','.", "validate_no_commas", "Only U+002C counts.")
def validate_no_commas(p: NoParams, t: Text) -> Verdict:
    n = t.text.count(",")
    return Verdict.of(n == 0, "no commas" if n == 0 else f"found {plural(n, 'comma')}")
