"""AST → canonical .lsr source (``lsr fmt``).

The canonical form puts settings first, then definitions, then specs; spells
keywords in capitals; writes one space around operators; and breaks a long
top-level chain before each operator. ``parse(format(m)) == m`` holds for every
module (spans aside). Comments, when given, are kept: each is written above the
top-level item it was found in, or at the end.
"""
from __future__ import annotations

import math
import re
from typing import Any, List, Optional, Sequence, Tuple

from lsr_dsl.language import ast

INDENT = "  "
WIDTH = 88

_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _escape_char(ch: str, *, newlines: bool) -> str:
    if ch == "\n" and not newlines:
        return "\n"
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch]
    if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029":
        return f"\\u{ord(ch):04x}"
    if 0xD800 <= ord(ch) <= 0xDFFF:  # lone surrogate: not representable in UTF-8 files
        return f"\\u{ord(ch):04x}"
    return ch


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]*\Z')


def format_string(value: str) -> str:
    """A string literal that decodes back to ``value``."""
    if _PLAIN.match(value):  # nothing to escape: the common case
        return '"' + value + '"'
    if "\n" in value and '"""' not in value and not value.endswith('"') and all(ord(c) <= 0xFFFF for c in value):
        body = "".join(_escape_char(c, newlines=False) if c != '"' else '"' for c in value)
        return '"""' + body + '"""'
    out = []
    for c in value:
        if ord(c) > 0xFFFF:
            out.append(c)
        else:
            out.append(_escape_char(c, newlines=True))
    return '"' + "".join(out) + '"'


def format_value(value: Any) -> str:
    """A literal for a JSON-like value."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{value!r} has no literal in .lsr")
        r = repr(value)
        return r if any(c in r for c in ".e") else r + ".0"
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{format_string(str(k))}: {format_value(v)}" for k, v in value.items()) + "}"
    raise ValueError(f"{type(value).__name__} has no literal in .lsr")


def _gamma_suffix(gamma: Optional[float]) -> str:
    return "" if gamma is None else f"[gamma={format_value(float(gamma))}]"


def format_expr(node: Any) -> str:
    """One-line form of an expression."""
    if isinstance(node, ast.Atom):
        s = node.name
        if node.called or node.args:
            parts = []
            for a in node.args:
                v = format_value(a.value)
                parts.append(v if a.name is None else f"{a.name}={v}")
            s += "(" + ", ".join(parts) + ")"
        if node.compare is not None:
            s += f" {node.compare.op} {format_value(node.compare.value)}"
        return s
    if isinstance(node, ast.Group):
        return "(" + format_expr(node.expr) + ")"
    if isinstance(node, ast.And):
        return " AND ".join(format_expr(c) for c in node.children)
    if isinstance(node, ast.Then):
        op = f" THEN{_gamma_suffix(node.gamma)} "
        return op.join(format_expr(c) for c in node.children)
    if isinstance(node, ast.If):
        target = f"{node.target} " if (node.explicit_target or node.target != "response") else ""
        s = f"IF {target}{format_expr(node.condition)} THEN {format_expr(node.then)}"
        if node.else_ is not None:
            s += f" ELSE {format_expr(node.else_)}"
        return s
    if isinstance(node, ast.Scope):
        return f"in {format_part(node.part)} {{ {format_expr(node.body)} }}"
    if isinstance(node, ast.ForEach):
        reduction = ""
        if node.reduction is not None:
            reduction = f" at_least({node.k})" if node.reduction == "at_least" else f" {node.reduction}"
        return f"for each {node.unit}{reduction} {{ {format_expr(node.body)} }}"
    raise TypeError(f"not an expression node: {type(node).__name__}")


def format_part(part: ast.Part) -> str:
    """A part as written: ``section(2)``, ``heading("Poem")``, ``quoted``."""
    if part.called or part.args:
        return part.name + "(" + ", ".join(format_value(a.value) if a.name is None else f"{a.name}={format_value(a.value)}" for a in part.args) + ")"
    return part.name


def format_example(example: ast.Example) -> str:
    """One example block: ``example fail \"\"\"…\"\"\" score 0.25`` (options in canonical order).
    The response's own lines are never indented: they are the text of the string."""
    parts = [f"example {example.expect} {format_string(example.response)}"]
    for key in ast.EXAMPLE_OPTIONS:
        value = getattr(example, key)
        if value is not None:
            parts.append(f"{key} {format_value(value)}")
    return " ".join(parts)


