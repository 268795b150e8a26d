"""How constraints word their reasons: short quotes, plurals and pass/fail lines for counts."""
from __future__ import annotations

from typing import Any, Optional

from lsr_dsl.constraints.registry import Relation, Verdict


def quote(s: str, limit: int = 40) -> str:
    """A short, repr-quoted excerpt of ``s`` for reasons."""
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return repr(s)


def plural(n: int, word: str, words: Optional[str] = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def all_of(n: int, word: str) -> str:
    """'the only paragraph is' / 'all 3 paragraphs are'."""
    return f"the only {word} is" if n == 1 else f"all {n} {word}s are"


def relation_reason(actual: int, rel: Relation, target: float, what: str, whats: Optional[str] = None) -> Verdict:
    """Pass/fail for ``actual rel target`` with a reason like 'found 3 lines; need at least 5'."""
    ok = rel.holds(actual, target)
    tgt = int(target) if float(target).is_integer() else target
    return Verdict.of(ok, f"found {plural(actual, what, whats)}; need {rel.words} {tgt}")


def where(t: Any, offset: int) -> str:
    """'line L, column C' of a character offset of the text."""
    line, col = t.line_col(offset)
    return f"line {line}, column {col}"

