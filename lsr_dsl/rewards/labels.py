"""The label of one row, as a remote trainer sends it, → a compiled program.

Remote trainers (OpenRLHF's ``--remote_rm_url``, any HTTP client of ``lsr serve``)
send one label per row: whatever the dataset's label column holds. A label is

- lsr source text (``words >= 50 AND no_comma``), or AST JSON (an object, or a
  string holding one);
- ``{"spec": <either of the above>, "prompt": "..."}``: the prompt that
  ``IF prompt …`` conditions read;
- IFEval / RLVR ground truth, as :func:`lsr_dsl.data.ifeval.instructions_of`
  reads it: a list of ``{"instruction_id": [...], "kwargs": [...]}`` objects (or
  its JSON or Python-literal text), one such object, ``{"instruction_id_list",
  "kwargs"}``, an old-style ``{"func_name": ...}``, or an object whose
  ``ground_truth`` field holds any of these. The instructions are scored as the
  AND of their atoms, in order, as ``lsr eval`` scores the same row.

A path to a ``.lsr``/``.json`` file is refused: a server never reads files that a
client names. Programs are cached in a bounded LRU keyed by the label's text.
"""
from __future__ import annotations

import ast as _pyast
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

from lsr_dsl.language.errors import LsrDataError, LsrError
from lsr_dsl.verifier.program import Program

__all__ = ["CompiledLabel", "LabelError", "ProgramCache", "compile_label", "label_key"]

#: Fields that make an object a ground truth rather than AST JSON.
GROUND_TRUTH_KEYS = ("instruction_id_list", "instruction_id", "func_name", "ground_truth")


class LabelError(LsrDataError):
    """A label that cannot be read or compiled (the message says why, without the row)."""


@dataclass(frozen=True)
class CompiledLabel:
    """A label's program, and the prompt the label itself carries (``{"spec", "prompt"}``)."""

    program: Program
    prompt: Optional[str] = None


def label_key(label: Any) -> str:
    """A canonical text for a label: a string as is, anything else as sorted JSON."""
    if isinstance(label, str):
        return label
    try:
        return json.dumps(label, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(label)


def error_text(e: Exception) -> str:
    """One line: every diagnostic's message with its hint ("did you mean …?")."""
    if isinstance(e, LsrError) and e.errors:
        return "; ".join(dict.fromkeys(d.message + (f" ({d.hint})" if d.hint else "") for d in e.errors))
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _decode_text(text: str) -> Union[str, list, dict]:
    s = text.strip()
    if not s:
        raise LabelError("the label is empty")
    if s[0] in "[{":
        try:
            return json.loads(s)
        except ValueError as e:
            json_error = f"{e.msg} at line {e.lineno}, column {e.colno}"
        try:  # open-instruct writes ground truth with str(list)
            value = _pyast.literal_eval(s)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise LabelError(f"the label starts with {s[0]!r} but is not JSON ({json_error})") from None
        if isinstance(value, (list, dict)):
            return value
        raise LabelError(f"the label starts with {s[0]!r} but is not JSON ({json_error})")
    if "\n" not in s and s.endswith((".lsr", ".json")):
        raise LabelError(f"the label {s!r} looks like a file path; the server does not read files, send the spec's text")
    return text


def _from_instructions(value: Any, mode: Optional[str], gamma: Optional[float]) -> Program:
    from lsr_dsl.api import compile as compile_source
    from lsr_dsl.constraints.registry import REGISTRY
    from lsr_dsl.data import ifeval

    row = value if isinstance(value, Mapping) and "ground_truth" in value else {"ground_truth": value}
    if isinstance(value, Mapping) and ("instruction_id_list" in value or "instruction_id" in value):
        row = value
    try:
        instructions = ifeval.instructions_of(row)
    except ValueError as e:
        raise LabelError(f"ground truth: {e}") from None
    problems = []
    for n, (iid, kw) in enumerate(instructions, 1):
        base = ifeval.instruction_label(iid)
        if base not in REGISTRY:
            problems.append(f"instruction {n}: {ifeval.unknown_id_message(base)}")
    if problems:
        raise LabelError("ground truth: " + "; ".join(problems))
    try:
        body = " AND ".join(ifeval.atom_source(i, kw) for i, kw in instructions)
        return compile_source(body, mode=mode, gamma=gamma)
    except (LsrError, ValueError):
        for n, (iid, kw) in enumerate(instructions, 1):
            why = ifeval.check_instruction(iid, kw)
            if why is not None:
                problems.append(f"instruction {n} ({ifeval.instruction_label(iid)}): {why}")
        raise LabelError("ground truth: " + ("; ".join(problems) or "the instructions do not compile")) from None


def _compile_value(value: Any, mode: Optional[str], gamma: Optional[float], depth: int = 0) -> CompiledLabel:
    from lsr_dsl.api import compile as compile_source

    if isinstance(value, str):
        value = _decode_text(value)
    if isinstance(value, str):
        try:
            return CompiledLabel(compile_source(value, mode=mode, gamma=gamma))
        except LsrError as e:
            raise LabelError(f"the spec does not compile: {error_text(e)}") from None
    if isinstance(value, list):
        return CompiledLabel(_from_instructions(value, mode, gamma))
    if isinstance(value, Mapping):
        if "spec" in value and depth == 0:
            prompt = value.get("prompt")
            if prompt is not None and not isinstance(prompt, str):
                raise LabelError(f"'prompt' must be a string, not {type(prompt).__name__}")
            inner = _compile_value(value["spec"], mode, gamma, depth + 1)
            return CompiledLabel(inner.program, prompt)
        if any(k in value for k in GROUND_TRUTH_KEYS):
            return CompiledLabel(_from_instructions(value, mode, gamma))
        try:  # AST JSON
            return CompiledLabel(compile_source(json.dumps(value, sort_keys=True), mode=mode, gamma=gamma))
        except LsrError as e:
            raise LabelError(f"the label is an object but neither ground truth nor a valid AST: {error_text(e)}") from None
    raise LabelError(f"a label must be a string, an object or a list, not {type(value).__name__}")


def compile_label(label: Any, *, mode: Optional[str] = None, gamma: Optional[float] = None) -> CompiledLabel:
    """Compile one label (see the module's docstring). Raises :class:`LabelError` saying why not."""
    if label is None:
        raise LabelError("the label is missing (null)")
    return _compile_value(label, mode, gamma)


class ProgramCache:
    """A bounded, thread-safe LRU of compiled labels; a bad label's error is cached too."""

    def __init__(self, max_size: int = 4096, *, mode: Optional[str] = None, gamma: Optional[float] = None):
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.max_size = max_size
        self.mode = mode
        self.gamma = gamma
        self.hits = 0
        self.misses = 0
        self._items: "OrderedDict[str, Union[CompiledLabel, LabelError]]" = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, label: Any) -> CompiledLabel:
        key = label_key(label)
        with self._lock:
            got = self._items.get(key)
            if got is not None:
                self._items.move_to_end(key)
                self.hits += 1
        if got is None:
            try:
                got = compile_label(label, mode=self.mode, gamma=self.gamma)
            except LabelError as e:
                got = e
            with self._lock:
                self.misses += 1
                self._items[key] = got
                while len(self._items) > self.max_size:
                    self._items.popitem(last=False)
        if isinstance(got, LabelError):
            raise LabelError(str(got))
        return got

    def stats(self) -> Tuple[int, int, int]:
        """(size, hits, misses)."""
        with self._lock:
            return len(self._items), self.hits, self.misses

