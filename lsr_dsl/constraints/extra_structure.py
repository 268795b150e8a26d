"""Length, layout and markdown constraints beyond IFEval, and scoped for-each checks."""
from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator, model_validator

from ..text import Text
from .extra_common import (
    all_of,
    bullets,
    count_words,
    headings,
    markdown,
    nonblank_lines,
    numbered_items,
    paragraph_sentences,
    plural,
    prose,
    quote,
    relation_reason,
    sentences,
    tables,
)
from .registry import Params, Relation, Verdict, constraint

FAMILY_LENGTH = "length"
FAMILY_MARKDOWN = "markdown"
FAMILY_SCOPED = "scoped"

#: The sentence rule shared by every sentence-based check (each_sentence, each_paragraph,
#: sentences_start_with, capitalized_sentences); see extra_common's docstring.
SENTENCE_RULES = (
    "Sentences are English Punkt sentences (the splitter of the IFEval `sentences` constraint, so "
    "abbreviations such as `Dr.` or `e.g.` usually do not end one), found separately in each prose block: "
    "blank lines separate blocks; every markdown heading (title without the `#` marks), every list item "
    "(after its `-`, `*`, `+`, `•`, `1.` or `1)` marker; plain lines right after it continue the item) and "
    "every table row (the `---` delimiter row dropped) is a block of its own; a thematic break (`***`) ends a "
    "block; fenced code is left out. A "
    "single line break elsewhere does not end a sentence. So `one two\\n\\nthree four`, `- one two\\n- three "
    "four` and `# Title here\\nBody text is long.` each have two sentences (`sentences`, which runs Punkt "
    "over the raw text, may count fewer). Pieces without a letter or digit are not sentences."
)

_COUNT_DETAILS = (
    " Compare with sugar (`{name} >= 3`) or with `relation` and `n`; without a comparison the relation "
    "is `>=` and `n` is 1, i.e. \"at least one\"."
)


class CountParams(Params):
    """A count compared with ``relation`` (default ``>=``) against ``n`` (default 1)."""

    relation: Relation = Field(Relation.GE, description="How the measured count compares with `n`.")
    n: int = Field(1, ge=0, description="The number to compare the count with.")


# -- length --------------------------------------------------------------------

@constraint(
    "chars",
    params=CountParams,
    count_param="n",
    family=FAMILY_LENGTH,
    measure="chars",
    summary="The number of characters (Unicode code points, whitespace included) compared with `n`.",
    details="Counts every code point of the response as given, including spaces and newlines." + _COUNT_DETAILS.format(name="chars"),
    example="chars <= 280",
)
def chars(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(t.text), p.relation, p.n, "character")


@constraint(
    "lines",
    params=CountParams,
    count_param="n",
    family=FAMILY_LENGTH,
    measure="lines",
    summary="The number of non-empty lines compared with `n`.",
    details="Lines holding only whitespace are not counted." + _COUNT_DETAILS.format(name="lines"),
    example="lines == 4",
)
def lines(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(nonblank_lines(t)), p.relation, p.n, "non-empty line")


@constraint(
    "blank_line_paragraphs",
    params=CountParams,
    count_param="n",
    family=FAMILY_LENGTH,
    measure="blank_line_paragraphs",
    summary="The number of paragraphs separated by blank lines compared with `n`.",
    details="A paragraph is a run of non-blank lines separated from the next by one or more blank lines "
    "(lines holding only whitespace). Fenced code (``` or ~~~) is not prose: it is left out and separates the "
    "paragraphs around it, so blank lines inside a fence split nothing and a response that is only code has no "
    "paragraphs. IFEval's `paragraphs` instead splits on `***` dividers." + _COUNT_DETAILS.format(name="blank_line_paragraphs"),
    example="blank_line_paragraphs == 3",
)
def blank_line_paragraphs(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(prose(t)), p.relation, p.n, "paragraph")


# -- markdown ------------------------------------------------------------------

class HeadingParams(CountParams):
    level: Optional[int] = Field(None, ge=1, le=6, description="Only count headings of this level (1 = `#`); any level if omitted.")


