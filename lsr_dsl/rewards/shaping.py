"""RAIF reward shaping: reasoning blocks (``<think>…</think>``), the format reward and the accuracy tiers."""
from __future__ import annotations

import re
from typing import Any, Optional, Sequence

from lsr_dsl.rewards.chat import completion_text


#: Scores within EPS of 1 (or 0) count as a full pass (or a full fail).
EPS = 1e-9

_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def split_think(text: str) -> tuple[Optional[str], str]:
    """Split a reasoning-model response into ``(thinking, answer)``.

    * ``"<think>…</think> answer"`` → ``("…", "answer")`` (the text after the
      last ``</think>``; some chat templates put ``<think>`` in the prompt, so a
      lone ``</think>`` also counts);
    * an unterminated ``"<think>…"`` → ``("…", "")`` — the model never answered;
    * no tags → ``(None, text)``.

    If the answer part is wrapped in ``<answer>…</answer>``, the tags are removed.
    """
    close = text.rfind(_THINK_CLOSE)
    if close >= 0:
        head = text[:close]
        open_ = head.find(_THINK_OPEN)
        thinking = head[open_ + len(_THINK_OPEN):] if open_ >= 0 else head
        answer = text[close + len(_THINK_CLOSE):]
    else:
        stripped = text.lstrip()
        if stripped.startswith(_THINK_OPEN):
            return stripped[len(_THINK_OPEN):], ""
        thinking, answer = None, text
    m = _ANSWER_RE.search(answer)
    if m:
        answer = m.group(1)
    return thinking, answer.strip()


def strip_think(text: str) -> str:
    """The answer part of ``text`` (see :func:`split_think`)."""
    return split_think(text)[1]


_FORMAT_RE = re.compile(r"\A\s*<think>(?P<think>.*?)</think>\s*(?P<rest>.*)\Z", re.DOTALL)
_ANSWER_ONLY_RE = re.compile(r"\A<answer>(?P<answer>.*?)</answer>\s*\Z", re.DOTALL)


def think_format_ok(text: str, *, require_answer_tag: bool = False) -> bool:
    """Whether ``text`` is a well-formed ``<think>reasoning</think> answer``.

    Well-formed means: exactly one ``<think>`` and one ``</think>``, the think
    block first and non-empty, followed by a non-empty answer with no further
    think tags.  With ``require_answer_tag`` the answer must be exactly one
    ``<answer>…</answer>`` block (non-empty); without it such a block is allowed.
    """
    if text.count(_THINK_OPEN) != 1 or text.count(_THINK_CLOSE) != 1:
        return False
    m = _FORMAT_RE.match(text)
    if not m or not m.group("think").strip():
        return False
    rest = m.group("rest").strip()
    if not rest:
        return False
    n_open, n_close = rest.count("<answer>"), rest.count("</answer>")
    if n_open or n_close or require_answer_tag:
        if n_open != 1 or n_close != 1:
            return False
        a = _ANSWER_ONLY_RE.match(rest)
        return bool(a and a.group("answer").strip())
    return True


def raif_tier(score: float) -> float:
    """RAIF-style tiered accuracy: ``+2`` if everything is satisfied
    (score 1), ``-2`` if nothing is (score 0), the score itself otherwise."""
    if score >= 1.0 - EPS:
        return 2.0
    if score <= EPS:
        return -2.0
    return float(score)


class ThinkFormatReward:
    """RAIF format reward: ``+1`` for a well-formed ``<think>…</think>`` + answer
    completion, ``−1`` otherwise (see :func:`think_format_ok`).  Use it as a
    second TRL reward function next to ``LsrReward(strip_think=True)``."""

    def __init__(self, require_answer_tag: bool = False, good: float = 1.0, bad: float = -1.0,
                 name: str = "think_format"):
        self.require_answer_tag = bool(require_answer_tag)
        self.good = float(good)
        self.bad = float(bad)
        self.__name__ = name

    def __call__(self, prompts: Any = None, completions: Optional[Sequence[Any]] = None, **kwargs: Any) -> list[float]:
        out = []
        for c in completions or ():
            try:
                ok = think_format_ok(completion_text(c), require_answer_tag=self.require_answer_tag)
            except Exception:  # noqa: BLE001
                ok = False
            out.append(self.good if ok else self.bad)
        return out

    def __repr__(self) -> str:
        return f"ThinkFormatReward(require_answer_tag={self.require_answer_tag})"


# --------------------------------------------------------------------------- superior-CoT enforcement
#: How a prompt's reasoning responses are compared with its reasoning-free ones (see
#: :func:`superior_cot_keep`).
COT_COMPARISONS = ("pairwise", "mean", "best", "sample")


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and v == v and abs(float(v)) != float("inf")]


def superior_cot_keep(with_reasoning: Sequence[float], without_reasoning: Sequence[float],
                      comparison: str = "pairwise") -> tuple[bool, ...]:
    """Which reasoning responses of one prompt stay in the policy update (RAIF's superior-CoT
    enforcement).  ``with_reasoning[i]`` and ``without_reasoning[i]`` are the rewards of the
    i-th response generated with reasoning and with the reasoning block prefilled empty.

    ``comparison``:

    * ``pairwise`` — the prompt is dropped when *every* reasoning response scores strictly
      below its reasoning-free counterpart (``w[i] < n[i]`` for all i); otherwise all are kept;
    * ``mean`` — dropped when the mean reasoning reward is strictly below the mean reasoning-free one;
    * ``best`` — dropped when the best reasoning reward is strictly below the best reasoning-free one;
    * ``sample`` — per response, as the RAIF authors' released code does: response i is dropped
      when ``w[i] < n[i]``; the others are kept.

    "Strictly below": a tie keeps the response.  Unscorable rewards (``None``/NaN) are left
    out of the comparison: a pair with one is never dropped for it, and a prompt with no
    comparable pair or value is kept.  Returns one bool per reasoning response.
    """
    if comparison not in COT_COMPARISONS:
        raise ValueError(f"unknown superior-CoT comparison {comparison!r} (expected one of {', '.join(COT_COMPARISONS)})")
    n = len(with_reasoning)
    if comparison in ("pairwise", "sample"):
        if len(without_reasoning) != n:
            raise ValueError(f"{comparison} comparison needs as many reasoning-free responses as reasoning ones "
                             f"({len(without_reasoning)} != {n})")
        below = []
        for w, o in zip(with_reasoning, without_reasoning):
            pair = _finite([w, o])
            below.append(len(pair) == 2 and pair[0] < pair[1])
        if comparison == "sample":
            return tuple(not b for b in below)
        return (not all(below),) * n if n else ()
    w, o = _finite(with_reasoning), _finite(without_reasoning)
    if not w or not o:
        return (True,) * n
    if comparison == "mean":
        drop = sum(w) / len(w) < sum(o) / len(o)
    else:  # best
        drop = max(w) < max(o)
    return (not drop,) * n
