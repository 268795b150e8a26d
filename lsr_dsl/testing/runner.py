"""Run the example blocks of spec files: the engine of ``lsr test`` and the pytest plugin.

A file compiles once; each example is scored with the spec's program (or, when the
example names another ``mode``, with that mode) and compared with what it expects:

- ``example pass``: the response satisfies the spec fully (score 1.0);
- ``example fail``: it does not (score < 1.0), and, with ``score s``, scores ``s`` within
  the tolerance (default :data:`~lsr_dsl.language.ast.DEFAULT_TOLERANCE`).

A verifier error while scoring (a prompt condition with no prompt) fails the example.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from lsr_dsl.api import compile_module, compile_module_all, loads, read_source
from lsr_dsl.language import ast
from lsr_dsl.language.errors import LsrError
from lsr_dsl.verifier.program import Program, Result
from lsr_dsl.verifier.trace import render_trace

SPEC_SUFFIX = ".lsr"


@dataclass(frozen=True)
class ExampleOutcome:
    """One example run: where it is written, what it expects, what it got."""

    file: str
    spec: str
    index: int  # 1-based, within its spec
    line: Optional[int]
    column: Optional[int]
    expect: str
    expected_score: Optional[float]
    tolerance: float
    score: float
    mode: str
    ok: bool
    message: str
    trace: Dict[str, Any] = field(repr=False)
    errors: Tuple[Dict[str, Any], ...] = ()

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line is not None else self.file

    @property
    def name(self) -> str:
        """A test id: ``spec/example 2 (fail)``."""
        return f"{self.spec}/example {self.index} ({self.expect})"

    def trace_lines(self) -> List[str]:
        """The trace as ``lsr check`` prints it."""
        return [f"score {self.score:.4f}  (mode {self.mode}, spec {self.spec})"] + render_trace(self.trace)

    def report(self) -> str:
        """The failure report: where, what was expected, the trace and any verifier errors."""
        lines = [f"FAIL {self.where}: {self.name}: {self.message}"]
        lines += ["    " + line for line in self.trace_lines()]
        lines += [f"    verifier error in {e.get('label')}: {e.get('error')}" for e in self.errors]
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        d = {
            "file": self.file,
            "spec": self.spec,
            "example": self.index,
            "line": self.line,
            "column": self.column,
            "expect": self.expect,
            "expected_score": self.expected_score,
            "tolerance": self.tolerance,
            "score": self.score,
            "mode": self.mode,
            "ok": self.ok,
            "message": self.message,
            "root": self.trace,
        }
        if self.errors:
            d["errors"] = list(self.errors)
        return d


@dataclass(frozen=True)
class FileOutcome:
    """Every example of one file, or the error that kept the file from compiling."""

    file: str
    examples: Tuple[ExampleOutcome, ...] = ()
    error: Optional[str] = None  # the rendered compile error
    warnings: Tuple[str, ...] = ()  # the checker's warnings, rendered

    @property
    def failed(self) -> Tuple[ExampleOutcome, ...]:
        return tuple(e for e in self.examples if not e.ok)


def find_spec_files(paths: Iterable[str]) -> List[Path]:
    """The spec files named by ``paths``: a file as given, a directory searched for ``*.lsr``
    recursively (sorted, hidden folders skipped). Raises :class:`LsrError` for a missing path."""
    found: List[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob(f"*{SPEC_SUFFIX}")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel[:-1]):
                    found.append(f)
        elif p.is_file():
            found.append(p)
        else:
            raise LsrError(f"{raw}: no such file or directory")
    unique: List[Path] = []
    seen = set()
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def load_examples(path: Path) -> Tuple[str, ast.Module]:
    """The source and parsed module of a spec file (raises :class:`LsrError` when it does not parse)."""
    source = read_source(path)
    return source, loads(source, file=str(path))


def check_example(program: Program, example: ast.Example, *, file: str, index: int) -> ExampleOutcome:
    """Score one example with ``program`` (compiled in the example's mode, if it names one)
    and judge the result against what it expects."""
    if example.mode is not None and example.mode != program.mode:
        raise ValueError(f"example {index} of '{program.name}' wants mode {example.mode!r}; pass a program compiled with it")
    result: Result = program.evaluate(example.response, prompt=example.prompt)
    tolerance = example.tolerance if example.tolerance is not None else ast.DEFAULT_TOLERANCE
    ok, message = judge_score(example.expect, example.score, tolerance, result.score)
    if result.errors:
        ok = False
        error = str(result.errors[0].get("error"))
        hint = '; give the example a prompt: prompt "…"' if "prompt" in error and not example.prompt else ""
        message = f"the verifier could not score it ({error}){hint}"
    span = example.span
    return ExampleOutcome(
        file=file,
        spec=program.name,
        index=index,
        line=span.line if span else None,
        column=span.column if span else None,
        expect=example.expect,
        expected_score=example.score,
        tolerance=tolerance,
        score=result.score,
        mode=result.mode,
        ok=ok,
        message=message,
        trace=result.trace,
        errors=tuple(result.errors),
    )


def judge_score(expect: str, expected: Optional[float], tolerance: float, actual: float) -> Tuple[bool, str]:
    """Whether ``actual`` is what an example expects, and a sentence saying so."""
    if expect == "pass":
        if actual >= 1.0:
            return True, "passes, as expected"
        return False, f"expected to pass (score 1.0), but scored {actual:.4f}"
    if actual >= 1.0:
        return False, "expected to fail, but the response satisfies the spec (score 1.0)"
    if expected is not None and abs(actual - expected) > tolerance:
        return False, f"expected to fail with score {expected:g} ± {tolerance:g}, but scored {actual:.4f}"
    return True, "fails, as expected"


def run_file(path: Path) -> FileOutcome:
    """Compile a spec file and run every example of every spec in it."""
    file = str(path)
    try:
        source, module = load_examples(path)
        src = None if source.lstrip().startswith("{") else source
        programs, checked = compile_module_all(module, source=src)
    except LsrError as e:
        return FileOutcome(file=file, error=e.render())
    outcomes: List[ExampleOutcome] = []
    for spec in module.specs:
        program = programs.get(spec.name)
        if program is None:
            continue
        for i, example in enumerate(spec.examples, 1):
            chosen = program
            if example.mode is not None and example.mode != program.mode:
                chosen = compile_module(module, spec=spec.name, mode=example.mode, source=src)
            outcomes.append(check_example(chosen, example, file=file, index=i))
    return FileOutcome(file=file, examples=tuple(outcomes), warnings=tuple(w.render() for w in checked.warnings))


def run_paths(paths: Iterable[str]) -> List[FileOutcome]:
    """Run the examples of every spec file under ``paths``."""
    return [run_file(p) for p in find_spec_files(paths)]
