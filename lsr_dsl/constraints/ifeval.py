"""IFEval's 25 instruction types as lsr constraints.

Each check reproduces the reference implementation (google-research
``instruction_following_eval``) verdict for verdict, quirks included, and
offers the saner behaviour as an explicit parameter where the quirk is
surprising (``whole_word``, ``literal``, ``strict_markdown`` …). See
``docs/ifeval-parity.md`` for the list of quirks and the measured agreement.

Conventions shared by every check here:

- A blank (empty or whitespace-only) response fails every IFEval constraint:
  the reference harness never calls a check on such a response and records a
  failure, so we do the same inside the check.
- Where the reference draws a random value for a missing argument, ours is
  either required or has a fixed, documented default.
- Relations accept IFEval's ``"at least"`` / ``"less than"`` and also
  ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``.
- Where the reference catches langdetect's ``LangDetectException`` ("no
  features in text") and counts the instruction as followed, so do we.
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from pydantic import AliasChoices, Field, NonNegativeInt, PositiveInt, field_validator

from lsr_dsl.text import Text
from lsr_dsl.constraints.registry import Params, Relation, Verdict, blank_fails, constraint
from lsr_dsl.constraints.wording import where

__all__ = ["LANGDETECT_LANGUAGES", "ifeval_kwargs_to_params", "IFEVAL_IDS"]

#: Every code langdetect 1.0.9 can answer.
LANGDETECT_LANGUAGES: Tuple[str, ...] = (
    "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "fa", "fi",
    "fr", "gu", "he", "hi", "hr", "hu", "id", "it", "ja", "kn", "ko", "lt", "lv", "mk", "ml",
    "mr", "ne", "nl", "no", "pa", "pl", "pt", "ro", "ru", "sk", "sl", "so", "sq", "sv", "sw",
    "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "zh-cn", "zh-tw",
)  # fmt: skip

#: IFEval id -> our constraint name (filled by the decorator below).
IFEVAL_IDS: Dict[str, str] = {}



def _ifeval(
    name: str,
    ifeval_id: str,
    params: type,
    summary: str,
    example: str,
    *,
    positional: Tuple[str, ...] = (),
    count_param: Optional[str] = None,
    measure: Optional[str] = None,
    details: str = "",
) -> Callable:
    """Register an IFEval check; a blank response fails before the check runs."""

    def deco(fn: Callable[[Any, Text], Verdict]) -> Callable[[Any, Text], Verdict]:
        check = blank_fails(fn)

        IFEVAL_IDS[ifeval_id] = name
        constraint(
            name,
            params=params,
            positional=positional,
            count_param=count_param,
            family="ifeval",
            summary=summary,
            example=example,
            ifeval_id=ifeval_id,
            details=details,
            measure=measure,
        )(check)
        return check

    return deco



def _count_reason(n: int, noun: str, rel: Relation, target: int, ok: bool) -> str:
    verb = "satisfies" if ok else "needs"
    return f"found {n} {noun}; {verb} {rel.words} {target}"


def _plural(n: int, one: str, many: Optional[str] = None) -> str:
    return one if n == 1 else (many or one + "s")


@functools.lru_cache(maxsize=4096)
def _pattern(source: str, *, literal: bool, whole_word: bool, flags: int = re.IGNORECASE) -> "re.Pattern[str]":
    """Compile a keyword as the reference does (a regular expression), or literally.

    A keyword that is not a valid regular expression is matched literally
    (the reference would crash on it).
    """
    body = re.escape(source) if literal else source
    if whole_word:
        body = r"\b(?:" + body + r")\b"
    try:
        return re.compile(body, flags)
    except re.error:
        body = re.escape(source)
        if whole_word:
            body = r"\b" + body + r"\b"
        return re.compile(body, flags)


# ---------------------------------------------------------------------------
# Parameter models

_REL_AT_LEAST = Relation.GE


class _NoParams(Params):
    pass


_REL_DESC = "at least / less than (IFEval's words) or <, <=, >, >=, ==, !="


class WordsParams(Params):
    num_words: NonNegativeInt = Field(
        description="The number of words (\\w+ runs) that `relation` compares the count with."
    )
    relation: Relation = Field(
        _REL_AT_LEAST, description=f"How the count compares with num_words: {_REL_DESC}."
    )


class SentencesParams(Params):
    num_sentences: NonNegativeInt = Field(
        description="The number of sentences (NLTK's English Punkt tokenizer, as in IFEval) that "
        "`relation` compares the count with."
    )
    relation: Relation = Field(
        _REL_AT_LEAST, description=f"How the count compares with num_sentences: {_REL_DESC}."
    )


class ParagraphsParams(Params):
    num_paragraphs: NonNegativeInt = Field(
        description="The number of paragraphs (parts between *** dividers) that `relation` compares "
        "the count with; an empty first or last part is not counted, an empty part in between "
        "fails the check."
    )
    relation: Relation = Field(
        Relation.EQ,
        description=f"How the count compares with num_paragraphs (IFEval: exactly): {_REL_DESC}.",
    )


class NthParagraphParams(Params):
    num_paragraphs: PositiveInt = Field(
        description="The exact number of non-blank paragraphs (parts of the response split on "
        "\"\\n\\n\") the response must have."
    )
    nth_paragraph: PositiveInt = Field(
        description="Which paragraph (1-based) must start with first_word. As in IFEval it indexes "
        "the \"\\n\\n\" split including blank parts, so an extra blank line shifts it (a blank "
        "paragraph fails); it must not exceed the number of non-blank paragraphs."
    )
    first_word: str = Field(
        min_length=1,
        description="The word that paragraph must start with, ignoring case: compared with its "
        "first whitespace-separated token, leading ' and \" removed and cut at the first "
        ". , ? ! ' or \".",
    )

    @field_validator("first_word")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class KeywordsParams(Params):
    keywords: List[str] = Field(
        min_length=1,
        description="Keywords that must each appear at least once; as in IFEval each is a "
        "case-insensitive regular expression found anywhere, even inside a longer word.",
    )
    whole_word: bool = Field(
        False,
        description="Match only whole words (not IFEval's default: the reference matches keywords "
        "anywhere, e.g. 'AI' inside 'said').",
    )
    literal: bool = Field(
        False,
        description="Match each keyword as plain text rather than as a regular expression, as IFEval "
        "does (a keyword that is not a valid regular expression is matched as plain text anyway).",
    )

    @field_validator("keywords")
    @classmethod
    def _non_empty(cls, v: List[str]) -> List[str]:
        if any(not k for k in v):
            raise ValueError("keywords must be non-empty strings")
        return v


class ForbiddenWordsParams(Params):
    forbidden_words: List[str] = Field(
        min_length=1,
        description="Words none of which may appear, ignoring case; as in IFEval each is a regular "
        "expression put as is between \\b word boundaries (so 'a|b' means \\ba or b\\b).",
    )
    whole_word: bool = Field(
        True,
        description="Put \\b word boundaries around each word, as IFEval does; false forbids it "
        "anywhere, even inside a longer word.",
    )
    literal: bool = Field(
        False,
        description="Match each word as plain text rather than as a regular expression, as IFEval "
        "does (a word that is not a valid regular expression is matched as plain text anyway).",
    )

    @field_validator("forbidden_words")
    @classmethod
    def _non_empty(cls, v: List[str]) -> List[str]:
        if any(not k for k in v):
            raise ValueError("forbidden_words must be non-empty strings")
        return v


class KeywordFrequencyParams(Params):
    keyword: str = Field(
        min_length=1,
        description="The keyword to count (surrounding whitespace removed); as in IFEval a "
        "case-insensitive regular expression whose non-overlapping matches are counted anywhere, "
        "even inside longer words.",
    )
    frequency: NonNegativeInt = Field(
        description="The number of occurrences that `relation` compares the count with."
    )
    relation: Relation = Field(
        _REL_AT_LEAST, description=f"How the count compares with frequency: {_REL_DESC}."
    )
    whole_word: bool = Field(
        False,
        description="Count only whole-word matches (not IFEval's default: the reference also "
        "counts matches inside longer words, e.g. 'AI' inside 'said').",
    )
    literal: bool = Field(
        False,
        description="Match the keyword as plain text rather than as a regular expression, as IFEval "
        "does (a keyword that is not a valid regular expression is matched as plain text anyway).",
    )

    @field_validator("keyword")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("keyword must not be blank")
        return v


class LetterFrequencyParams(Params):
    letter: str = Field(
        description="One ASCII letter, a-z or A-Z, counted in the lower-cased response (so both "
        "cases count)."
    )
    let_frequency: NonNegativeInt = Field(
        description="The number of occurrences that `let_relation` compares the count with."
    )
    let_relation: Relation = Field(
        _REL_AT_LEAST,
        validation_alias=AliasChoices("let_relation", "relation"),
        description=f"How the count compares with let_frequency: {_REL_DESC}. Also accepted as "
        "`relation`.",
    )

    @field_validator("letter", mode="before")
    @classmethod
    def _one_letter(cls, v: Any) -> str:
        if not (isinstance(v, str) and len(v) == 1 and ("a" <= v <= "z" or "A" <= v <= "Z")):
            raise ValueError(f"letter must be a single ASCII letter a-z or A-Z, got {v!r}")
        return v.lower()


class CapitalWordsParams(Params):
    capital_frequency: NonNegativeInt = Field(
        description="The number of words in capitals that `capital_relation` compares the count "
        "with: NLTK word_tokenize tokens for which str.isupper() holds, as in IFEval (so 'I', "
        "'U.S.' and \"N'T\" count)."
    )
    capital_relation: Relation = Field(
        _REL_AT_LEAST,
        validation_alias=AliasChoices("capital_relation", "relation"),
        description=f"How the count compares with capital_frequency: {_REL_DESC}. Also accepted "
        "as `relation`.",
    )


class CaseParams(Params):
    english: bool = Field(
        True,
        description="Also require langdetect to say the text is English, as IFEval does (text it "
        "cannot classify counts as English).",
    )


class LanguageParams(Params):
    language: str = Field(
        description="The language code langdetect must give for the whole response, e.g. 'fr' or "
        "'zh-cn' (one langdetect can output; case and surrounding spaces ignored). Text "
        "langdetect cannot classify passes, as in IFEval."
    )

    @field_validator("language", mode="before")
    @classmethod
    def _known(cls, v: Any) -> str:
        code = v.strip().lower() if isinstance(v, str) else v
        if code not in LANGDETECT_LANGUAGES:
            raise ValueError(
                f"unknown language code {v!r}; expected an ISO 639-1 code that langdetect "
                f"can output: {', '.join(LANGDETECT_LANGUAGES)}"
            )
        return code


class PlaceholdersParams(Params):
    num_placeholders: NonNegativeInt = Field(
        description="The number of placeholders that `relation` compares the count with: "
        "non-overlapping [ … ] spans within one line (\\[.*?\\]), empty [] included."
    )
    relation: Relation = Field(
        _REL_AT_LEAST, description=f"How the count compares with num_placeholders: {_REL_DESC}."
    )


class BulletsParams(Params):
    num_bullets: NonNegativeInt = Field(
        description="The number of bullet lines that `relation` compares the count with. As in "
        "IFEval, a line whose first non-space character is '-' counts (even '-5 degrees' or a "
        "'---' rule), and so does one starting with '*' not followed by another '*'."
    )
    relation: Relation = Field(
        Relation.EQ,
        description=f"How the count compares with num_bullets (IFEval: exactly): {_REL_DESC}.",
    )
    strict_markdown: bool = Field(
        False,
        description="Count only real markdown bullets: '* ', '- ' or '+ ' then text, not '-5 "
        "degrees' or a '---' rule (the reference counts any line starting with '-').",
    )


class HighlightsParams(Params):
    num_highlights: NonNegativeInt = Field(
        description="The number of highlighted sections that `relation` compares the count with: "
        "non-empty *…* spans within one line plus, counted separately as in IFEval, non-empty "
        "**…** spans."
    )
    relation: Relation = Field(
        _REL_AT_LEAST, description=f"How the count compares with num_highlights: {_REL_DESC}."
    )


class SectionsParams(Params):
    num_sections: NonNegativeInt = Field(
        description="The number of sections that `relation` compares the count with: occurrences "
        "of section_spliter followed by a number (optionally one space between, e.g. 'Section 1'), "
        "anywhere in the text, as in IFEval."
    )
    section_spliter: str = Field(
        "Section",
        description="The word that opens each section, e.g. 'SECTION' or 'Chapter' (surrounding "
        "whitespace removed); case-sensitive and, as in IFEval, a regular expression.",
    )
    relation: Relation = Field(
        _REL_AT_LEAST, description=f"How the count compares with num_sections: {_REL_DESC}."
    )

    @field_validator("section_spliter")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("section_spliter must not be blank")
        return v


class PostscriptParams(Params):
    postscript_marker: str = Field(
        "P.S.",
        description="The marker the postscript starts with, e.g. 'P.S.' or 'P.P.S' (surrounding "
        "whitespace removed). Matched ignoring case anywhere in a line, as in IFEval; 'P.S.' and "
        "'P.P.S' also allow a space after each period, any other marker is a lower-cased regular "
        "expression.",
    )

    @field_validator("postscript_marker")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("postscript_marker must not be blank")
        return v


class EndsWithParams(Params):
    end_phrase: str = Field(
        min_length=1,
        description="The phrase the response must end with (surrounding whitespace removed); the "
        "response is compared after stripping its whitespace and then its '\"' characters, as in "
        "IFEval.",
    )
    case_sensitive: bool = Field(
        False,
        description="Compare with case (the reference compares case-insensitively).",
    )

    @field_validator("end_phrase")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("end_phrase must not be blank")
        return v


class RepeatPromptParams(Params):
    prompt_to_repeat: str = Field(
        min_length=1,
        description="The request the response must begin with, word for word; both are stripped "
        "of surrounding whitespace and compared ignoring case, as in IFEval.",
    )

    @field_validator("prompt_to_repeat")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("prompt_to_repeat must not be blank")
        return v


IFEVAL_CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


class ConstrainedResponseParams(Params):
    options: Tuple[str, ...] = Field(
        IFEVAL_CONSTRAINED_OPTIONS,
        description="The allowed answers; as in IFEval the response passes when one of them "
        "appears anywhere in it, case-sensitively (default: IFEval's yes / no / maybe).",
    )


# ---------------------------------------------------------------------------
# Punctuation, case, language


@_ifeval(
    "no_comma",
    "punctuation:no_comma",
    _NoParams,
    "The response contains no comma.",
    "no_comma",
)
def no_comma(p: _NoParams, t: Text) -> Verdict:
    i = t.text.find(",")
    if i < 0:
        return Verdict.ok("no commas")
    n = t.text.count(",")
    return Verdict.fail(f"found {n} {_plural(n, 'comma')}; the first at {where(t, i)}")


def _first_not_lower(s: str) -> int:
    for i, ch in enumerate(s):
        if ch.isupper() or ch.istitle():
            return i
    return -1


def _first_not_upper(s: str) -> int:
    for i, ch in enumerate(s):
        if ch.islower() or ch.istitle() and not ch.isupper():
            return i
    return -1


def _english(t: Text, what: str) -> Verdict:
    lang = t.language
    if lang is None:
        return Verdict.ok(f"{what}; language undetectable (counted as English, as in the reference)")
    if lang == "en":
        return Verdict.ok(f"{what}, in English")
    return Verdict.fail(f"{what}, but the language detected is {lang!r}, not English")


@_ifeval(
    "lowercase",
    "change_case:english_lowercase",
    CaseParams,
    "The entire response is in English and in lowercase letters only.",
    "lowercase",
    details="Uses str.islower (at least one cased letter, none upper case), then "
    "langdetect must say 'en' (undetectable text counts as English). english=false drops "
    "the language test.",
)
def lowercase(p: CaseParams, t: Text) -> Verdict:
    if not t.text.islower():
        i = _first_not_lower(t.text)
        if i < 0:
            return Verdict.fail("the response has no lowercase letters")
        return Verdict.fail(f"found upper-case {t.text[i]!r} at {where(t, i)}")
    if not p.english:
        return Verdict.ok("all letters are lowercase")
    return _english(t, "all letters are lowercase")


@_ifeval(
    "uppercase",
    "change_case:english_capital",
    CaseParams,
    "The entire response is in English and in capital letters only.",
    "uppercase",
    details="Uses str.isupper, then langdetect must say 'en' (undetectable text counts as "
    "English). english=false drops the language test.",
)
def uppercase(p: CaseParams, t: Text) -> Verdict:
    if not t.text.isupper():
        i = _first_not_upper(t.text)
        if i < 0:
            return Verdict.fail("the response has no capital letters")
        return Verdict.fail(f"found lower-case {t.text[i]!r} at {where(t, i)}")
    if not p.english:
        return Verdict.ok("all letters are capitals")
    return _english(t, "all letters are capitals")


@_ifeval(
    "capital_words",
    "change_case:capital_word_frequency",
    CapitalWordsParams,
    "Words in all capital letters appear a given number of times.",
    'capital_words(capital_relation="at least", capital_frequency=3)',
    count_param="capital_frequency",
    measure="capital_words",
    details="Words are NLTK word_tokenize tokens (so \"I\", \"U.S.\" and \"N'T\" count); "
    "the relation parameter is also accepted as `relation`. Default relation: at least.",
)
def capital_words(p: CapitalWordsParams, t: Text) -> Verdict:
    caps = t.capital_word_list  # as many as NLTK tokens in capitals, found mostly without tokenizing
    n = len(caps)
    ok = p.capital_relation.holds(n, p.capital_frequency)
    reason = _count_reason(n, _plural(n, "word") + " in capitals", p.capital_relation, p.capital_frequency, ok)
    if caps:
        shown = ", ".join(repr(w) for w in caps[:3]) + (" …" if n > 3 else "")
        reason += f" ({shown})"
    return Verdict.of(ok, reason)


@_ifeval(
    "language",
    "language:response_language",
    LanguageParams,
    "The entire response is in the given language (langdetect).",
    'language("fr")',
    positional=("language",),
    details="langdetect 1.0.9 with seed 0; text with no letters langdetect can use passes, "
    "as in the reference.",
)
def language(p: LanguageParams, t: Text) -> Verdict:
    lang = t.language
    if lang is None:
        return Verdict.ok("language undetectable; counted as followed, as in the reference")
    if lang == p.language:
        return Verdict.ok(f"detected language {lang!r}")
    return Verdict.fail(f"detected language {lang!r}; needs {p.language!r}")


# ---------------------------------------------------------------------------
# Length


@_ifeval(
    "words",
    "length_constraints:number_words",
    WordsParams,
    "The number of words (\\w+ runs) compared with a threshold.",
    'words(relation="at least", num_words=300)',
    count_param="num_words",
    measure="words",
    details="Default relation: at least.",
)
def words(p: WordsParams, t: Text) -> Verdict:
    n = t.word_count
    ok = p.relation.holds(n, p.num_words)
    return Verdict.of(ok, _count_reason(n, _plural(n, "word"), p.relation, p.num_words, ok))


@_ifeval(
    "sentences",
    "length_constraints:number_sentences",
    SentencesParams,
    "The number of sentences (English Punkt) compared with a threshold.",
    'sentences(relation="less than", num_sentences=5)',
    count_param="num_sentences",
    measure="sentences",
    details="Default relation: at least.",
)
def sentences(p: SentencesParams, t: Text) -> Verdict:
    n = t.sentence_count
    ok = p.relation.holds(n, p.num_sentences)
    return Verdict.of(ok, _count_reason(n, _plural(n, "sentence"), p.relation, p.num_sentences, ok))


_DIVIDER_RE = re.compile(r"\s?\*\*\*\s?")


@_ifeval(
    "paragraphs",
    "length_constraints:number_paragraphs",
    ParagraphsParams,
    "The response has a given number of paragraphs separated by the markdown divider ***.",
    "paragraphs(num_paragraphs=3)",
    count_param="num_paragraphs",
    measure="paragraphs",
    details="Split on ***; an empty part at the start or end is ignored, an empty part "
    "in the middle fails. Default relation: exactly (the reference's only one).",
)
def paragraphs(p: ParagraphsParams, t: Text) -> Verdict:
    parts = _DIVIDER_RE.split(t.text)
    n = len(parts)
    last = len(parts) - 1
    for i, part in enumerate(parts):
        if not part.strip():
            if i == 0 or i == last:
                n -= 1
            else:
                return Verdict.fail(f"paragraph {i + 1} between *** dividers is empty")
    ok = p.relation.holds(n, p.num_paragraphs)
    return Verdict.of(ok, _count_reason(n, _plural(n, "paragraph"), p.relation, p.num_paragraphs, ok))


_FIRST_WORD_STOP = frozenset(".,?!'\"")


@_ifeval(
    "nth_paragraph_first_word",
    "length_constraints:nth_paragraph_first_word",
    NthParagraphParams,
    "Exactly num_paragraphs paragraphs (separated by blank lines), and paragraph "
    "nth_paragraph starts with first_word.",
    'nth_paragraph_first_word(num_paragraphs=4, nth_paragraph=2, first_word="however")',
    details="Paragraphs are split on \"\\n\\n\"; blank ones are not counted, but (as in "
    "the reference) nth_paragraph indexes the split including blank ones. The first word "
    "is compared in lower case, cut at the first . , ? ! ' or \".",
)
def nth_paragraph_first_word(p: NthParagraphParams, t: Text) -> Verdict:
    parts = t.text.split("\n\n")
    n = sum(1 for x in parts if x.strip())
    if p.nth_paragraph > n:
        return Verdict.fail(f"found {n} {_plural(n, 'paragraph')}; there is no paragraph {p.nth_paragraph}")
    para = parts[p.nth_paragraph - 1].strip()
    if not para:
        return Verdict.fail(f"paragraph {p.nth_paragraph} is empty")
    word = para.split()[0].strip().lstrip("'").lstrip('"')
    first = []
    for ch in word:
        if ch in _FIRST_WORD_STOP:
            break
        first.append(ch.lower())
    fw = "".join(first)
    if n != p.num_paragraphs:
        return Verdict.fail(f"found {n} {_plural(n, 'paragraph')}; needs exactly {p.num_paragraphs}")
    if fw != p.first_word:
        return Verdict.fail(f"paragraph {p.nth_paragraph} starts with {fw!r}, not {p.first_word!r}")
    return Verdict.ok(f"{n} paragraphs; paragraph {p.nth_paragraph} starts with {fw!r}")


# ---------------------------------------------------------------------------
# Keywords


@_ifeval(
    "keywords",
    "keywords:existence",
    KeywordsParams,
    "Every keyword appears in the response (case-insensitive).",
    'keywords(["alpha", "beta"])',
    positional=("keywords",),
    details="As in the reference, a keyword is searched as a regular expression and not "
    "as a whole word ('cat' matches 'category'); whole_word=true adds word boundaries, "
    "literal=true matches the text as is.",
)
def keywords(p: KeywordsParams, t: Text) -> Verdict:
    missing = [
        k for k in p.keywords if not _pattern(k, literal=p.literal, whole_word=p.whole_word).search(t.text)
    ]
    if missing:
        return Verdict.fail("missing " + ", ".join(repr(k) for k in missing))
    shown = []
    for k in p.keywords:
        note = "" if p.whole_word else _inside_word_note(t, _pattern(k, literal=p.literal, whole_word=False))
        shown.append(repr(k) + note)
    return Verdict.ok("found " + ", ".join(shown))


_WORD_CHAR_RE = re.compile(r"\w")


def _inside_word_note(t: Text, rx: "re.Pattern[str]") -> str:
    """`` (inside 'said', at line 1, column 3)`` when every match of ``rx`` is part of a longer word.

    Empty if some match stands as a word of its own (or is empty); then the
    reason needs no comment. Only the first match is located.
    """
    s = t.text
    first = None
    for m in rx.finditer(s):
        a, b = m.span()
        if a == b:
            return ""
        inside = (
            (a > 0 and _WORD_CHAR_RE.match(s[a - 1]) and _WORD_CHAR_RE.match(s[a]))
            or (b < len(s) and _WORD_CHAR_RE.match(s[b]) and _WORD_CHAR_RE.match(s[b - 1]))
        )
        if not inside:
            return ""
        if first is None:
            first = (a, b)
    if first is None:
        return ""
    a, b = first
    lo, hi = a, b
    while lo > 0 and _WORD_CHAR_RE.match(s[lo - 1]):
        lo -= 1
    while hi < len(s) and _WORD_CHAR_RE.match(s[hi]):
        hi += 1
    return f" (inside {s[lo:hi]!r}, at {where(t, a)})"


@functools.lru_cache(maxsize=4096)
def _forbidden_pattern(word: str, literal: bool, whole_word: bool) -> "re.Pattern[str]":
    """The reference's ``r"\\b" + word + r"\\b"``, concatenated as is.

    So a word holding ``|`` gets the reference's precedence (``\\ba|b\\b`` is
    "a" at a word start or "b" at a word end). A word that is not a valid
    regular expression is matched literally between word boundaries.
    """
    if whole_word and not literal:
        try:
            return re.compile(r"\b" + word + r"\b", re.IGNORECASE)
        except re.error:
            return _pattern(word, literal=True, whole_word=True)
    return _pattern(word, literal=literal, whole_word=whole_word)


@_ifeval(
    "forbidden_words",
    "keywords:forbidden_words",
    ForbiddenWordsParams,
    "None of the forbidden words appears (whole words, case-insensitive).",
    'forbidden_words(["very", "really"])',
    positional=("forbidden_words",),
    details="As in the reference, each word is a regular expression between \\b word "
    "boundaries; whole_word=false forbids it anywhere, literal=true matches it as is.",
)
def forbidden_words(p: ForbiddenWordsParams, t: Text) -> Verdict:
    found: List[Tuple[str, int]] = []
    for w in dict.fromkeys(p.forbidden_words):
        m = _forbidden_pattern(w, p.literal, p.whole_word).search(t.text)
        if m:
            found.append((w, m.start()))
    if found:
        w, i = min(found, key=lambda x: x[1])
        names = ", ".join(repr(x) for x, _ in found)
        return Verdict.fail(f"found forbidden {names}; the first, {w!r}, at {where(t, i)}")
    return Verdict.ok("no forbidden words")


@_ifeval(
    "keyword_frequency",
    "keywords:frequency",
    KeywordFrequencyParams,
    "A keyword appears a given number of times (case-insensitive).",
    'keyword_frequency(keyword="data", relation="at least", frequency=3)',
    positional=("keyword",),
    count_param="frequency",
    details="As in the reference, occurrences are regular-expression matches, not whole "
    "words; whole_word=true and literal=true as for keywords. Default relation: at least.",
)
def keyword_frequency(p: KeywordFrequencyParams, t: Text) -> Verdict:
    n = sum(1 for _ in _pattern(p.keyword, literal=p.literal, whole_word=p.whole_word).finditer(t.text))
    ok = p.relation.holds(n, p.frequency)
    noun = f"{_plural(n, 'occurrence')} of {p.keyword!r}"
    return Verdict.of(ok, _count_reason(n, noun, p.relation, p.frequency, ok))


@_ifeval(
    "letter_frequency",
    "keywords:letter_frequency",
    LetterFrequencyParams,
    "A letter appears a given number of times (case-insensitive).",
    'letter_frequency(letter="z", let_relation="at least", let_frequency=5)',
    positional=("letter",),
    count_param="let_frequency",
    details="letter must be one ASCII letter (the reference silently draws a random letter "
    "otherwise); the relation parameter is also accepted as `relation`. Default relation: "
    "at least.",
)
def letter_frequency(p: LetterFrequencyParams, t: Text) -> Verdict:
    n = t.lower.count(p.letter)
    ok = p.let_relation.holds(n, p.let_frequency)
    noun = f"{_plural(n, 'occurrence')} of the letter {p.letter!r}"
    return Verdict.of(ok, _count_reason(n, noun, p.let_relation, p.let_frequency, ok))


# ---------------------------------------------------------------------------
# Content and format

_PLACEHOLDER_RE = re.compile(r"\[.*?\]")


@_ifeval(
    "placeholders",
    "detectable_content:number_placeholders",
    PlaceholdersParams,
    "At least a given number of [placeholders] in square brackets.",
    "placeholders(num_placeholders=2)",
    count_param="num_placeholders",
    details="A placeholder is [ … ] on one line (\\[.*?\\]), possibly empty. Default relation: at least.",
)
def placeholders(p: PlaceholdersParams, t: Text) -> Verdict:
    found = _PLACEHOLDER_RE.findall(t.text)
    n = len(found)
    ok = p.relation.holds(n, p.num_placeholders)
    return Verdict.of(ok, _count_reason(n, _plural(n, "placeholder"), p.relation, p.num_placeholders, ok))


_BULLET_STAR_RE = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_BULLET_DASH_RE = re.compile(r"^\s*-.*$", re.MULTILINE)
_BULLET_STRICT_RE = re.compile(r"^[ \t]*[*+-][ \t]+\S.*$", re.MULTILINE)
_HRULE_RE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")


@_ifeval(
    "bullets",
    "detectable_format:number_bullet_lists",
    BulletsParams,
    "Exactly a given number of markdown bullet points (* or -).",
    "bullets(num_bullets=3)",
    count_param="num_bullets",
    details="As in the reference, any line starting with '-' counts (so '-5 degrees' and "
    "'---' are bullets) and so does '*' followed by anything but '*'; strict_markdown=true "
    "counts only '* ', '- ' or '+ ' items. Default relation: exactly.",
)
def bullets(p: BulletsParams, t: Text) -> Verdict:
    if p.strict_markdown:
        n = sum(1 for m in _BULLET_STRICT_RE.finditer(t.text) if not _HRULE_RE.match(m.group(0)))
    else:
        n = len(_BULLET_STAR_RE.findall(t.text)) + len(_BULLET_DASH_RE.findall(t.text))
    ok = p.relation.holds(n, p.num_bullets)
    return Verdict.of(ok, _count_reason(n, _plural(n, "bullet point"), p.relation, p.num_bullets, ok))


_HIGHLIGHT_RE = re.compile(r"\*[^\n\*]*\*")
_DOUBLE_HIGHLIGHT_RE = re.compile(r"\*\*[^\n\*]*\*\*")


@_ifeval(
    "highlights",
    "detectable_format:number_highlighted_sections",
    HighlightsParams,
    "At least a given number of *highlighted* sections (markdown emphasis).",
    "highlights(num_highlights=3)",
    count_param="num_highlights",
    details="Counts non-empty *…* spans and, separately, non-empty **…** spans on one line, "
    "as the reference does. Default relation: at least.",
)
def highlights(p: HighlightsParams, t: Text) -> Verdict:
    n = 0
    for h in _HIGHLIGHT_RE.findall(t.text):
        if h.strip("*").strip():
            n += 1
    for h in _DOUBLE_HIGHLIGHT_RE.findall(t.text):
        if h[2:-2].strip():
            n += 1
    ok = p.relation.holds(n, p.num_highlights)
    return Verdict.of(ok, _count_reason(n, _plural(n, "highlighted section"), p.relation, p.num_highlights, ok))


@_ifeval(
    "sections",
    "detectable_format:multiple_sections",
    SectionsParams,
    "At least a given number of sections, each starting with the splitter and a number "
    "(e.g. 'Section 1').",
    'sections(section_spliter="SECTION", num_sections=3)',
    count_param="num_sections",
    details="A section starts at '<section_spliter> <digits>' anywhere (case-sensitive; the "
    "splitter is a regular expression, as in the reference). Default splitter: 'Section'; "
    "default relation: at least.",
)
def sections(p: SectionsParams, t: Text) -> Verdict:
    rx = _pattern(p.section_spliter, literal=False, whole_word=False, flags=0)
    splitter = re.compile(r"\s?" + rx.pattern + r"\s?\d+\s?")
    n = len(splitter.split(t.text)) - 1
    ok = p.relation.holds(n, p.num_sections)
    noun = f"{_plural(n, 'section')} marked {p.section_spliter!r}"
    return Verdict.of(ok, _count_reason(n, noun, p.relation, p.num_sections, ok))


_TITLE_RE = re.compile(r"<<[^\n]+>>")


@_ifeval(
    "title",
    "detectable_format:title",
    _NoParams,
    "The response contains a title in double angular brackets, like <<poem of joy>>.",
    "title",
)
def title(p: _NoParams, t: Text) -> Verdict:
    for m in _TITLE_RE.finditer(t.text):
        if m.group(0).lstrip("<").rstrip(">").strip():
            return Verdict.ok(f"found title {m.group(0)!r} at {where(t, m.start())}")
    return Verdict.fail("no title in <<double angular brackets>>")


@_ifeval(
    "json_format",
    "detectable_format:json_format",
    _NoParams,
    "The entire response is JSON (optionally inside a ``` fence).",
    "json_format",
    details="Python's json.loads after removing a leading ```json/```Json/```JSON/``` "
    "and a trailing ```, as in the reference.",
)
def json_format(p: _NoParams, t: Text) -> Verdict:
    v = t.stripped
    for prefix in ("```json", "```Json", "```JSON", "```"):
        if v.startswith(prefix):
            v = v[len(prefix):]
            break
    if v.endswith("```"):
        v = v[:-3]
    v = v.strip()
    try:
        json.loads(v)
    except ValueError as e:
        msg = getattr(e, "msg", str(e))
        pos = getattr(e, "pos", None)
        where = f" at character {pos}" if isinstance(pos, int) else ""
        return Verdict.fail(f"not valid JSON: {msg}{where}")
    except RecursionError:
        return Verdict.fail("not valid JSON: nested too deeply")
    return Verdict.ok("valid JSON")


@_ifeval(
    "postscript",
    "detectable_content:postscript",
    PostscriptParams,
    "The response contains a postscript starting with the marker (e.g. P.S.).",
    'postscript(postscript_marker="P.P.S")',
    positional=("postscript_marker",),
    details="Case-insensitive; 'P.S.' also matches 'p. s.', 'P.P.S' also 'p. p. s'; as in "
    "the reference the marker may appear anywhere in a line, not only at its start. "
    "Default marker: 'P.S.'.",
)
def postscript(p: PostscriptParams, t: Text) -> Verdict:
    m = p.postscript_marker
    if m == "P.P.S":
        rx = _PPS_RE
    elif m == "P.S.":
        rx = _PS_RE
    else:
        inner = _pattern(m.lower(), literal=False, whole_word=False, flags=0).pattern
        rx = re.compile(r"\s*" + inner + r".*$", re.MULTILINE)
    hit = rx.search(t.lower)
    if hit:
        i = hit.start() + (len(hit.group(0)) - len(hit.group(0).lstrip()))
        return Verdict.ok(f"found postscript {m!r} at {where(t, i)}")
    return Verdict.fail(f"no postscript starting with {m!r}")


_PPS_RE = re.compile(r"\s*p\.\s?p\.\s?s.*$", re.MULTILINE)
_PS_RE = re.compile(r"\s*p\.\s?s\..*$", re.MULTILINE)


@_ifeval(
    "ends_with",
    "startend:end_checker",
    EndsWithParams,
    "The response ends with the exact phrase (ignoring case, surrounding whitespace and '\"').",
    'ends_with("Is there anything else I can help with?")',
    positional=("end_phrase",),
    details="As in the reference: the response is stripped of whitespace, then of '\"' "
    "characters, and compared case-insensitively; case_sensitive=true keeps case.",
)
def ends_with(p: EndsWithParams, t: Text) -> Verdict:
    v = t.stripped.strip('"')
    phrase = p.end_phrase
    if not p.case_sensitive:
        v, phrase = v.lower(), phrase.lower()
    if v.endswith(phrase):
        return Verdict.ok(f"ends with {p.end_phrase!r}")
    tail = v[-max(len(phrase), 1):]
    return Verdict.fail(f"ends with {tail!r}, not {p.end_phrase!r}")


@_ifeval(
    "quotation",
    "startend:quotation",
    _NoParams,
    "The entire response is wrapped in double quotation marks.",
    "quotation",
)
def quotation(p: _NoParams, t: Text) -> Verdict:
    v = t.stripped
    if len(v) > 1 and v[0] == '"' and v[-1] == '"':
        return Verdict.ok("wrapped in double quotation marks")
    if not v.startswith('"'):
        return Verdict.fail(f"starts with {v[:1]!r}, not '\"'")
    return Verdict.fail(f"ends with {v[-1:]!r}, not '\"'" if len(v) > 1 else "only one '\"'")


# ---------------------------------------------------------------------------
# Combinations


@_ifeval(
    "repeat_prompt",
    "combination:repeat_prompt",
    RepeatPromptParams,
    "The response starts by repeating the request word for word (case-insensitive).",
    'repeat_prompt(prompt_to_repeat="Write a poem about the sea.")',
    positional=("prompt_to_repeat",),
)
def repeat_prompt(p: RepeatPromptParams, t: Text) -> Verdict:
    want = p.prompt_to_repeat.strip().lower()
    got = t.stripped.lower()
    if got.startswith(want):
        return Verdict.ok("starts with the request")
    i = 0
    for a, b in zip(got, want):
        if a != b:
            break
        i += 1
    return Verdict.fail(f"does not start with the request; differs at character {i + 1}")


@_ifeval(
    "two_responses",
    "combination:two_responses",
    _NoParams,
    "Two different responses separated by six asterisks (******).",
    "two_responses",
)
def two_responses(p: _NoParams, t: Text) -> Verdict:
    parts = t.text.split("******")
    valid = []
    last = len(parts) - 1
    for i, part in enumerate(parts):
        if not part.strip():
            if i != 0 and i != last:
                return Verdict.fail(f"part {i + 1} between ****** separators is empty")
        else:
            valid.append(part)
    if len(valid) != 2:
        return Verdict.fail(f"found {len(valid)} {_plural(len(valid), 'response')} separated by ******; needs 2")
    if valid[0].strip() == valid[1].strip():
        return Verdict.fail("the two responses are identical")
    return Verdict.ok("two different responses")


@_ifeval(
    "constrained_response",
    "detectable_format:constrained_response",
    ConstrainedResponseParams,
    "The response contains one of the allowed answers (by default 'My answer is yes.', "
    "'My answer is no.', 'My answer is maybe.').",
    "constrained_response",
    details="As in the reference, the option may appear anywhere in the response (case-sensitive).",
)
def constrained_response(p: ConstrainedResponseParams, t: Text) -> Verdict:
    v = t.stripped
    for opt in p.options:
        if opt in v:
            return Verdict.ok(f"contains {opt!r}")
    return Verdict.fail("contains none of " + ", ".join(repr(o) for o in p.options))


# ---------------------------------------------------------------------------
# Mapping IFEval rows to parameters


def ifeval_kwargs_to_params(instruction_id: str, kwargs: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """IFEval ``kwargs`` of one instruction -> keyword arguments for our parameter model.

    A ``None`` value means "not given" and is dropped. Nothing else needs
    mapping: our parameter names are IFEval's.
    """
    if instruction_id not in IFEVAL_IDS:
        raise KeyError(f"unknown IFEval instruction id {instruction_id!r}")
    return {k: v for k, v in (kwargs or {}).items() if v is not None}
