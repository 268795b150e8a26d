"""Errors and diagnostics.

Every error the user can cause is an :class:`LsrError`. Errors that point into
source text carry a :class:`~lsr_dsl.span.Span` and render as ``file:line:col``
with the offending line, a caret and an optional hint.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from lsr_dsl.language.span import Span


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> Optional[str]:
    """The candidate most similar to ``name`` (for "did you mean …" hints)."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=cutoff)
    if matches:
        return matches[0]
    lowered = {c.lower(): c for c in pool}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[matches[0]] if matches else None


_MAX_SHOWN = 100  # characters of a source line shown under a message


@dataclass(frozen=True)
class Diagnostic:
    """One message about a place in a source file."""

    message: str
    span: Optional[Span] = None
    hint: Optional[str] = None
    severity: str = "error"  # "error" | "warning"
    source: Optional[str] = field(default=None, repr=False, compare=False)
    #: the file, for a message without a span (e.g. about AST JSON without positions)
    file: Optional[str] = None

    @property
    def line(self) -> Optional[int]:
        return self.span.line if self.span else None

    @property
    def column(self) -> Optional[int]:
        return self.span.column if self.span else None

    def render(self) -> str:
        """``file:line:col: error: message`` + the source line + caret + hint."""
        where = self.span.location() if self.span else (self.file or "<input>")
        out = [f"{where}: {self.severity}: {self.message}"]
        if self.span is not None and self.source is not None:
            lines = self.source.splitlines() or [""]
            if 1 <= self.span.line <= len(lines):
                text = lines[self.span.line - 1].expandtabs(1)
                start = max(self.span.column - 1, 0)
                if self.span.end_line == self.span.line and self.span.end_column > self.span.column:
                    width = self.span.end_column - self.span.column
                else:
                    width = 1
                width = max(1, min(width, max(len(text) - start, 1)))
                if len(text) > _MAX_SHOWN:  # show a window of a long line around the caret
                    left = max(0, min(start - _MAX_SHOWN // 3, len(text) - _MAX_SHOWN))
                    shown = text[left : left + _MAX_SHOWN]
                    lead = "…" if left > 0 else ""
                    tail = "…" if left + _MAX_SHOWN < len(text) else ""
                    text = lead + shown + tail
                    start = start - left + len(lead)
                    width = max(1, min(width, len(shown) + len(lead) - start))
                out.append(f"    {text}")
                out.append("    " + " " * start + "^" * width)
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)



def unreadable(path: object, exc: OSError, kind: str = "file") -> str:
    """Why ``path`` could not be opened, as one message (missing, a directory, …)."""
    if isinstance(exc, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a directory, not a {kind}"
    return f"{path}: cannot read: {exc.strerror or exc}"


class LsrError(Exception):
    """Base class of every error lsr raises for bad input.

    ``line`` and ``column`` are 1-based and point at the first problem
    (``None`` when the error has no source position).
    """

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__(message)

    @property
    def line(self) -> Optional[int]:
        for d in self.diagnostics:
            if d.line is not None:
                return d.line
        return None

    @property
    def column(self) -> Optional[int]:
        for d in self.diagnostics:
            if d.column is not None:
                return d.column
        return None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def render(self) -> str:
        if not self.diagnostics:
            return f"error: {self}"
        return "\n".join(d.render() for d in self.diagnostics)

    @classmethod
    def from_diagnostics(cls, diagnostics: Sequence[Diagnostic]) -> "LsrError":
        errors = [d for d in diagnostics if d.severity == "error"]
        first = errors[0] if errors else diagnostics[0]
        n = len(errors)
        head = first.message if n <= 1 else f"{first.message} (and {n - 1} more error{'s' if n > 2 else ''})"
        where = first.span.location() + ": " if first.span else (first.file + ": " if first.file else "")
        return cls(where + head, diagnostics)


class LsrSyntaxError(LsrError):
    """The source text does not parse."""


class LsrCheckError(LsrError):
    """The spec parses but is not valid: unknown constraint, bad arguments, …"""


class LsrSchemaError(LsrError):
    """AST JSON (interchange form) that does not match the schema."""


class LsrRuntimeError(LsrError):
    """A verifier could not produce a verdict (e.g. a soft constraint without a judge)."""


class LsrConfigError(LsrError):
    """A training or evaluation config is invalid."""


class LsrDataError(LsrError):
    """A data row (JSONL) is invalid."""


def describe_error(exc: BaseException) -> str:
    """An error on one line: ``line:col: message (did you mean …?)`` per diagnostic (at most 5),
    else the exception's first line with its type."""
    diags = getattr(exc, "errors", None)
    if diags:
        parts = []
        for d in diags[:5]:
            where = f"{d.line}:{d.column}: " if getattr(d, "line", None) is not None else ""
            hint = f" ({d.hint})" if getattr(d, "hint", None) else ""
            parts.append(f"{where}{d.message}{hint}")
        return "; ".join(dict.fromkeys(parts))
    msg = str(exc).strip().splitlines()
    first = msg[0] if msg else ""
    if isinstance(exc, LsrError):
        return first or type(exc).__name__
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__

