"""Parameter models and detail texts shared by several constraint families."""
from __future__ import annotations

from pydantic import Field, field_validator

from lsr_dsl.constraints.registry import Params, Relation
from lsr_dsl.text.prose import WORD_RE

#: The sentence rule shared by every sentence-based check (each_sentence, each_paragraph,
#: sentences_start_with, capitalized_sentences); see the docstring of lsr_dsl.text.prose.
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

COUNT_DETAILS = (
    " Compare with sugar (`{name} >= 3`) or with `relation` and `n`; without a comparison the relation "
    "is `>=` and `n` is 1, i.e. \"at least one\"."
)


class CountParams(Params):
    """A count compared with ``relation`` (default ``>=``) against ``n`` (default 1)."""

    relation: Relation = Field(Relation.GE, description="How the measured count compares with `n`.")
    n: int = Field(1, ge=0, description="The number to compare the count with.")


class NoParams(Params):
    pass


#: Appended to the details of checks that count every word of the response.
ALL_WORDS_DETAIL = " Every word of the response counts, fenced code included (as IFEval's word counts)."


class WordParams(Params):
    word: str = Field(description="A single word (letters/digits, inner ' or - allowed); compared ignoring case.")

    @field_validator("word")
    @classmethod
    def _one_word(cls, v: str) -> str:
        v = v.strip()
        if not WORD_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not a single word")
        return v


def same_word(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()
