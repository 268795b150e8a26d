"""Scoring rows for trainers that keep the reward outside the training process.

Shared by ``lsr serve`` (:mod:`lsr_dsl.rewards.server`) and OpenRLHF's
``reward_func`` file (:mod:`lsr_dsl.rewards.openrlhf`). Plain data in, plain data
out, no web framework: this is what the server's worker processes run.

OpenRLHF's convention (0.8.11 and 0.11.2): each row is a ``query``, its ``prompt``
and its ``label``; the query is ``decode(prompt_ids + generated_ids,
skip_special_tokens=False)``, so the response is the query after its prompt, with
the trailing end-of-sequence text (``<|im_end|>``, ``</s>``, …) removed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from lsr_dsl.language.errors import LsrConfigError, LsrDataError, LsrError
from lsr_dsl.rewards.labels import LabelError, ProgramCache
from lsr_dsl.rewards.shaping import EPS, strip_think

__all__ = [
    "DEFAULT_EOS_TEXTS",
    "ON_ERROR",
    "RowScore",
    "RowsError",
    "Scorer",
    "ScoringOptions",
    "check_options",
    "openrlhf_result",
    "response_of",
    "strip_eos",
]

#: End-of-sequence texts that ``decode(..., skip_special_tokens=False)`` leaves at the end of a query.
DEFAULT_EOS_TEXTS: Tuple[str, ...] = (
    "<|im_end|>",  # Qwen, ChatML
    "<|endoftext|>",  # GPT-2, Qwen base, Phi
    "</s>",  # Llama 2, Mistral
    "<|eot_id|>",  # Llama 3
    "<|end_of_text|>",  # Llama 3 base
    "<|eom_id|>",  # Llama 3 tool calls
    "<end_of_turn>",  # Gemma
    "<eos>",  # Gemma base
    "<|end|>",  # Phi 3
    "<|return|>",  # gpt-oss
    "<｜end▁of▁sentence｜>",  # DeepSeek
    "<|im_start|>",  # a ChatML turn opener left after a cut generation
    "<|eos|>",  # lsr's tiny model (lsr make-tiny-model)
)

#: What a row that cannot be scored does: ``raise`` (a 4xx / an exception naming the row) or ``zero``.
ON_ERROR = ("raise", "zero")
#: The per-row numbers sent to OpenRLHF as ``extra_logs``: a fixed key set, the same for every row.
EXTRA_LOG_KEYS = ("lsr_all_pass", "lsr_error", "lsr_leaf_pass_rate")
MAX_LISTED = 20


@dataclass(frozen=True)
class ScoringOptions:
    """How rows are scored: ``mode``/``gamma`` override the specs' own, ``strip_think`` scores the text
    after ``</think>``, ``eos_texts`` are removed from the end of OpenRLHF queries."""

    mode: Optional[str] = None
    gamma: Optional[float] = None
    strip_think: bool = False
    eos_texts: Tuple[str, ...] = DEFAULT_EOS_TEXTS
    cache_size: int = 4096


def check_options(options: ScoringOptions) -> ScoringOptions:
    """``options`` if the compiler accepts its mode and gamma; :class:`LsrConfigError` saying why not.

    Checked by compiling a one-atom spec, so the server accepts exactly what ``lsr_dsl.compile`` accepts."""
    from lsr_dsl.api import compile as compile_source

    try:
        compile_source("words >= 1", mode=options.mode, gamma=options.gamma)
    except (LsrError, TypeError) as e:
        raise LsrConfigError(f"scoring options: {e}") from None
    if options.cache_size < 1:
        raise LsrConfigError(f"scoring options: cache_size must be at least 1, not {options.cache_size}")
    return options


@dataclass(frozen=True)
class Leaf:
    """One atom of a scored row."""

    name: str
    label: str
    passed: Optional[bool]
    score: Optional[float]
    active: bool
    condition: bool

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "label": self.label, "passed": self.passed, "score": self.score,
                "active": self.active, "condition": self.condition}


@dataclass(frozen=True)
class RowScore:
    """The outcome of one row: ``score`` (None when ``error``), ``all_pass``, the spec's structure and its leaves."""

    score: Optional[float]
    all_pass: bool
    error: Optional[str] = None
    structure: Optional[str] = None
    leaves: Tuple[Leaf, ...] = field(default_factory=tuple)

    def leaf_pass_rate(self) -> float:
        """The fraction of active leaves (IF conditions excluded) that passed; 1.0 when there are none."""
        counted = [leaf for leaf in self.leaves if leaf.active and not leaf.condition]
        if not counted:
            return 0.0 if self.error else 1.0
        return sum(1 for leaf in counted if leaf.passed) / len(counted)

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"score": self.score, "all_pass": self.all_pass, "structure": self.structure,
                             "leaves": [leaf.to_dict() for leaf in self.leaves]}
        if self.error is not None:
            d["error"] = self.error
        return d


class RowsError(LsrDataError):
    """Some rows could not be scored; ``rows`` holds ``(index, reason)`` for each (0-based)."""

    def __init__(self, rows: Sequence[Tuple[int, str]]):
        self.rows = tuple(rows)
        listed = "; ".join(f"row {i}: {why}" for i, why in self.rows[:MAX_LISTED])
        more = f"; and {len(self.rows) - MAX_LISTED} more" if len(self.rows) > MAX_LISTED else ""
        super().__init__(f"{len(self.rows)} of the rows could not be scored: {listed}{more}")


