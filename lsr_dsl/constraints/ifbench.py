"""Rule-checkable members of the IFBench family (allenai/IFBench).

Each definition cites the original instruction id in ``details``. The semantics
are made precise here (word: see :mod:`lsr_dsl.text.prose`); where the original
checker was looser or tokenised differently the difference is stated.
"""
from __future__ import annotations

from pydantic import Field, model_validator

from lsr_dsl.constraints.params import ALL_WORDS_DETAIL, CountParams, NoParams
from lsr_dsl.constraints.registry import constraint, Params, Verdict
from lsr_dsl.constraints.wording import plural, quote, relation_reason
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.prose import word_spans, words

IFBENCH = "ifbench"


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
    "kept), so `don't` is one word where IFBench's tokenizer may count two." + ALL_WORDS_DETAIL,
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
    "Relation defaults to `>=`." + ALL_WORDS_DETAIL,
    example="unique_words >= 50",
)
def unique_words(p: CountParams, t: Text) -> Verdict:
    n = len({w.casefold() for w in words(t)})
    return relation_reason(n, p.relation, p.n, "distinct word")


# -- word positions -----------------------------------------------------------------

@constraint(
    "no_consecutive_first_letter",
    params=NoParams,
    family=IFBENCH,
    summary="No two adjacent words start with the same letter (ignoring case).",
    details="IFBench `words:no_consecutive`. Words are compared in order across sentence and line breaks; "
    "words starting with a digit never clash." + ALL_WORDS_DETAIL,
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
