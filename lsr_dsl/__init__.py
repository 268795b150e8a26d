"""lsr: a constraint-logic DSL and verifier compiler for LLM instruction following.

Pipeline: source → parse → AST → check → compile → verify → reward.

>>> import lsr_dsl
>>> prog = lsr_dsl.compile('no_comma AND words >= 3')
>>> prog.score("one two three four")
1.0
"""
from __future__ import annotations

from .api import clear_cache, compile, compile_all, compile_any, compile_module, dumps, fmt, load, load_module, loads
from .ast import Module
from .errors import (
    Diagnostic,
    LsrCheckError,
    LsrConfigError,
    LsrDataError,
    LsrError,
    LsrRuntimeError,
    LsrSchemaError,
    LsrSyntaxError,
)
from .interchange import from_json, json_schema
from .parser import parse
from .program import Program, Result

__version__ = "0.1.0"

__all__ = [
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
]