def _format_block(node: Any, indent: str) -> str:
    """An expression, broken over lines before each top-level operator when long."""
    one = format_expr(node)
    if len(indent) + len(one) <= WIDTH:
        return indent + one
    if isinstance(node, ast.Then):
        op = f"THEN{_gamma_suffix(node.gamma)} "
        lines = [indent + format_expr(node.children[0])]
        lines += [indent + op + format_expr(c) for c in node.children[1:]]
        return "\n".join(lines)
    if isinstance(node, ast.And):
        lines = [indent + format_expr(node.children[0])]
        lines += [indent + "AND " + format_expr(c) for c in node.children[1:]]
        return "\n".join(lines)
    if isinstance(node, ast.If):
        target = f"{node.target} " if (node.explicit_target or node.target != "response") else ""
        lines = [f"{indent}IF {target}{format_expr(node.condition)}", f"{indent}THEN {format_expr(node.then)}"]
        if node.else_ is not None:
            lines.append(f"{indent}ELSE {format_expr(node.else_)}")
        return "\n".join(lines)
    return indent + one


Comment = Tuple[int, str]  # (line, text including '#')


def _item_start(node: Any) -> int:
    return node.span.line if node.span is not None else 0


def _item_end(node: Any) -> int:
    return node.span.end_line if node.span is not None else 0


def format_module(module: ast.Module, comments: Sequence[Comment] = ()) -> str:
    """Canonical source for a module (ends with one newline)."""
    pending: List[Comment] = sorted(comments)
    chunks: List[str] = []

    def take_comments(upto_line: int) -> List[str]:
        nonlocal pending
        taken = [text for line, text in pending if line <= upto_line]
        pending = [(l, t) for l, t in pending if l > upto_line]
        return taken

    if module.settings:
        lines: List[str] = []
        for s in module.settings:
            lines += take_comments(_item_end(s))
            lines.append(f"set {s.name} = {format_value(s.value)}")
        chunks.append("\n".join(lines))
    for d in module.definitions:
        lines = take_comments(_item_end(d))
        one = format_expr(d.expr)
        head = f"let {d.name} ="
        if "\n" not in one and len(head) + 1 + len(one) <= WIDTH:
            lines.append(f"{head} {one}")
        else:  # continuation lines are indented; text inside string literals never is
            lines.append(head + "\n" + _format_block(d.expr, INDENT))
        chunks.append("\n".join(lines))
    for spec in module.specs:
        # comments after the expression, among the examples, stay there; the rest go above
        inner: List[Comment] = []
        if spec.examples and spec.expr.span is not None and spec.span is not None:
            after, until = spec.expr.span.end_line, spec.span.end_line
            inner = [(l, t) for l, t in pending if after < l <= until]
            pending = [c for c in pending if c not in inner]
        lines = take_comments(_item_end(spec))
        if module.bare and spec.name == "main" and not spec.meta and not spec.examples:
            lines.append(_format_block(spec.expr, ""))
        else:
            lines.append(f"spec {spec.name} {{")
            for m in spec.meta:
                lines.append(f"{INDENT}{m.key}: {format_value(m.value)}")
            lines.append(_format_block(spec.expr, INDENT))
            for example in spec.examples:
                lines.append("")
                upto = example.span.line if example.span is not None else 0
                lines += [INDENT + t for l, t in inner if l <= upto]
                inner = [(l, t) for l, t in inner if l > upto]
                lines.append(INDENT + format_example(example))
            lines += [INDENT + t for _, t in inner]
            lines.append("}")
        chunks.append("\n".join(lines))
    rest = [t for _, t in pending]
    if rest:
        chunks.append("\n".join(rest))
    return "\n\n".join(chunks) + "\n"
