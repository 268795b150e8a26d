"""The one registry of constraints.

A constraint is a named check with a typed parameter model (pydantic). The
checker resolves every atom of a spec against this registry: an unknown name or
bad arguments is a compile error, never a pass.

Writing a constraint::

    class NoCommaParams(Params):
        pass

    @constraint(
        "no_comma",
        aliases=("punctuation:no_comma",),
        params=NoCommaParams,
        summary="The response contains no comma.",
        example="no_comma",
    )
    def no_comma(p: NoCommaParams, t: Text) -> Verdict:
        i = t.text.find(",")
        if i < 0:
            return Verdict.ok("no commas")
        line, col = t.line_col(i)
        return Verdict.fail(f"found {t.text.count(',')} commas; the first at line {line}, column {col}")
"""
from __future__ import annotations

import enum
import functools
import operator
import typing
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Optional, Tuple, Type

from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    """Base class of every parameter model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Relation(str, enum.Enum):
    """A numeric comparison. IFEval's ``"at least"`` / ``"less than"`` are accepted as aliases."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="

    @classmethod
    def _missing_(cls, value: object):  # pydantic and Relation("at least") both land here
        if isinstance(value, str):
            key = " ".join(value.strip().lower().split())
            alias = _RELATION_ALIASES.get(key)
            if alias is not None:
                return cls(alias)
        return None

    def holds(self, actual: float, target: float) -> bool:
        return _RELATION_OPS[self](actual, target)

    @property
    def words(self) -> str:
        return _RELATION_WORDS[self]


_RELATION_ALIASES = {
    "at least": ">=",
    "less than": "<",
    "at most": "<=",
    "more than": ">",
    "greater than": ">",
    "fewer than": "<",
    "exactly": "==",
    "=": "==",
    "not": "!=",
}
_RELATION_OPS = {
    Relation.LT: operator.lt,
    Relation.LE: operator.le,
    Relation.GT: operator.gt,
    Relation.GE: operator.ge,
    Relation.EQ: operator.eq,
    Relation.NE: operator.ne,
}
_RELATION_WORDS = {
    Relation.LT: "less than",
    Relation.LE: "at most",
    Relation.GT: "more than",
    Relation.GE: "at least",
    Relation.EQ: "exactly",
    Relation.NE: "not",
}


@dataclass(frozen=True)
class Verdict:
    """What one constraint says about one text.

    ``score`` is in [0, 1]; hard constraints give 0.0 or 1.0. ``reason`` is a
    human sentence ("found 3 commas; the first at line 2, column 14").
    """

    score: float
    reason: str

    @property
    def passed(self) -> bool:
        return self.score >= 1.0

    @classmethod
    def ok(cls, reason: str) -> "Verdict":
        return cls(1.0, reason)

    @classmethod
    def fail(cls, reason: str) -> "Verdict":
        return cls(0.0, reason)

    @classmethod
    def of(cls, passed: bool, reason: str) -> "Verdict":
        return cls(1.0 if passed else 0.0, reason)


CheckFn = Callable[[Any, Any], Verdict]  # (params, Text) -> Verdict


@dataclass(frozen=True)
class ConstraintDef:
    """A registered constraint.

    - ``name``: the DSL name (``no_comma``).
    - ``aliases``: other accepted names, e.g. the IFEval id ``punctuation:no_comma``.
    - ``params``: the pydantic parameter model.
    - ``positional``: parameter names that positional arguments bind to, in order.
    - ``count_param``: for comparison sugar (``words >= 300``), the numeric
      parameter that receives the right-hand side; the operator goes to ``relation``.
    - ``kind``: ``"hard"`` (rule-checked) or ``"soft"`` (judged by a model).
    - ``family``: grouping for the catalogue (``ifeval``, ``format``, ``length`` …).
    - ``ifeval_id``: the IFEval instruction id this constraint reproduces, if any.
    """

    name: str
    check: CheckFn
    params: Type[Params]
    aliases: Tuple[str, ...] = ()
    positional: Tuple[str, ...] = ()
    count_param: Optional[str] = None
    kind: str = "hard"
    family: str = "general"
    summary: str = ""
    example: str = ""
    ifeval_id: Optional[str] = None
    details: str = ""
    #: Static interval facts for the unsatisfiable-AND warning: name of the
    #: measured quantity (e.g. "words") or None.
    measure: Optional[str] = None

    def all_names(self) -> Tuple[str, ...]:
        return (self.name,) + self.aliases

    @property
    def relation_param(self) -> Optional[str]:
        """The parameter that receives the operator of comparison sugar: ``relation``,
        or the one parameter typed :class:`Relation` (IFEval's ``capital_relation`` …)."""
        return _relation_param(self.params)


