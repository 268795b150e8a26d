"""Token categories for the saliency summary: logical connectors, the spec's constraint words, other.

The constraint words of a spec are the words of its constraint names (``no_comma`` → no, comma),
its string arguments (``keywords(["sea"])`` → sea) and its numbers (``words >= 30`` → words, 30).
Words match after lower-casing and dropping a plural ``s``/``es``, so "commas" matches ``no_comma``.
"""
from __future__ import annotations

import re
from typing import Any, FrozenSet, Iterable, Iterator, Optional

from lsr_dsl.language import ast

CONNECTOR, CONSTRAINT, OTHER = "connector", "constraint", "other"
CATEGORIES = (CONNECTOR, CONSTRAINT, OTHER)

#: Words that order, condition or join instructions ("First …, then …; if …, otherwise …").
CONNECTORS: FrozenSet[str] = frozenset(
    "first second third fourth fifth then next finally lastly last afterwards after before "
    "if unless otherwise else when whenever while until and or but also either neither nor "
    "both only except instead however therefore so".split()
)

#: Pieces of constraint names and argument values too generic to mark a token as a constraint word.
_GENERIC = frozenset("the a an of in to is be at by on min max relation true false none english".split())
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def stem(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("es") and w[-3] in "sxz":
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def spec_words(source: str, *, file: Optional[str] = None) -> FrozenSet[str]:
    """The stems of the constraint words of every spec in ``source`` (.lsr text or AST JSON)."""
    from lsr_dsl.api import compile_all, loads

    compile_all(source, file=file)  # an unknown constraint or a bad argument is the spec's own error
    module = loads(source, file=file)
    words = set()
    for item in (*module.definitions, *module.specs):
        expr = getattr(item, "expr", None)
        if expr is not None:
            words.update(_expr_words(expr))
    return frozenset(stem(w) for w in words if w.lower() not in _GENERIC)


def _expr_words(expr: Any) -> Iterator[str]:
    if isinstance(expr, ast.Atom):
        yield from WORD.findall(expr.name)
        for arg in expr.args:
            yield from _value_words(arg.value)
        if expr.compare is not None:
            yield from _value_words(expr.compare.value)
    elif isinstance(expr, (ast.And, ast.Then)):
        for child in expr.children:
            yield from _expr_words(child)
    elif isinstance(expr, ast.If):
        for part in (expr.condition, expr.then, expr.else_):
            if part is not None:
                yield from _expr_words(part)
    elif isinstance(expr, ast.Group):
        yield from _expr_words(expr.expr)
    elif isinstance(expr, ast.Scope):
        yield from WORD.findall(expr.part.name)
        for arg in expr.part.args:
            yield from _value_words(arg.value)
        yield from _expr_words(expr.body)
    elif isinstance(expr, ast.ForEach):
        yield from WORD.findall(expr.unit)
        yield from _expr_words(expr.body)


def _value_words(value: Any) -> Iterator[str]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        yield f"{value:g}" if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        yield from WORD.findall(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _value_words(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _value_words(v)


def categorize(word: Optional[str], constraint_words: Iterable[str] = ()) -> str:
    """The category of the word a token belongs to (None: a token of punctuation or space)."""
    if not word:
        return OTHER
    if word.lower() in CONNECTORS:
        return CONNECTOR
    if stem(word) in set(constraint_words):
        return CONSTRAINT
    return OTHER