def strip_eos(text: str, eos_texts: Sequence[str] = DEFAULT_EOS_TEXTS) -> str:
    """``text`` without the end-of-sequence texts at its end (repeated ones too, with the whitespace
    between them); whitespace that the response itself ends with is kept."""
    while True:
        s = text.rstrip()
        for eos in eos_texts:
            if eos and s.endswith(eos):
                text = s[: -len(eos)]
                break
        else:
            return text


def response_of(query: str, prompt: Optional[str], eos_texts: Sequence[str] = DEFAULT_EOS_TEXTS) -> str:
    """The response in an OpenRLHF ``query``: the text after ``prompt`` (its first occurrence, so a
    beginning-of-sequence text before it is skipped), without trailing end-of-sequence text.
    Raises ``ValueError`` when the query does not contain its prompt."""
    text = query
    if prompt:
        at = query.find(prompt)
        if at < 0:
            raise ValueError(
                "the query does not contain its prompt (OpenRLHF sends query = prompt + response; "
                "was the prompt truncated, or the prompts list misaligned?)")
        text = query[at + len(prompt):]
    return strip_eos(text, eos_texts)


class Scorer:
    """Scores (response, label, prompt) rows with a bounded compile cache. Thread-safe."""

    def __init__(self, options: ScoringOptions = ScoringOptions()):
        self.options = options
        self.cache = ProgramCache(options.cache_size, mode=options.mode, gamma=options.gamma)

    def score(self, response: str, label: Any, prompt: Optional[str] = None) -> RowScore:
        """Score one row; never raises (a problem is the result's ``error``)."""
        try:
            compiled = self.cache.get(label)
        except LabelError as e:
            return RowScore(None, False, str(e))
        text = strip_think(response) if self.options.strip_think else response
        prog = compiled.program
        # the label's prompt, else the spec's own prompt field, else the trainer's (templated) prompt
        use_prompt = compiled.prompt if compiled.prompt is not None else (None if "prompt" in prog.meta else prompt)
        try:
            result = prog.evaluate(text, prompt=use_prompt)
        except Exception as e:  # noqa: BLE001 - a verifier bug is this row's error, not the server's
            return RowScore(None, False, f"verifier error: {type(e).__name__}: {e}", prog.structure)
        leaves = tuple(Leaf(str(a["name"]), str(a["label"]), a["passed"], a["score"], bool(a["active"]),
                            bool(a["condition"])) for a in result.atoms())
        if result.errors:
            first = result.errors[0]
            return RowScore(None, False, f"verifier error in '{first.get('label', first.get('name'))}': {first.get('error')}",
                            prog.structure, leaves)
        score = float(result.score)
        if math.isnan(score):
            return RowScore(None, False, "verifier error: the score is NaN", prog.structure, leaves)
        return RowScore(score, score >= 1.0 - EPS, None, prog.structure, leaves)

    def score_query(self, query: Any, prompt: Any, label: Any) -> RowScore:
        """Score one OpenRLHF row (the response is cut out of ``query``)."""
        if not isinstance(query, str):
            return RowScore(None, False, f"'query' must be a string, not {type(query).__name__}")
        if prompt is not None and not isinstance(prompt, str):
            return RowScore(None, False, f"'prompts' entries must be strings, not {type(prompt).__name__}")
        try:
            response = response_of(query, prompt, self.options.eos_texts)
        except ValueError as e:
            return RowScore(None, False, str(e))
        return self.score(response, label, prompt)


def score_rows(scorer: Scorer, rows: Sequence[Tuple[str, Any, Any, Any]]) -> List[Dict[str, Any]]:
    """Score ``(kind, text, prompt, label)`` rows (kind ``query``: OpenRLHF's query; ``response``: the
    response itself) → plain dicts (:meth:`RowScore.to_dict`), for worker processes."""
    out = []
    for kind, text, prompt, label in rows:
        if kind == "query":
            r = scorer.score_query(text, prompt, label)
        else:
            r = scorer.score(text, label, prompt)
        d = r.to_dict()
        d["leaf_pass_rate"] = r.leaf_pass_rate()
        out.append(d)
    return out


def check_errors(results: Sequence[Dict[str, Any]], on_error: str) -> None:
    """Raise :class:`RowsError` naming every row with an error, unless ``on_error == "zero"``."""
    if on_error == "zero":
        return
    bad = [(i, r["error"]) for i, r in enumerate(results) if r.get("error") is not None]
    if bad:
        raise RowsError(bad)


def openrlhf_result(results: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """OpenRLHF's reward answer: ``rewards``, ``scores`` and ``extra_logs`` (numbers only, one per row,
    the same keys for every row). A row with an error (only with ``on_error="zero"``) scores 0.0."""
    scores = [float(r["score"]) if r.get("error") is None and r.get("score") is not None else 0.0 for r in results]
    return {
        "rewards": scores,
        "scores": list(scores),
        "extra_logs": {
            "lsr_all_pass": [1.0 if r.get("all_pass") else 0.0 for r in results],
            "lsr_error": [0.0 if r.get("error") is None else 1.0 for r in results],
            "lsr_leaf_pass_rate": [float(r.get("leaf_pass_rate", 0.0)) for r in results],
        },
    }
