"""Model judges for soft constraints.

A soft constraint (``tone("formal")``, ``judge("Does it cite a source?")``) asks a
yes/no question about the response; a :class:`Judge` answers with the
probability of YES. Evaluation code chooses the judge for a block of work::

    from lsr_dsl.judges import CallableJudge, use_judge

    with use_judge(CallableJudge(lambda q, r: 1.0 if "Dear" in r else 0.0)):
        ...  # soft constraints evaluated here use this judge

Without a judge a soft constraint raises :class:`~lsr_dsl.language.errors.LsrRuntimeError`
(never a silent pass). The current judge lives in a :mod:`contextvars` variable,
so threads and asyncio tasks each see their own.

Backends live beside this module (:mod:`lsr_dsl.judges`).
"""
from __future__ import annotations

import contextlib
import contextvars
import math
from typing import Any, Iterator, List, Optional, Protocol, Sequence, Tuple, runtime_checkable

from lsr_dsl.language.errors import LsrRuntimeError

__all__ = ["BatchJudge", "Judge", "SoftNotNeeded", "as_probability", "ask", "ask_batch", "current_judge", "judge_id", "require_judge", "use_judge"]


@runtime_checkable
class Judge(Protocol):
    """Answers a yes/no ``question`` about ``response`` with P(YES) in [0, 1]."""

    def __call__(self, question: str, response: str) -> float: ...


_CURRENT: contextvars.ContextVar[Optional[Judge]] = contextvars.ContextVar("lsr_judge", default=None)


def current_judge() -> Optional[Judge]:
    """The judge set by the innermost :func:`use_judge`, or ``None``."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_judge(judge: Optional[Judge]) -> Iterator[Optional[Judge]]:
    """Make ``judge`` the current judge inside the ``with`` block (``None`` clears it)."""
    if judge is not None and not callable(judge):
        raise TypeError(f"a judge must be callable as judge(question, response) -> float, got {type(judge).__name__}")
    token = _CURRENT.set(judge)
    try:
        yield judge
    finally:
        _CURRENT.reset(token)


def require_judge(constraint_name: str) -> Judge:
    """The current judge, or an :class:`LsrRuntimeError` naming the constraint."""
    j = _CURRENT.get()
    if j is None:
        raise LsrRuntimeError(
            f"constraint {constraint_name!r} is judged by a model; no judge is configured "
            "(lsr check --judge MODEL; LsrReward(judge=...); reward.judge in a training config; "
            "or lsr_dsl.judge.use_judge(...) in Python)"
        )
    return j


def as_probability(value: Any, who: str) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise LsrRuntimeError(f"{who} returned {type(value).__name__}, not a probability") from None
    if math.isnan(p):
        raise LsrRuntimeError(f"{who} returned NaN, not a probability")
    return min(1.0, max(0.0, p))


class SoftNotNeeded(Exception):
    """Raised by a batch's judge for a soft leaf whose value cannot change the score (e.g. under a
    ``strict`` tree that a failed hard leaf has decided): the leaf is not judged and the verifier
    records it as "not judged", not as an error."""


def ask(judge: Judge, question: str, response: str, constraint_name: str = "judge") -> float:
    """Call ``judge`` and return a probability in [0, 1]; any failure becomes :class:`LsrRuntimeError`."""
    try:
        raw = judge(question, response)
    except (LsrRuntimeError, SoftNotNeeded):
        raise
    except Exception as e:
        raise LsrRuntimeError(f"the judge for constraint {constraint_name!r} failed: {type(e).__name__}: {e}") from e
    return as_probability(raw, f"the judge for constraint {constraint_name!r}")


@runtime_checkable
class BatchJudge(Protocol):
    """A judge that also answers many ``(question, response)`` pairs at once, in order."""

    def __call__(self, question: str, response: str) -> float: ...

    def judge_batch(self, pairs: "Sequence[Tuple[str, str]]") -> "List[float]": ...


def judge_id(judge: Any) -> str:
    """A stable name for ``judge`` used in cache keys: its ``judge_id`` attribute, else its repr."""
    name = getattr(judge, "judge_id", None)
    if isinstance(name, str) and name:
        return name
    return repr(judge)


def ask_batch(judge: Any, pairs: "Sequence[Tuple[str, str]]") -> "List[float]":
    """P(YES) for every pair: one ``judge_batch`` call when the judge has one, else one call per pair.
    Any failure becomes an :class:`LsrRuntimeError` naming the judge."""
    who = f"judge {judge_id(judge)}"
    try:
        raw = judge.judge_batch(list(pairs)) if hasattr(judge, "judge_batch") else [judge(q, r) for q, r in pairs]
    except LsrRuntimeError as e:
        if who in str(e):
            raise
        raise LsrRuntimeError(f"{who} failed: {e}") from e
    except Exception as e:
        raise LsrRuntimeError(f"{who} failed: {type(e).__name__}: {e}") from e
    raw = list(raw)
    if len(raw) != len(pairs):
        raise LsrRuntimeError(f"{who} returned {len(raw)} answers for {len(pairs)} questions")
    return [as_probability(p, who) for p in raw]
