"""``lsr render`` / :func:`render`: a spec as the instruction a person would write.

The styles of the LsrIF paper: parallel "… and …", sequential "First …, then …, finally …",
conditional "If …, …; otherwise …", and nested forms built from the same pieces
("First open with "Summary:", then, if your answer mentions "error", add a heading;
otherwise, …").

Each atom is phrased from the phrasing table of the language
(:mod:`lsr_dsl.data.phrasing`); a constraint without an entry falls back to a phrasing
built from its registry summary and arguments, so every registered constraint renders.
The choice among phrasings is drawn from ``random.Random(seed)`` in a fixed walk of the
tree: the same spec and seed always give the same text.
"""
from __future__ import annotations

import random
from typing import Any, Dict, List, Optional, Union

from lsr_dsl.api import compile_any
from lsr_dsl.constraints.registry import ConstraintDef, Params
from lsr_dsl.data.phrasing import table
from lsr_dsl.verifier.nodes import AndV, AtomV, ForEachV, IfV, ScopeV, ThenV, VNode
from lsr_dsl.verifier.program import Program

__all__ = ["render", "render_atom", "has_phrasing"]


def _args(params: Params) -> str:
    """The non-default arguments, ``name=value`` (for the generic phrasing)."""
    d = params.model_dump(mode="json", exclude_defaults=True)
    return ", ".join(f"{k.rstrip('_')}={v!r}" if isinstance(v, str) else f"{k.rstrip('_')}={v}" for k, v in d.items())


def _param_view(params: Params) -> Dict[str, Any]:
    return {name: getattr(params, name) for name in type(params).model_fields}


def has_phrasing(name: str, language: str = "en") -> bool:
    """Whether ``language``'s table has phrasings for the constraint (else the generic one is used)."""
    return name in table(language).DO


def render_atom(constraint: ConstraintDef, params: Params, rng: random.Random, *, language: str = "en", condition: bool = False) -> str:
    """One atom as an instruction clause (or, with ``condition``, as a fact about a text)."""
    t = table(language)
    phrasings = (t.HOLDS if condition else t.DO).get(constraint.name)
    if not phrasings:
        fallback = t.generic_holds if condition else t.generic_do
        return fallback(constraint.summary, _args(params))
    return rng.choice(phrasings)(_param_view(params))


