"""A judge made from any Python function ``fn(question, response) -> float | bool``."""
from __future__ import annotations

from typing import Callable, Union

from lsr_dsl.judges.protocol import as_probability
from lsr_dsl.language.errors import LsrRuntimeError


class CallableJudge:
    """Wraps ``fn(question, response) -> float | bool`` as a :class:`Judge` (clamped to [0, 1])."""

    def __init__(self, fn: Callable[[str, str], Union[float, bool]], name: str = "") -> None:
        if not callable(fn):
            raise TypeError("CallableJudge needs a callable")
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "callable")

    def __call__(self, question: str, response: str) -> float:
        return as_probability(self.fn(question, response), f"judge {self.name!r}")

    def __repr__(self) -> str:
        return f"CallableJudge({self.name})"


class FailedJudge:
    """Stands in for a judge that has failed during a batch: every question raises its error at once
    (so each leaf that needs it becomes a verifier error without asking a dead judge again)."""

    def __init__(self, error: str, name: str) -> None:
        self.error = error
        self.judge_id = name

    def __call__(self, question: str, response: str) -> float:
        raise LsrRuntimeError(self.error)

    def __repr__(self) -> str:
        return f"FailedJudge({self.judge_id})"
