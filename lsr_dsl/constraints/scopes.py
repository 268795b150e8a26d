"""Scoped for-each checks: every paragraph, every bullet, every sentence."""
from __future__ import annotations

from typing import Optional

from pydantic import Field, model_validator

from lsr_dsl.constraints.params import SENTENCE_RULES
from lsr_dsl.constraints.registry import constraint, Params, Verdict
from lsr_dsl.constraints.wording import all_of, plural, quote
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.markdown import bullets
from lsr_dsl.text.prose import count_words, paragraph_sentences, prose, sentences

FAMILY_SCOPED = "scoped"


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