class _Renderer:
    def __init__(self, rng: random.Random, language: str):
        self.rng = rng
        self.language = language
        self.t = table(language)

    def glue(self, key: str) -> str:
        return self.rng.choice(self.t.GLUE[key])

    def atom(self, n: AtomV, condition: bool = False) -> str:
        return render_atom(n.constraint, n.params, self.rng, language=self.language, condition=condition)

    def join_and(self, parts: List[str]) -> str:
        if len(parts) == 1:
            return parts[0]
        return self.glue("list_sep").join(parts[:-1]) + self.glue("and") + parts[-1]

    def condition(self, n: VNode, target: str) -> str:
        subject = self.glue("subject_prompt" if target == "prompt" else "subject_response")
        atoms = n.children if isinstance(n, AndV) else [n]
        facts = [self.atom(a, condition=True) if isinstance(a, AtomV) else self.clause(a) for a in atoms]
        return f"{subject} {self.join_and(facts)}"

    def clause(self, n: VNode, nested: bool = False) -> str:
        """``n`` as a lower-case clause (no final period). ``nested``: inside a list, so
        a sequence or conditional must read as one item."""
        if isinstance(n, AtomV):
            return self.atom(n)
        if isinstance(n, AndV):
            # AND is commutative under every scoring mode, so bracketed compositions go last
            # (a sentence that opens with a parenthesis reads badly).
            plain = [self.clause(c, nested=True) for c in n.children if isinstance(c, AtomV)]
            composite = [self.bracketed_if(c) if isinstance(c, IfV) else self.clause(c, nested=True) for c in n.children if not isinstance(c, AtomV)]
            text = self.join_and(plain + composite)
            return f"({text})" if nested and len(n.children) > 2 else text
        if isinstance(n, ThenV):
            parts = [self.clause(c, nested=True) for c in n.children]
            text = self.glue("first") + parts[0]
            for c, p in zip(n.children[1:-1], parts[1:-1]):
                text += ", " + _comma_before_if(c, self.glue("then")) + p
            last = self.glue("finally") if len(parts) > 2 else self.glue("then")
            text += ", " + _comma_before_if(n.children[-1], last) + parts[-1]
            return f"({text})" if nested else text
        if isinstance(n, IfV):
            c = self.condition(n.condition, n.target)
            a = self.clause(n.then, nested=True)
            if nested:
                text = f"if {c}, {a}"
                if n.else_ is not None:
                    text += f", and otherwise {self.clause(n.else_, nested=True)}"
                return text
            text = self.glue("if").format(c=c, a=a)
            text = text[0].lower() + text[1:]
            if n.else_ is not None:
                text += self.glue("otherwise").format(b=self.clause(n.else_, nested=True))
            return text
        if isinstance(n, ScopeV):  # parts of the text read as written: "in section(2): …"
            return f"in {n.part.label}: {self.clause(n.body, nested=True)}"
        if isinstance(n, ForEachV):
            return f"{n.label}: {self.clause(n.body, nested=True)}"
        raise TypeError(f"cannot render a {type(n).__name__}")  # pragma: no cover - every node kind is handled

    def bracketed_if(self, n: IfV) -> str:
        """A conditional as one item of a list: ``(if …, …; otherwise, …)``."""
        text = f"if {self.condition(n.condition, n.target)}, {self.clause(n.then, nested=True)}"
        if n.else_ is not None:
            text += f"; otherwise, {self.clause(n.else_, nested=True)}"
        return f"({text})"

    def top(self, n: VNode) -> str:
        if isinstance(n, ThenV):
            parts = [self.clause(c, nested=True) for c in n.children]
            if len(parts) == 2:
                text = self.glue("seq_sentence").format(a=parts[0], b=parts[1])
            else:
                middle = parts[1] + "".join(", " + _comma_before_if(c, "then ") + p for c, p in zip(n.children[2:-1], parts[2:-1]))
                text = self.glue("seq3_sentence").format(a=parts[0], middle=middle, z=parts[-1])
            return _finish(text)
        if isinstance(n, IfV):
            # a top-level branch needs no brackets, unless it is a conditional itself
            c = self.condition(n.condition, n.target)
            text = self.glue("if").format(c=c, a=self.clause(n.then, nested=isinstance(n.then, IfV)))
            if n.else_ is not None:
                text += self.glue("otherwise").format(b=self.clause(n.else_, nested=isinstance(n.else_, IfV)))
            return _finish(text)
        return _finish(self.glue("sentence").format(x=self.clause(n)))


def _comma_before_if(child: VNode, word: str) -> str:
    """``"then "`` before a clause, ``"then, "`` before an ``if …`` clause."""
    return word.rstrip() + ", " if isinstance(child, IfV) and not word.rstrip().endswith(",") else word


def _finish(text: str) -> str:
    text = text.strip().replace("then if ", "then, if ").replace("Then if ", "Then, if ")
    first = next((i for i, ch in enumerate(text) if ch.isalpha()), 0)
    text = text[:first] + text[first].upper() + text[first + 1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def render(program_or_source: Union[Program, str, Dict[str, Any]], *, seed: int = 0, language: str = "en", spec: Optional[str] = None) -> str:
    """The natural-language instruction of a spec.

    ``program_or_source``: a compiled :class:`Program`, .lsr source, a path to a ``.lsr`` /
    ``.json`` file, or AST JSON. ``seed`` picks among the phrasings (same seed, same
    text); ``language`` picks the phrasing table (``"en"``).
    """
    prog = program_or_source if isinstance(program_or_source, Program) else compile_any(program_or_source, name=spec)
    return _Renderer(random.Random(seed), language).top(prog.root)
