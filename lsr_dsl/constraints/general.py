"""General checks outside any benchmark family: emojis, capitalised sentences, double spaces."""
from __future__ import annotations

import regex

from lsr_dsl.constraints.params import CountParams, NoParams, SENTENCE_RULES
from lsr_dsl.constraints.registry import constraint, Verdict
from lsr_dsl.constraints.wording import quote, relation_reason
from lsr_dsl.text.analysis import Text
from lsr_dsl.text.markdown import markdown, table_rows
from lsr_dsl.text.prose import sentences

GENERAL = "general"


# -- general -----------------------------------------------------------------------

_EMOJI_RE = regex.compile(
    r"\p{Regional_Indicator}{2}"
    r"|(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|[0-9#*]\uFE0F?\u20E3)"
    r"(?:\uFE0F|\p{Emoji_Modifier}|\u200D(?:\p{Emoji_Presentation}|\p{Extended_Pictographic})\uFE0F?)*"
)


@constraint(
    "emojis",
    params=CountParams,
    count_param="n",
    family=GENERAL,
    measure="emojis",
    summary="The number of emoji compared with `n` (write `emojis == 0` for \"no emoji\").",
    details="Counts emoji presentation characters, flags and joined sequences (a ZWJ family or a skin-tone "
    "variant is one emoji); text symbols such as © or ™ are not emoji." + " Relation defaults to `>=`.",
    example="emojis == 0",
)
def emojis(p: CountParams, t: Text) -> Verdict:
    found = t.memo(("extra", "emojis"), lambda tt: [m.start() for m in _EMOJI_RE.finditer(tt.text)])
    v = relation_reason(len(found), p.relation, p.n, "emoji", "emoji")
    if not v.passed and found:
        line, col = t.line_col(found[0])
        return Verdict.fail(f"{v.reason}; the first at line {line}, column {col}")
    return v


_LEAD_RE = regex.compile(r"^[^\p{L}\p{N}]*")


@constraint(
    "capitalized_sentences",
    params=NoParams,
    family=GENERAL,
    summary="Every sentence starts with a capital letter.",
    details=SENTENCE_RULES + " Leading punctuation, quotes and markdown markers (heading `#`, list markers "
    "`-`/`*`/`+`/`•`/`1.`/`1)`) are skipped, so `1. first item` fails just like `- first item`; a sentence "
    "starting with a digit, or with a letter that has no case (e.g. CJK), passes. Fenced code is not checked. "
    "An empty response passes.",
    example="capitalized_sentences",
)
def capitalized_sentences(p: NoParams, t: Text) -> Verdict:
    for i, s in enumerate(sentences(t), 1):
        rest = s[_LEAD_RE.match(s).end():]
        if rest and rest[0].islower():
            return Verdict.fail(f"sentence {i} starts with a lowercase letter: {quote(rest)}")
    return Verdict.ok("every sentence starts with a capital letter or a non-letter")


_DOUBLE_SPACE_RE = regex.compile(r"(?<=\S)[ \t]{2,}(?=\S)")


@constraint(
    "no_double_spaces",
    params=NoParams,
    family=GENERAL,
    summary="No run of two or more spaces or tabs between words.",
    details="Indentation at the start of a line, trailing spaces (markdown line breaks), lines inside fenced "
    "code and rows of markdown tables (as `tables` finds them, where cells are often padded: `| a  | b |`) are "
    "ignored.",
    example="no_double_spaces",
)
def no_double_spaces(p: NoParams, t: Text) -> Verdict:
    rows = table_rows(t)
    for n, ln in markdown(t).prose_lines:
        if n in rows:
            continue
        m = _DOUBLE_SPACE_RE.search(ln)
        if m:
            return Verdict.fail(f"found {len(m.group())} consecutive spaces/tabs at line {n}, column {m.start() + 1}")
    return Verdict.ok("no double spaces")
