"""The verifier tree: runtime nodes that score a response with the LsRM rules.

For child scores r_i in [0, 1] (arXiv 2601.06431, Eqs. 1–4):

- AND:  mean(r_i)
- THEN: mean(r'_i) with r'_i = r_i · Π_{j<i} γ^(1−r_j)
- IF c THEN a ELSE b: a's score when c holds (its LsRM score is 1.0), else b's;
  1.0 when c fails and there is no ELSE. The condition earns nothing itself.
  A condition that a verifier error leaves undecided (e.g. a prompt condition
  with no prompt) scores the IF 0.0, with no branch active, and the error is
  recorded: it never silently picks a branch.

Modes: ``lsrm`` (the rules above), ``flat`` (mean of the active leaves: the
paper's "w/o LsRM" ablation) and ``strict`` (1 iff every active leaf holds:
IFEval's prompt-level rule). Conditions are decided the same way in every mode.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from lsr_dsl.constraints.registry import ConstraintDef, Params, Verdict
from lsr_dsl.judges.protocol import SoftNotNeeded
from lsr_dsl.language.errors import LsrError, LsrRuntimeError
from lsr_dsl.language.span import Span
from lsr_dsl.text import Text
from lsr_dsl.text.parts import count_phrase, units


def _span_json(span: Optional[Span]) -> Optional[Dict[str, int]]:
    if span is None:
        return None
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


class EvalContext:
    """Per-evaluation state: the analysed texts, verdict memo, errors."""

    __slots__ = ("response", "prompt", "loose", "verdicts", "errors")

    def __init__(self, response: Text, prompt: Optional[Text], loose: bool = False):
        self.response = response
        self.prompt = prompt
        self.loose = loose
        self.verdicts: Dict[int, Verdict] = {}
        self.errors: List[Dict[str, Any]] = []


class VNode:
    __slots__ = ("span",)
    kind = "node"

    def lsrm(self, ctx: EvalContext) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def leaves(self, ctx: EvalContext, out: List[float]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def score(self, ctx: EvalContext, mode: str) -> float:
        if mode == "lsrm":
            return self.lsrm(ctx)
        out: List[float] = []
        self.leaves(ctx, out)
        if not out:
            return 1.0
        if mode == "flat":
            return sum(out) / len(out)
        return 1.0 if all(s >= 1.0 for s in out) else 0.0

    def trace(self, ctx: EvalContext, mode: str) -> Dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def inactive(self) -> Dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def walk(self):
        yield self


class AtomV(VNode):
    __slots__ = ("constraint", "params", "check", "label", "target", "name")
    kind = "atom"

    def __init__(self, constraint: ConstraintDef, params: Params, label: str, target: str, span: Optional[Span]):
        self.constraint = constraint
        self.params = params
        self.check = constraint.check
        self.label = label
        self.target = target
        self.name = constraint.name
        self.span = span

    def verdict(self, ctx: EvalContext) -> Verdict:
        key = id(self)
        v = ctx.verdicts.get(key)
        if v is not None:
            return v
        try:
            if self.target == "prompt":
                if ctx.prompt is None:
                    raise LsrRuntimeError(f"'{self.label}' tests the prompt, but no prompt was given")
                v = self._run(ctx.prompt)
            elif ctx.loose:
                v = None
                for variant in ctx.response.loose_variants():
                    cand = self._run(variant)
                    if v is None or cand.score > v.score:
                        v = cand
                    if v.score >= 1.0:
                        break
                if v is None:
                    v = Verdict.fail("every loose variant of the response is empty")
            else:
                v = self._run(ctx.response)
            score = float(v.score)
            if not (0.0 <= score <= 1.0):
                raise LsrRuntimeError(f"constraint '{self.name}' returned score {score!r}, outside [0, 1]")
        except SoftNotNeeded:  # a batch's plan found that this soft leaf cannot change the score
            v = Verdict(0.0, "not judged: the score is decided without this leaf")
        except LsrError as e:
            v = Verdict(0.0, f"error: {e}")
            ctx.errors.append({"name": self.name, "label": self.label, "span": _span_json(self.span), "error": str(e)})
        except Exception as e:  # a verifier bug must not take a training run down; it is counted and reported
            v = Verdict(0.0, f"error: {type(e).__name__}: {e}")
            ctx.errors.append({"name": self.name, "label": self.label, "span": _span_json(self.span), "error": f"{type(e).__name__}: {e}"})
        ctx.verdicts[key] = v
        return v

    def _run(self, text: Text) -> Verdict:
        return self.check(self.params, text)

    def lsrm(self, ctx: EvalContext) -> float:
        return self.verdict(ctx).score

    def leaves(self, ctx: EvalContext, out: List[float]) -> None:
        out.append(self.verdict(ctx).score)

    def _base(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"kind": "atom", "name": self.name, "label": self.label}
        if self.target != "response":
            d["target"] = self.target
        d["params"] = self.params.model_dump(mode="json")
        d["span"] = _span_json(self.span)
        return d

    def trace(self, ctx: EvalContext, mode: str) -> Dict[str, Any]:
        v = self.verdict(ctx)
        d = self._base()
        d.update(score=v.score, passed=v.passed, reason=v.reason)
        if v.reason.startswith("error: "):
            d["error"] = True
        return d

    def inactive(self) -> Dict[str, Any]:
        d = self._base()
        d.update(score=None, passed=None, reason="not evaluated: the branch is not active")
        return d


class AndV(VNode):
    __slots__ = ("children",)
    kind = "and"

    def __init__(self, children: List[VNode], span: Optional[Span]):
        self.children = tuple(children)
        self.span = span

    def lsrm(self, ctx: EvalContext) -> float:
        kids = self.children
        return sum(c.lsrm(ctx) for c in kids) / len(kids)

    def leaves(self, ctx: EvalContext, out: List[float]) -> None:
        for c in self.children:
            c.leaves(ctx, out)

    def trace(self, ctx: EvalContext, mode: str) -> Dict[str, Any]:
        return {
            "kind": "and",
            "score": self.score(ctx, mode),
            "span": _span_json(self.span),
            "children": [c.trace(ctx, mode) for c in self.children],
        }

    def inactive(self) -> Dict[str, Any]:
        return {"kind": "and", "score": None, "span": _span_json(self.span), "children": [c.inactive() for c in self.children]}

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


class ThenV(VNode):
    __slots__ = ("children", "gamma")
    kind = "then"

    def __init__(self, children: List[VNode], gamma: float, span: Optional[Span]):
        self.children = tuple(children)
        self.gamma = float(gamma)
        self.span = span

    @staticmethod
    def combine(scores: List[float], gamma: float) -> float:
        """LsRM sequential aggregation of already computed child scores."""
        total = 0.0
        decay = 1.0
        for r in scores:
            total += r * decay
            if r < 1.0:
                decay *= gamma ** (1.0 - r)
        return total / len(scores)

    def lsrm(self, ctx: EvalContext) -> float:
        return self.combine([c.lsrm(ctx) for c in self.children], self.gamma)

    def leaves(self, ctx: EvalContext, out: List[float]) -> None:
        for c in self.children:
            c.leaves(ctx, out)

    def trace(self, ctx: EvalContext, mode: str) -> Dict[str, Any]:
        return {
            "kind": "then",
            "score": self.score(ctx, mode),
            "gamma": self.gamma,
            "span": _span_json(self.span),
            "children": [c.trace(ctx, mode) for c in self.children],
        }

    def inactive(self) -> Dict[str, Any]:
        return {
            "kind": "then",
            "score": None,
            "gamma": self.gamma,
            "span": _span_json(self.span),
            "children": [c.inactive() for c in self.children],
        }

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


class IfV(VNode):
    __slots__ = ("condition", "then", "else_", "target")
    kind = "if"

    def __init__(self, condition: VNode, then: VNode, else_: Optional[VNode], target: str, span: Optional[Span]):
        self.condition = condition
        self.then = then
        self.else_ = else_
        self.target = target
        self.span = span

    def decide(self, ctx: EvalContext) -> Optional[bool]:
        """Whether the condition holds; None when a verifier error left it undecided."""
        key = id(self)
        memo = ctx.verdicts
        if key in memo:
            return memo[key]  # type: ignore[return-value]
        before = len(ctx.errors)
        holds: Optional[bool] = self.condition.lsrm(ctx) >= 1.0
        if len(ctx.errors) > before:
            holds = None  # an undecidable condition must not silently pick the ELSE branch
        memo[key] = holds  # type: ignore[assignment]
        return holds

    def lsrm(self, ctx: EvalContext) -> float:
        holds = self.decide(ctx)
        if holds is None:
            return 0.0
        if holds:
            return self.then.lsrm(ctx)
        return self.else_.lsrm(ctx) if self.else_ is not None else 1.0

    def leaves(self, ctx: EvalContext, out: List[float]) -> None:
        holds = self.decide(ctx)
        if holds is None:
            out.append(0.0)
        elif holds:
            self.then.leaves(ctx, out)
        elif self.else_ is not None:
            self.else_.leaves(ctx, out)

    def trace(self, ctx: EvalContext, mode: str) -> Dict[str, Any]:
        holds = self.decide(ctx)
        cond = self.condition.trace(ctx, "lsrm")
        cond["role"] = "condition"
        cond["holds"] = holds
        if holds:
            then = self.then.trace(ctx, mode)
            then["active"] = True
        else:
            then = self.then.inactive()
            then["active"] = False
        then["role"] = "then"
        kids = [cond, then]
        if self.else_ is not None:
            if holds is False:
                els = self.else_.trace(ctx, mode)
                els["active"] = True
            else:
                els = self.else_.inactive()
                els["active"] = False
            els["role"] = "else"
            kids.append(els)
        d: Dict[str, Any] = {"kind": "if", "score": self.score(ctx, mode), "span": _span_json(self.span)}
        if self.target != "response":
            d["target"] = self.target
        d["children"] = kids
        return d

    def inactive(self) -> Dict[str, Any]:
        kids = [self.condition.inactive(), self.then.inactive()]
        kids[0]["role"], kids[1]["role"] = "condition", "then"
        kids[1]["active"] = False
        if self.else_ is not None:
            e = self.else_.inactive()
            e["role"], e["active"] = "else", False
            kids.append(e)
        return {"kind": "if", "score": None, "span": _span_json(self.span), "children": kids}

    def walk(self):
        yield self
        yield from self.condition.walk()
        yield from self.then.walk()
        if self.else_ is not None:
            yield from self.else_.walk()


def _sub_context(ctx: EvalContext, part: str, target: str) -> EvalContext:
    """A context whose response (or prompt, for a prompt target) is one part; it shares the
    errors list of ``ctx``, so an error inside a part is an error of the evaluation."""
    text = Text(part)
    sub = EvalContext(ctx.response, text, ctx.loose) if target == "prompt" else EvalContext(text, ctx.prompt, ctx.loose)
    sub.errors = ctx.errors
    return sub


def _source(ctx: EvalContext, target: str, label: str, span: Optional[Span]) -> Optional[Text]:
    """The text a scope selects from; None (with the error recorded) when the prompt is missing."""
    if target != "prompt":
        return ctx.response
    if ctx.prompt is None:
        ctx.errors.append({"name": "in", "label": label, "span": _span_json(span), "error": f"'{label}' reads the prompt, but no prompt was given"})
        return None
    return ctx.prompt


def _unevaluated(d: Dict[str, Any], why: str) -> Dict[str, Any]:
    """An inactive trace whose atoms say why they were not evaluated."""
    if d.get("kind") == "atom":
        d["reason"] = f"not evaluated: {why}"
    for c in d.get("children", ()):
        _unevaluated(c, why)
    return d


def _preview(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ScopeV(VNode):
    """``in <part> { body }``: the body scores the part. A part that is not there scores 0.0
    (one failed leaf in flat and strict modes), and the trace says why."""

    __slots__ = ("part", "body", "target")
    kind = "scope"

    @property
    def children(self) -> "tuple[VNode, ...]":
        """The body, as the one child (for code that walks any tree by ``children``)."""
        return (self.body,)

    def __init__(self, part: Any, body: VNode, target: str, span: Optional[Span]):
        self.part = part
        self.body = body
        self.target = target
        self.span = span

    def sub(self, ctx: EvalContext) -> "tuple[Optional[EvalContext], str]":
        key = id(self)
        memo = ctx.verdicts
        if key not in memo:
            source = _source(ctx, self.target, f"in {self.part.label}", self.span)
            if source is None:
                memo[key] = (None, "error: no prompt was given")  # type: ignore[assignment]
            else:
                sel = self.part.select(source, self.target)
                memo[key] = (None if sel.text is None else _sub_context(ctx, sel.text, self.target), sel.reason)  # type: ignore[assignment]
        return memo[key]  # type: ignore[return-value]

    def lsrm(self, ctx: EvalContext) -> float:
        sub, _ = self.sub(ctx)
        return 0.0 if sub is None else self.body.lsrm(sub)

    def leaves(self, ctx: EvalContext, out: List[float]) -> None:
        sub, _ = self.sub(ctx)
        if sub is None:
            out.append(0.0)
        else:
            self.body.leaves(sub, out)

    def _base(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"kind": "scope", "part": self.part.label}
        if self.target != "response":
            d["target"] = self.target
        return d

    def trace(self, ctx: EvalContext, mode: str) -> Dict[str, Any]:
        sub, reason = self.sub(ctx)
        d = self._base()
        leaves: List[float] = []
        self.leaves(ctx, leaves)
        d.update(score=self.score(ctx, mode), lsrm=self.lsrm(ctx), leaves=leaves, span=_span_json(self.span))
        d["found"] = sub is not None
        d["reason"] = reason
        if sub is not None:
            text = sub.prompt.text if self.target == "prompt" else sub.response.text
            d["text"] = _preview(text)
            d["children"] = [self.body.trace(sub, mode)]
        else:
            d["children"] = [_unevaluated(self.body.inactive(), "the part is missing")]
        return d

    def inactive(self) -> Dict[str, Any]:
        d = self._base()
        d.update(score=None, span=_span_json(self.span), children=[self.body.inactive()])
        return d

    def walk(self):
        yield self
        yield from self.body.walk()


def reduce_items(scores: List[float], reduction: str, k: Optional[int]) -> float:
    """Combine the item scores of a ``for each``: the mean; all (1.0 iff every item scores 1.0);
    any (1.0 iff one does); at_least(k) (min(1, items scoring 1.0 / k)); fraction (the share of
    items scoring 1.0: no partial credit within an item). No items: 0.0."""
    if not scores:
        return 0.0
    passed = sum(1 for s in scores if s >= 1.0)
    if reduction == "mean":
        return sum(scores) / len(scores)
    if reduction == "all":
        return 1.0 if passed == len(scores) else 0.0
    if reduction == "any":
        return 1.0 if passed else 0.0
    if reduction == "fraction":
        return passed / len(scores)
    if reduction == "at_least":
        assert k is not None
        return min(1.0, passed / k)
    raise ValueError(reduction)


class ForEachV(VNode):
    """``for each <unit> [reduction] { body }``: the body scores every item; LsRM reduces the item
    scores (the mean by default, like AND). Flat and strict modes take every item's leaves for
    the mean, and the reduced score as one leaf otherwise. No items score 0.0, traced."""

    __slots__ = ("unit", "reduction", "k", "body", "target")
    kind = "for_each"

    @property
    def children(self) -> "tuple[VNode, ...]":
        """The body, as the one child (for code that walks any tree by ``children``)."""
        return (self.body,)

    def __init__(self, unit: str, reduction: str, k: Optional[int], body: VNode, target: str, span: Optional[Span]):
        self.unit = unit
        self.reduction = reduction
        self.k = k
        self.body = body
        self.target = target
        self.span = span

    @property
    def label(self) -> str:
        red = "" if self.reduction == "mean" else (f" at_least({self.k})" if self.reduction == "at_least" else f" {self.reduction}")
        return f"for each {self.unit}{red}"

    def items(self, ctx: EvalContext) -> "tuple[Optional[List[EvalContext]], str]":
        key = id(self)
        memo = ctx.verdicts
        if key not in memo:
            source = _source(ctx, self.target, self.label, self.span)
            if source is None:
                memo[key] = (None, "error: no prompt was given")  # type: ignore[assignment]
            else:
                found = units(self.unit, source)
                whose = "prompt" if self.target == "prompt" else "response"
                reason = f"{count_phrase(self.unit, len(found))} in the {whose}"
                memo[key] = ([_sub_context(ctx, t, self.target) for t in found] or None, reason)  # type: ignore[assignment]
        return memo[key]  # type: ignore[return-value]

    def lsrm(self, ctx: EvalContext) -> float:
        subs, _ = self.items(ctx)
        if subs is None:
            return 0.0
        return reduce_items([self.body.lsrm(s) for s in subs], self.reduction, self.k)

    def leaves(self, ctx: EvalContext, out: List[float]) -> None:
        subs, _ = self.items(ctx)
        if subs is None:
            out.append(0.0)
        elif self.reduction == "mean":
            for s in subs:
                self.body.leaves(s, out)
        else:
            out.append(reduce_items([self.body.lsrm(s) for s in subs], self.reduction, self.k))

    def trace(self, ctx: EvalContext, mode: str) -> Dict[str, Any]:
        subs, reason = self.items(ctx)
        leaves: List[float] = []
        self.leaves(ctx, leaves)
        d: Dict[str, Any] = {"kind": "for_each", "unit": self.unit, "reduction": self.reduction}
        if self.k is not None:
            d["k"] = self.k
        if self.target != "response":
            d["target"] = self.target
        d.update(label=self.label, score=self.score(ctx, mode), lsrm=self.lsrm(ctx), leaves=leaves, span=_span_json(self.span))
        d["reason"] = reason
        kids = []
        for i, s in enumerate(subs or (), 1):
            t = self.body.trace(s, mode)
            t["item"] = i
            t["text"] = _preview((s.prompt if self.target == "prompt" else s.response).text)
            kids.append(t)
        d["passed_items"] = sum(1 for s in (subs or ()) if self.body.lsrm(s) >= 1.0)
        d["children"] = kids or [_unevaluated(self.body.inactive(), f"there is no {self.unit}")]
        return d

    def inactive(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"kind": "for_each", "unit": self.unit, "reduction": self.reduction, "label": self.label}
        if self.target != "response":
            d["target"] = self.target
        d.update(score=None, span=_span_json(self.span), children=[self.body.inactive()])
        return d

    def walk(self):
        yield self
        yield from self.body.walk()