@functools.lru_cache(maxsize=None)
def _relation_param(params: Type[Params]) -> Optional[str]:
    fields = params.model_fields
    if "relation" in fields:
        return "relation"
    typed = [n for n, f in fields.items() if Relation in (f.annotation, *typing.get_args(f.annotation))]
    return typed[0] if len(typed) == 1 else None


class Registry:
    """Name → :class:`ConstraintDef`. Aliases resolve to the same definition."""

    def __init__(self) -> None:
        self._by_name: Dict[str, ConstraintDef] = {}
        self._canonical: Dict[str, ConstraintDef] = {}

    def add(self, c: ConstraintDef) -> ConstraintDef:
        for n in c.all_names():
            if n in self._by_name and self._by_name[n] is not c:
                raise ValueError(f"constraint name {n!r} registered twice")
        for n in c.all_names():
            self._by_name[n] = c
        self._canonical[c.name] = c
        return c

    def get(self, name: str) -> Optional[ConstraintDef]:
        return self._by_name.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def names(self) -> Iterable[str]:
        """Every accepted name, aliases included."""
        return self._by_name.keys()

    def definitions(self) -> list[ConstraintDef]:
        """Each constraint once, sorted by name."""
        return sorted(self._canonical.values(), key=lambda c: c.name)

    def by_ifeval_id(self, instruction_id: str) -> Optional[ConstraintDef]:
        for c in self._canonical.values():
            if c.ifeval_id == instruction_id:
                return c
        return None


REGISTRY = Registry()


def constraint(
    name: str,
    *,
    params: Type[Params],
    aliases: Iterable[str] = (),
    positional: Iterable[str] = (),
    count_param: Optional[str] = None,
    kind: str = "hard",
    family: str = "general",
    summary: str = "",
    example: str = "",
    ifeval_id: Optional[str] = None,
    details: str = "",
    measure: Optional[str] = None,
    registry: Registry = REGISTRY,
) -> Callable[[CheckFn], CheckFn]:
    """Decorator that registers ``fn(params, text) -> Verdict`` as a constraint."""

    def deco(fn: CheckFn) -> CheckFn:
        al = tuple(aliases)
        if ifeval_id and ifeval_id not in al:
            al = al + (ifeval_id,)
        registry.add(
            ConstraintDef(
                name=name,
                check=fn,
                params=params,
                aliases=al,
                positional=tuple(positional),
                count_param=count_param,
                kind=kind,
                family=family,
                summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
                example=example,
                ifeval_id=ifeval_id,
                details=details,
                measure=measure,
            )
        )
        return fn

    return deco


def blank_fails(check: Callable[[Any, Any], Verdict], reason: str = "the response is empty") -> Callable[[Any, Any], Verdict]:
    """``check`` wrapped so that a blank text (empty or whitespace only) fails before it runs.

    The reference suites (IFEval, IFEvalG, IFBench) never run a check on a blank response and
    count it as not followed; their reproductions here wrap each check with this.
    """

    @functools.wraps(check)
    def wrapped(p: Any, t: Any) -> Verdict:
        if t.is_blank:
            return Verdict.fail(reason)
        return check(p, t)

    return wrapped

