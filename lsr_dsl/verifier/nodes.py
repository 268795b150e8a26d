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
