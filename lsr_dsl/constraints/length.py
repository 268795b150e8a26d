"""Length and layout: characters, lines, blank-line paragraphs."""
from __future__ import annotations

from pydantic import Field

from lsr_dsl.constraints.params import COUNT_DETAILS, CountParams
from lsr_dsl.constraints.registry import constraint, Verdict
from lsr_dsl.constraints.wording import relation_reason
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.prose import nonblank_lines, prose
from lsr_dsl.text.scripts import char_count, mixed_words

FAMILY_LENGTH = "length"


# -- length --------------------------------------------------------------------

class CharsParams(CountParams):
    whitespace: bool = Field(True, description="Count whitespace characters (false: leave out every character `str.isspace()` holds for: spaces, tabs, newlines, U+3000 …).")
    punctuation: bool = Field(True, description="Count punctuation (false: leave out Unicode category P*: . , ! ? 。 ， 、 「 」 …).")


@constraint(
    "chars",
    params=CharsParams,
    count_param="n",
    family=FAMILY_LENGTH,
    measure="chars",
    summary="The number of characters (Unicode code points, whitespace included) compared with `n`.",
    details="Counts every code point of the response as given, including spaces and newlines. "
    "`whitespace=false` leaves out whitespace (what CJK benchmarks count as 字数: `chars(whitespace=false) <= 300`); "
    "`punctuation=false` leaves out punctuation (Unicode category P*) too. Emoji and other symbols always count."
    + COUNT_DETAILS.format(name="chars"),
    example="chars <= 280",
)
def chars(p: CharsParams, t: Text) -> Verdict:
    n = char_count(t, whitespace=p.whitespace, punctuation=p.punctuation)
    what = {(True, True): "character", (False, True): "non-space character", (True, False): "non-punctuation character"}.get(
        (p.whitespace, p.punctuation), "non-space, non-punctuation character")
    return relation_reason(n, p.relation, p.n, what)


@constraint(
    "cjk_words",
    params=CountParams,
    count_param="n",
    family=FAMILY_LENGTH,
    measure="cjk_words",
    summary="The number of words in any script, each Chinese or Japanese character one word, compared with `n`.",
    details="Each Han, Hiragana or Katakana character counts as one word (Chinese and Japanese are written "
    "without spaces); any other run of word characters (`\\w`: letters, digits, marks, Hangul) is one word, as in "
    "`words`. So `我爱 Python 3` has 4 words, while `words` counts 3 (`我爱` is one `\\w` run). "
    "For English text it counts the same as `words`." + COUNT_DETAILS.format(name="cjk_words"),
    example="cjk_words <= 300",
)
def cjk_words(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(mixed_words(t)), p.relation, p.n, "word")


@constraint(
    "lines",
    params=CountParams,
    count_param="n",
    family=FAMILY_LENGTH,
    measure="lines",
    summary="The number of non-empty lines compared with `n`.",
    details="Lines holding only whitespace are not counted." + COUNT_DETAILS.format(name="lines"),
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
    "paragraphs. IFEval's `paragraphs` instead splits on `***` dividers." + COUNT_DETAILS.format(name="blank_line_paragraphs"),
    example="blank_line_paragraphs == 3",
)
def blank_line_paragraphs(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(prose(t)), p.relation, p.n, "paragraph")