@constraint(
    "headings",
    params=HeadingParams,
    count_param="n",
    family=FAMILY_MARKDOWN,
    summary="The number of markdown ATX headings (`#` … `######`) compared with `n`.",
    details="Lines inside fenced code are ignored; setext (underlined) headings are not counted."
    + _COUNT_DETAILS.format(name="headings"),
    example="headings(level=2) >= 3",
)
def headings_check(p: HeadingParams, t: Text) -> Verdict:
    hs = [h for h in headings(t) if p.level is None or h[1] == p.level]
    what = "heading" if p.level is None else f"level-{p.level} heading"
    return relation_reason(len(hs), p.relation, p.n, what)


class CodeBlockParams(CountParams):
    language: Optional[str] = Field(
        None,
        description="Only count fences whose info string's first word equals this language, ignoring case "
        "(```Python title=x``` matches \"python\"; ```python3``` does not).",
    )

    @field_validator("language")
    @classmethod
    def _lang(cls, v: Optional[str]) -> Optional[str]:
        if v is not None:
            v = v.strip().lower()
            if not v or any(c.isspace() or c == "`" for c in v):
                raise ValueError("language must be one word, e.g. 'python'")
        return v


@constraint(
    "code_blocks",
    params=CodeBlockParams,
    count_param="n",
    family=FAMILY_MARKDOWN,
    summary="The number of fenced code blocks (``` or ~~~) compared with `n`.",
    details="An unclosed fence runs to the end of the response and still counts. With `language`, the first "
    "word of the fence's info string must equal it exactly, ignoring case (no prefix match: `python3` is not "
    "`python`)." + _COUNT_DETAILS.format(name="code_blocks"),
    example='code_blocks(language="python") == 1',
)
def code_blocks(p: CodeBlockParams, t: Text) -> Verdict:
    blocks = [b for b in markdown(t).code_blocks if p.language is None or b.language == p.language]
    what = "code block" if p.language is None else f"{p.language} code block"
    return relation_reason(len(blocks), p.relation, p.n, what)


@constraint(
    "tables",
    params=CountParams,
    count_param="n",
    family=FAMILY_MARKDOWN,
    measure="tables",
    summary="The number of GitHub-flavoured markdown tables compared with `n`.",
    details="A table is a header row with `|` followed by a delimiter row (`---`, `:--:` …) with the same number "
    "of cells; lines inside fenced code are ignored." + _COUNT_DETAILS.format(name="tables"),
    example="tables >= 1",
)
def tables_check(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(tables(t)), p.relation, p.n, "table")


@constraint(
    "numbered_list",
    params=CountParams,
    count_param="n",
    family=FAMILY_MARKDOWN,
    measure="numbered_items",
    summary="The number of numbered list items (`1.` or `1)` at line start) compared with `n`.",
    details="Items may be indented (nested items count too); lines inside fenced code are ignored."
    + _COUNT_DETAILS.format(name="numbered_list"),
    example="numbered_list == 5",
)
def numbered_list(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(numbered_items(t)), p.relation, p.n, "numbered item")


# -- scoped (for-each) checks ---------------------------------------------------

def _bounds_ok(lo: Optional[int], hi: Optional[int], what: str) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"min_{what} ({lo}) is greater than max_{what} ({hi})")


def _check_bound(value: int, lo: Optional[int], hi: Optional[int], unit: str) -> Optional[str]:
    if hi is not None and value > hi:
        return f"has {plural(value, unit)}; at most {hi} allowed"
    if lo is not None and value < lo:
        return f"has {plural(value, unit)}; at least {lo} required"
    return None


class EachParagraphParams(Params):
    min_sentences: Optional[int] = Field(None, ge=0, description="Least number of sentences in every paragraph.")
    max_sentences: Optional[int] = Field(None, ge=0, description="Most sentences in any paragraph.")
    min_words: Optional[int] = Field(None, ge=0, description="Least number of words in every paragraph.")
    max_words: Optional[int] = Field(None, ge=0, description="Most words in any paragraph.")

    @model_validator(mode="after")
    def _some_bound(self):
        if all(v is None for v in (self.min_sentences, self.max_sentences, self.min_words, self.max_words)):
            raise ValueError("give at least one of min_sentences, max_sentences, min_words, max_words")
        _bounds_ok(self.min_sentences, self.max_sentences, "sentences")
        _bounds_ok(self.min_words, self.max_words, "words")
        return self


