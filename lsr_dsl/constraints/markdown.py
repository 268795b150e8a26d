"""Markdown structure: headings, fenced code blocks, tables, numbered lists."""
from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator

from lsr_dsl.constraints.params import COUNT_DETAILS, CountParams
from lsr_dsl.constraints.registry import constraint, Verdict
from lsr_dsl.constraints.wording import relation_reason
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.markdown import headings, markdown, numbered_items, tables

FAMILY_MARKDOWN = "markdown"


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
    + COUNT_DETAILS.format(name="headings"),
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
    "`python`)." + COUNT_DETAILS.format(name="code_blocks"),
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
    "of cells; lines inside fenced code are ignored." + COUNT_DETAILS.format(name="tables"),
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
    + COUNT_DETAILS.format(name="numbered_list"),
    example="numbered_list == 5",
)
def numbered_list(p: CountParams, t: Text) -> Verdict:
    return relation_reason(len(numbered_items(t)), p.relation, p.n, "numbered item")
