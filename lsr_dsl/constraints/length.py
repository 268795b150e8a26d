"""Length and layout: characters, lines, blank-line paragraphs."""
from __future__ import annotations

from lsr_dsl.constraints.params import COUNT_DETAILS, CountParams
from lsr_dsl.constraints.registry import constraint, Verdict
from lsr_dsl.constraints.wording import relation_reason
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.prose import nonblank_lines, prose

FAMILY_LENGTH = "length"


# -- length --------------------------------------------------------------------

@constraint(
    "chars",
    params=CountParams,
    count_param="n",
    family=FAMILY_LENGTH,
    measure="chars",
    summary="The number of characters (Unicode code points, whitespace included) compared with `n`.",
    details="Counts every code point of the response as given, including spaces and newlines." + COUNT_DETAILS.format(name="chars"),
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
