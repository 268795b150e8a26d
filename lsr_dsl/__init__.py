"""lsr: a constraint-logic DSL and verifier compiler for LLM instruction following.

Pipeline: source → parse → AST → check → compile → verify → reward/eval; the folders follow
it (see docs/architecture.md).

>>> import lsr_dsl
>>> prog = lsr_dsl.compile('no_comma AND words >= 3')
>>> prog.score("one two three four")
1.0
"""
from __future__ import annotations

from lsr_dsl.api import (
    clear_cache,
    compile,
    compile_all,
    compile_any,
    compile_module,
    dumps,
    fmt,
    load,
    load_module,
    loads,
)
from lsr_dsl.data.render import render
from lsr_dsl.language import ast
from lsr_dsl.language.ast import Module
from lsr_dsl.language.errors import (
    Diagnostic,
    LsrCheckError,
    LsrConfigError,
    LsrDataError,
    LsrError,
    LsrRuntimeError,
    LsrSchemaError,
    LsrSyntaxError,
)
from lsr_dsl.language.interchange import from_json, json_schema
from lsr_dsl.language.parser import parse
from lsr_dsl.verifier.program import Program, Result
from lsr_dsl.version import __version__


__all__ = [
    "__version__",
    "ast",
    "Diagnostic",
    "LsrCheckError",
    "LsrConfigError",
    "LsrDataError",
    "LsrError",
    "LsrRuntimeError",
    "LsrSchemaError",
    "LsrSyntaxError",
    "Module",
    "Program",
    "Result",
    "clear_cache",
    "compile",
    "compile_all",
    "compile_any",
    "compile_module",
    "dumps",
    "fmt",
    "from_json",
    "json_schema",
    "load",
    "load_module",
    "loads",
    "parse",
    "render",
]
