"""Soft constraints: judged by a model through :mod:`lsr_dsl.judges`.

Their score is the judge's P(YES) in [0, 1] (or 0/1 with ``threshold``). With no
judge configured they raise :class:`~lsr_dsl.language.errors.LsrRuntimeError`: a soft
constraint never passes silently.
"""
from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator

from lsr_dsl.judges.protocol import ask, require_judge
from lsr_dsl.text import Text
from lsr_dsl.constraints.registry import Params, Verdict, constraint

FAMILY_SOFT = "soft"
_MAX_QUESTION = 1000


class _SoftParams(Params):
    threshold: Optional[float] = Field(
        None,
        gt=0.0,
        le=1.0,
        description="If set, the score is 1 when P(YES) >= threshold and 0 otherwise; if omitted the score is P(YES).",
    )


class ToneParams(_SoftParams):
    tone: str = Field(description='The tone the response should have, e.g. "formal", "friendly", "neutral".')

    @field_validator("tone")
    @classmethod
    def _tone(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("tone must not be empty")
        if len(v) > 80:
            raise ValueError("tone should be a short description (at most 80 characters)")
        return v


class JudgeParams(_SoftParams):
    question: str = Field(description="A yes/no question about the response; YES means the constraint holds.")

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("question must not be empty")
        if len(v) > _MAX_QUESTION:
            raise ValueError(f"question is longer than {_MAX_QUESTION} characters")
        return v


def _tone_question(tone: str) -> str:
    return f"Is the tone of the response {tone}?"


SOFT_QUESTIONS = {
    "tone": lambda p: _tone_question(p.tone),
    "judge": lambda p: p.question,
}
"""How each built-in soft constraint words its question, from its parameters: the batch scheduler
(:mod:`lsr_dsl.verifier.soft_plan`) asks the judge these questions ahead of scoring."""


def soft_question(name: str, params: Params) -> Optional[str]:
    """The question soft constraint ``name`` asks with ``params``; ``None`` when it is not a built-in one."""
    fn = SOFT_QUESTIONS.get(name)
    return fn(params) if fn is not None else None


def _judged(name: str, question: str, threshold: Optional[float], t: Text) -> Verdict:
    judge = require_judge(name)
    p = t.memo(("soft", id(judge), question), lambda tt: ask(judge, question, tt.text, name))
    short = question if len(question) <= 80 else question[:79] + "…"
    if threshold is None:
        return Verdict(p, f"the judge gives P(YES) = {p:.2f} for {short!r}")
    ok = p >= threshold
    return Verdict.of(ok, f"the judge gives P(YES) = {p:.2f} for {short!r}; need at least {threshold:g}")


@constraint(
    "tone",
    params=ToneParams,
    positional=("tone",),
    kind="soft",
    family=FAMILY_SOFT,
    summary="The response has the given tone, as judged by a model.",
    details='Asks the configured judge "Is the tone of the response <tone>?"; the score is P(YES). '
    "Raises a runtime error when no judge is configured (see `lsr_dsl.judge.use_judge`).",
    example='tone("formal")',
)
def tone(p: ToneParams, t: Text) -> Verdict:
    return _judged("tone", _tone_question(p.tone), p.threshold, t)


@constraint(
    "judge",
    params=JudgeParams,
    positional=("question",),
    kind="soft",
    family=FAMILY_SOFT,
    summary="A free-form yes/no question about the response, answered by a model.",
    details="The score is the judge's P(YES), or 0/1 against `threshold`. Phrase the question so that YES "
    "means the constraint holds. Raises a runtime error when no judge is configured.",
    example='judge("Does the response cite at least one source?", threshold=0.5)',
)
def judge(p: JudgeParams, t: Text) -> Verdict:
    return _judged("judge", p.question, p.threshold, t)
