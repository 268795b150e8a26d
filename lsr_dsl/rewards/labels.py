"""The label of one row, as a remote trainer sends it, → a compiled program.

Remote trainers (OpenRLHF's ``--remote_rm_url``, any HTTP client of ``lsr serve``)
send one label per row: whatever the dataset's label column holds. A label is

- lsr source text (``words >= 50 AND no_comma``), or AST JSON (an object, or a
  string holding one);
- ``{"spec": <either of the above>, "prompt": "..."}``: the prompt that
  ``IF prompt …`` conditions read;
- IFEval / RLVR ground truth, as :func:`lsr_dsl.data.ifeval.spec_of_ground_truth`
  reads it (the one reader that ``lsr eval``, the TRL reward and the verl adapter share): a list of ``{"instruction_id": [...], "kwargs": [...]}`` objects (or
  its JSON or Python-literal text), one such object, ``{"instruction_id_list",
  "kwargs"}``, an old-style ``{"func_name": ...}``, or an object whose
  ``ground_truth`` field holds any of these. The instructions are scored as the
  AND of their atoms, in order, as ``lsr eval`` scores the same row.

A path to a ``.lsr``/``.json`` file is refused: a server never reads files that a
client names. Programs are cached in a bounded LRU keyed by the label's text.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional, Tuple, Union

from lsr_dsl.language.errors import LsrDataError, LsrError, describe_error
from lsr_dsl.verifier.program import Program

__all__ = ["CompiledLabel", "LabelError", "ProgramCache", "compile_label", "label_key"]

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


def compile_label(label: Any, *, mode: Optional[str] = None, gamma: Optional[float] = None) -> CompiledLabel:
    """Compile one label (see the module's docstring). Raises :class:`LabelError` saying why not."""
    from lsr_dsl.data.ifeval import GroundTruthError, compile_ground_truth

    if label is None:
        raise LabelError("the label is missing (null)")
    try:
        program, prompt = compile_ground_truth(label, mode=mode, gamma=gamma, read_files=False)
    except GroundTruthError as e:
        raise LabelError(str(e)) from None
    except LsrError as e:
        raise LabelError(f"the spec does not compile: {describe_error(e)}") from None
    return CompiledLabel(program, prompt)


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

