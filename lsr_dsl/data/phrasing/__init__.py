"""Phrasing tables for :mod:`lsr_dsl.data.render`, one module per language.

A language module defines

- ``DO``: constraint name → phrasings of the constraint as an instruction (an imperative
  verb phrase: ``"avoid commas"``); each phrasing is ``f(p) -> str`` where ``p`` is the
  atom's parameters (a dict, relations as :class:`~lsr_dsl.constraints.registry.Relation`);
- ``HOLDS``: constraint name → phrasings of the constraint as a fact about a text, used in
  conditions (``"mentions 'error'"``, read after "your answer" or "the request");
- ``GLUE``: the words that join them (``first``, ``then``, ``if``, ``otherwise`` …);
- ``generic_do(summary, args)`` / ``generic_holds(summary, args)``: the fallback for a
  constraint without a table entry, built from its registry summary and its arguments,
  so a newly registered constraint renders before anyone writes its phrasings.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from lsr_dsl.language.errors import LsrError, closest

__all__ = ["LANGUAGES", "table"]

#: Languages with a phrasing table (module name = language code).
LANGUAGES = ("en",)


def table(language: str) -> ModuleType:
    """The phrasing module of ``language``; an error with a hint for an unknown one."""
    if language not in LANGUAGES:
        hint = closest(language, LANGUAGES)
        raise LsrError(f"no phrasing table for language {language!r}" + (f"; did you mean {hint!r}?" if hint else f"; available: {', '.join(LANGUAGES)}"))
    return importlib.import_module(f"lsr_dsl.data.phrasing.{language}")