@constraint(
    "each_paragraph",
    params=EachParagraphParams,
    family=FAMILY_SCOPED,
    summary="Every blank-line separated paragraph has a bounded number of sentences and/or words.",
    details="Paragraphs as in `blank_line_paragraphs` (fenced code left out). A paragraph's sentences are "
    "counted as in `each_sentence`: headings, list items and table rows are blocks of their own, so a "
    "paragraph made of three list items has at least three sentences. Its words are those of these blocks "
    "(list markers such as `1.` and table pipes are not words). An empty response has no paragraphs and "
    "fails. The reason names the first offending paragraph.",
    example="each_paragraph(max_sentences=3, min_words=20)",
)
def each_paragraph(p: EachParagraphParams, t: Text) -> Verdict:
    paras = prose(t)
    if not paras:
        return Verdict.fail("the response has no paragraphs")
    for i, para in enumerate(paras, 1):
        if p.min_sentences is not None or p.max_sentences is not None:
            bad = _check_bound(len(paragraph_sentences(para)), p.min_sentences, p.max_sentences, "sentence")
            if bad:
                return Verdict.fail(f"paragraph {i} {bad}")
        if p.min_words is not None or p.max_words is not None:
            bad = _check_bound(sum(count_words(b) for b in para.blocks), p.min_words, p.max_words, "word")
            if bad:
                return Verdict.fail(f"paragraph {i} {bad}")
    return Verdict.ok(f"{all_of(len(paras), 'paragraph')} within bounds")


class EachWordsParams(Params):
    min_words: Optional[int] = Field(None, ge=0, description="Least number of words in each item.")
    max_words: Optional[int] = Field(None, ge=0, description="Most words in any item.")

    @model_validator(mode="after")
    def _some_bound(self):
        if self.min_words is None and self.max_words is None:
            raise ValueError("give min_words or max_words (or both)")
        _bounds_ok(self.min_words, self.max_words, "words")
        return self


class EachBulletParams(EachWordsParams):
    allow_none: bool = Field(False, description="Pass when the response has no list items at all.")


@constraint(
    "each_bullet",
    params=EachBulletParams,
    family=FAMILY_SCOPED,
    summary="Every list item (bulleted or numbered) has a bounded number of words.",
    details="Items are lines starting with `-`, `*`, `+`, `•`, `1.` or `1)` and a space, outside fenced code; "
    "the item's text is that line after the marker. With no items the check fails unless `allow_none=true`.",
    example="each_bullet(max_words=12)",
)
def each_bullet(p: EachBulletParams, t: Text) -> Verdict:
    items = bullets(t)
    if not items:
        return Verdict.of(p.allow_none, "the response has no list items")
    for i, (line, item) in enumerate(items, 1):
        bad = _check_bound(count_words(item), p.min_words, p.max_words, "word")
        if bad:
            return Verdict.fail(f"list item {i} (line {line}, {quote(item)}) {bad}")
    return Verdict.ok(f"{all_of(len(items), 'list item')} within bounds")


@constraint(
    "each_sentence",
    params=EachWordsParams,
    family=FAMILY_SCOPED,
    summary="Every sentence has a bounded number of words.",
    details=SENTENCE_RULES + " An empty response (or one that is only fenced code) has no sentences and fails.",
    example="each_sentence(max_words=25)",
)
def each_sentence(p: EachWordsParams, t: Text) -> Verdict:
    sents = sentences(t)
    if not sents:
        return Verdict.fail("the response has no sentences")
    for i, s in enumerate(sents, 1):
        bad = _check_bound(count_words(s), p.min_words, p.max_words, "word")
        if bad:
            return Verdict.fail(f"sentence {i} ({quote(s)}) {bad}")
    return Verdict.ok(f"{all_of(len(sents), 'sentence')} within bounds")
