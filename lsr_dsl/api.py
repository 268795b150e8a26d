"""The public Python API: parse, format, load and compile specs.

Shaped like ``json``: :func:`loads` / :func:`load` read specs, :func:`dumps`
writes canonical source. :func:`compile` turns source into a
:class:`~lsr_dsl.verifier.program.Program` that scores responses.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from lsr_dsl.compiler.checker import MODES, CheckResult, check
from lsr_dsl.compiler.passes import run_passes
from lsr_dsl.language import ast
from lsr_dsl.language.errors import LsrError, unreadable
from lsr_dsl.language.formatter import format_module
from lsr_dsl.language.interchange import from_json
from lsr_dsl.language.parser import parse, parse_with_comments
from lsr_dsl.verifier.lowering import lower
from lsr_dsl.verifier.program import Program

PathLike = Union[str, "os.PathLike[str]"]


def loads(text: str, *, file: Optional[str] = None) -> ast.Module:
    """Parse .lsr source, or AST JSON (text starting with ``{``), into a module."""
    if text.lstrip().startswith("{"):
        return from_json(text, file=file)
    return parse(text, file=file)


def read_source(path: PathLike) -> str:
    """The text of a file (``-``: standard input), as UTF-8; a leading byte-order mark is dropped."""
    if str(path) == "-":
        import sys

        data = sys.stdin.buffer.read()
        where = "<stdin>"
    else:
        p = Path(path)
        where = str(path)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise LsrError(unreadable(path, e)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LsrError(f"{where}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def load_module(path: PathLike) -> ast.Module:
    """Read a ``.lsr`` file or an AST ``.json`` file into a module."""
    text = read_source(path)
    return loads(text, file=str(path))


def dumps(module: ast.Module) -> str:
    """Canonical .lsr source for a module."""
    return format_module(module)


def fmt(source: str, *, file: Optional[str] = None) -> str:
    """Reformat source text canonically, keeping comments."""
    module, comments = parse_with_comments(source, file=file)
    return format_module(module, comments)


def _check_options(
    source: Any = "",
    *,
    spec: Any = None,
    mode: Any = None,
    gamma: Any = None,
    max_depth: Any = None,
    file: Any = None,
) -> Optional[float]:
    """Validate the options of the compile functions. Wrong types raise TypeError (a
    programming mistake); wrong values raise LsrError. Returns gamma as a float."""
    if not isinstance(source, str):
        raise TypeError(f"source must be str, not {type(source).__name__}")
    for name, value in (("spec", spec), ("mode", mode), ("file", file)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")
    if mode is not None and mode not in MODES:
        raise LsrError(f"unknown mode {mode!r}; the modes are {', '.join(MODES)}")
    if max_depth is not None:
        if isinstance(max_depth, bool) or not isinstance(max_depth, int):
            raise TypeError(f"max_depth must be an int or None, not {type(max_depth).__name__}")
        if max_depth < 1:
            raise LsrError(f"max_depth must be at least 1, not {max_depth}")
    if gamma is None:
        return None
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)):
        raise TypeError(f"gamma must be a number or None, not {type(gamma).__name__}")
    if not 0.0 <= float(gamma) <= 1.0:  # also refuses NaN
        raise LsrError(f"gamma must be in [0, 1], not {gamma!r}")
    return float(gamma)


def _pick_spec(result: CheckResult, module: ast.Module, spec: Optional[str], file: Optional[str]) -> str:
    names = list(result.specs)
    if spec is not None:
        if spec not in result.specs:
            from lsr_dsl.language.errors import closest

            guess = closest(spec, names)
            hint = f" (did you mean '{guess}'?)" if guess else ""
            raise LsrError(f"{file or '<input>'}: no spec named '{spec}'{hint}; the file has: {', '.join(names) or 'none'}")
        return spec
    if len(names) == 1:
        return names[0]
    if "main" in result.specs:
        return "main"
    if not names:
        raise LsrError(f"{file or '<input>'}: the file defines no spec (only definitions or settings)")
    raise LsrError(f"{file or '<input>'}: the file has several specs ({', '.join(names)}); choose one (spec=… in Python, --spec-name with lsr check, --spec with lsr compile)")


def _program(result: CheckResult, name: str, module: ast.Module, mode: Optional[str], gamma: Optional[float], source: Optional[str], file: Optional[str]) -> Program:
    checked = result.specs[name]
    ir, g = run_passes(checked, gamma)  # options already checked by the public entry points
    root = lower(ir)
    final_mode = mode or checked.mode or "lsrm"
    return Program(
        root,
        name=name,
        mode=final_mode,
        gamma=g,
        meta=checked.meta_dict(),
        warnings=tuple(result.warnings),
        source=source,
        file=file,
        rebuild=_rebuild,
    )


def _rebuild(source: str, name: str, mode: str, gamma: float, file: Optional[str]) -> Program:
    """Recompile an unpickled :class:`Program` from its source (see ``Program.__reduce__``)."""
    return compile(source, spec=name, mode=mode, gamma=gamma, file=file)


def compile_module(
    module: ast.Module,
    *,
    spec: Optional[str] = None,
    mode: Optional[str] = None,
    gamma: Optional[float] = None,
    source: Optional[str] = None,
    max_depth: Optional[int] = None,
) -> Program:
    """Check and compile one spec of a parsed module."""
    gamma = _check_options(spec=spec, mode=mode, gamma=gamma, max_depth=max_depth)
    result = check(module, source=source, max_depth=max_depth)
    name = _pick_spec(result, module, spec, module.file)
    src = source if source is not None else format_module(module)
    return _program(result, name, module, mode, gamma, src, module.file)


@functools.lru_cache(maxsize=4096)
def _compile_cached(source: str, spec: Optional[str], mode: Optional[str], gamma: Optional[float], file: Optional[str], max_depth: Optional[int]) -> Program:
    module = loads(source, file=file)
    text = source if not source.lstrip().startswith("{") else None
    return compile_module(module, spec=spec, mode=mode, gamma=gamma, source=text, max_depth=max_depth)


def compile(
    source: str,
    *,
    mode: Optional[str] = None,
    gamma: Optional[float] = None,
    spec: Optional[str] = None,
    file: Optional[str] = None,
    max_depth: Optional[int] = None,
) -> Program:
    """Compile .lsr source (or AST JSON text) into a :class:`Program`.

    - ``mode``: ``"lsrm"`` (default), ``"flat"`` or ``"strict"``; overrides the file's ``set mode``.
    - ``gamma``: default decay of THEN chains; overrides ``set gamma`` and the spec's ``gamma``
      field, but not a chain's own ``THEN[gamma=…]``. Default 0.5.
    - ``spec``: which spec of a file with several (default: the only one, or ``main``).

    Compiling the same arguments again returns the cached program.
    Raises :class:`~lsr_dsl.language.errors.LsrError` (with ``.line``/``.column``) on bad input.
    """
    g = _check_options(source, spec=spec, mode=mode, gamma=gamma, max_depth=max_depth, file=file)
    return _compile_cached(source, spec, mode, g, file, max_depth)


def compile_module_all(
    module: ast.Module,
    *,
    mode: Optional[str] = None,
    gamma: Optional[float] = None,
    source: Optional[str] = None,
    max_depth: Optional[int] = None,
) -> Tuple[Dict[str, Program], CheckResult]:
    """Check a module once and compile every spec: ``({name: Program}, check result)``."""
    gamma = _check_options(mode=mode, gamma=gamma, max_depth=max_depth)
    result = check(module, source=source, max_depth=max_depth)
    text = source if source is not None else format_module(module)
    return {name: _program(result, name, module, mode, gamma, text, module.file) for name in result.specs}, result


def compile_all(source: str, *, mode: Optional[str] = None, gamma: Optional[float] = None, file: Optional[str] = None) -> Dict[str, Program]:
    """Compile every spec of a file: ``{name: Program}``."""
    gamma = _check_options(source, mode=mode, gamma=gamma, file=file)
    module = loads(source, file=file)
    text = None if source.lstrip().startswith("{") else source
    return compile_module_all(module, mode=mode, gamma=gamma, source=text)[0]


def load(path: PathLike, *, spec: Optional[str] = None, mode: Optional[str] = None, gamma: Optional[float] = None) -> Program:
    """Compile a ``.lsr`` file or an AST ``.json`` file."""
    text = read_source(path)
    return compile(text, spec=spec, mode=mode, gamma=gamma, file=str(path))


def compile_any(
    spec: Union[str, Mapping[str, Any]],
    *,
    mode: Optional[str] = None,
    gamma: Optional[float] = None,
    name: Optional[str] = None,
) -> Program:
    """Compile whatever a dataset column holds: source text, a path to a ``.lsr``/``.json`` file,
    or AST JSON (a dict, or a JSON string)."""
    if isinstance(spec, Mapping):
        text = json.dumps(spec, sort_keys=True)
        return compile(text, mode=mode, gamma=gamma, spec=name)
    if not isinstance(spec, str):
        raise LsrError(f"a spec must be source text, a path or AST JSON, not {type(spec).__name__}")
    stripped = spec.strip()
    if stripped.endswith((".lsr", ".json")) and "\n" not in stripped and not stripped.startswith("{"):
        return load(stripped, spec=name, mode=mode, gamma=gamma)  # a path: "no such file" if it is missing
    return compile(spec, mode=mode, gamma=gamma, spec=name)


def clear_cache() -> None:
    _compile_cached.cache_clear()
