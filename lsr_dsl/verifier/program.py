"""Compiled programs and their results: the public runtime API."""
from __future__ import annotations

import copy
import json
from types import MappingProxyType
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from lsr_dsl.language.errors import Diagnostic
from lsr_dsl.text import Text
from lsr_dsl.verifier.nodes import AndV, AtomV, EvalContext, ForEachV, IfV, ScopeV, ThenV, VNode


class Result:
    """The outcome of scoring one response: ``score``, ``trace`` and any verifier ``errors``."""

    __slots__ = ("score", "mode", "trace", "errors", "spec")

    def __init__(self, score: float, mode: str, trace: Dict[str, Any], errors: List[Dict[str, Any]], spec: str):
        self.score = score
        self.mode = mode
        self.trace = trace
        self.errors = errors
        self.spec = spec

    @property
    def passed(self) -> bool:
        """True when the response satisfies the spec fully (score 1.0)."""
        return self.score >= 1.0

    def to_dict(self) -> Dict[str, Any]:
        """The trace JSON contract: ``{"score", "mode", "root": NODE}`` (plus ``spec`` and ``errors``)."""
        d: Dict[str, Any] = {"score": self.score, "mode": self.mode, "spec": self.spec, "root": self.trace}
        if self.errors:
            d["errors"] = list(self.errors)
        return d

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def atoms(self) -> List[Dict[str, Any]]:
        """Every atom of the trace, in order, with whether it was active and passed."""
        out: List[Dict[str, Any]] = []

        def visit(node: Dict[str, Any], active: bool, in_condition: bool) -> None:
            node_active = active and node.get("active", True)
            if node["kind"] == "atom":
                out.append(
                    {
                        "name": node["name"],
                        "label": node.get("label", node["name"]),
                        "passed": node.get("passed"),
                        "score": node.get("score"),
                        "active": node_active,
                        "condition": in_condition,
                    }
                )
                return
            for c in node.get("children", ()):
                visit(c, node_active, in_condition or c.get("role") == "condition")

        visit(self.trace, True, False)
        return out

    def __repr__(self) -> str:
        return f"Result(score={self.score:.4f}, mode={self.mode!r}, spec={self.spec!r})"


class Program:
    """A compiled spec: a verifier tree plus its metadata.

    Immutable: ``lsr_dsl.compile`` hands the same cached object to every caller,
    so its attributes are read-only and ``meta`` is a read-only mapping. Safe to
    share between threads (each evaluation has its own context).
    """

    __slots__ = ("_root", "_name", "_mode", "_gamma", "_meta", "_warnings", "_source", "_file", "_rebuild")

    def __init__(
        self,
        root: VNode,
        *,
        name: str,
        mode: str,
        gamma: float,
        meta: Optional[Dict[str, Any]] = None,
        warnings: Tuple[Diagnostic, ...] = (),
        source: Optional[str] = None,
        file: Optional[str] = None,
        rebuild: Optional[Callable[..., "Program"]] = None,
    ):
        """``rebuild(source, name, mode, gamma, file)``, a module-level function, recompiles the
        program from its source when it is unpickled (the compiler passes its own ``compile``);
        without it, or without ``source``, a pickle carries the verifier tree itself."""
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_mode", mode)
        object.__setattr__(self, "_gamma", gamma)
        object.__setattr__(self, "_meta", MappingProxyType(copy.deepcopy(dict(meta or {}))))
        object.__setattr__(self, "_warnings", tuple(warnings))
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_file", file)
        object.__setattr__(self, "_rebuild", rebuild)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"Program is immutable (compiled programs are shared); cannot set {key!r}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"Program is immutable (compiled programs are shared); cannot delete {key!r}")

    root = property(lambda self: self._root, doc="The verifier tree.")
    name = property(lambda self: self._name, doc="The spec's name (``main`` for a bare expression).")
    mode = property(lambda self: self._mode, doc="Aggregation: ``lsrm``, ``flat`` or ``strict``.")
    gamma = property(lambda self: self._gamma, doc="The default decay of THEN chains used.")
    meta = property(lambda self: self._meta, doc="The spec's fields (id, prompt, …), read-only.")
    warnings = property(lambda self: self._warnings, doc="The checker's warnings.")
    source = property(lambda self: self._source, doc="The source text it was compiled from (None: AST JSON).")
    file = property(lambda self: self._file, doc="The file it came from, if any.")

    # -- scoring -----------------------------------------------------------
    @staticmethod
    def _text(value: Union[str, Text, None], what: str) -> Optional[Text]:
        if value is None:
            return None
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return Text(value)
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")

    def _context(self, response: Union[str, Text], prompt: Union[str, Text, None], loose: bool) -> EvalContext:
        if not isinstance(loose, bool):
            raise TypeError(f"loose must be True or False, not {type(loose).__name__}")
        resp = self._text(response, "response")
        if resp is None:
            raise TypeError("response must be a str, not None")
        if prompt is None and isinstance(self.meta.get("prompt"), str):
            prompt = self.meta["prompt"]
        return EvalContext(resp, self._text(prompt, "prompt"), loose)

    def score(self, response: Union[str, Text], *, prompt: Union[str, Text, None] = None, loose: bool = False) -> float:
        """The score of ``response`` in [0, 1]. ``prompt`` defaults to the spec's ``prompt`` field."""
        return self.root.score(self._context(response, prompt, loose), self.mode)

    def evaluate(self, response: Union[str, Text], *, prompt: Union[str, Text, None] = None, loose: bool = False) -> Result:
        """Score ``response`` and keep the full trace.

        ``loose=True`` applies IFEval's loose mode to each atom that reads the
        response: it passes if any of the response's loose variants passes.
        """
        ctx = self._context(response, prompt, loose)
        trace = self.root.trace(ctx, self.mode)
        return Result(trace["score"], self.mode, trace, ctx.errors, self.name)

    # -- introspection -----------------------------------------------------
    @property
    def structure(self) -> str:
        """The spec's top-level structure: ``atom``, ``and``, ``then``, ``if``, or ``nested``
        (a composition that contains another composition)."""
        r = self.root
        if isinstance(r, AtomV):
            return "atom"
        if isinstance(r, (ScopeV, ForEachV)):
            return "atom" if isinstance(r.body, AtomV) else "nested"
        kids = r.children if isinstance(r, (AndV, ThenV)) else [r.condition, r.then] + ([r.else_] if r.else_ else [])
        if isinstance(r, IfV):
            branch = [r.then] + ([r.else_] if r.else_ else [])
            if any(not isinstance(k, AtomV) for k in branch):
                return "nested"
            return "if"
        if any(not isinstance(k, AtomV) for k in kids):
            return "nested"
        return r.kind

    def atoms(self) -> Iterator[AtomV]:
        for n in self.root.walk():
            if isinstance(n, AtomV):
                yield n

    def tree_json(self) -> Dict[str, Any]:
        """The compiled verifier tree as JSON (``lsr compile --emit tree``)."""

        def node(n: VNode) -> Dict[str, Any]:
            if isinstance(n, AtomV):
                d = {"kind": "atom", "name": n.name, "label": n.label, "params": n.params.model_dump(mode="json")}
                if n.target != "response":
                    d["target"] = n.target
                return d
            if isinstance(n, AndV):
                return {"kind": "and", "children": [node(c) for c in n.children]}
            if isinstance(n, ThenV):
                return {"kind": "then", "gamma": n.gamma, "children": [node(c) for c in n.children]}
            if isinstance(n, IfV):
                kids = [node(n.condition), node(n.then)] + ([node(n.else_)] if n.else_ is not None else [])
                d = {"kind": "if", "children": kids}
                if n.target != "response":
                    d["target"] = n.target
                return d
            if isinstance(n, ScopeV):
                d = {"kind": "scope", "part": n.part.label, "children": [node(n.body)]}
                if n.target != "response":
                    d["target"] = n.target
                return d
            if isinstance(n, ForEachV):
                d = {"kind": "for_each", "unit": n.unit, "reduction": n.reduction, "children": [node(n.body)]}
                if n.k is not None:
                    d["k"] = n.k
                if n.target != "response":
                    d["target"] = n.target
                return d
            raise TypeError(type(n).__name__)

        return {"spec": self.name, "mode": self.mode, "gamma": self.gamma, "structure": self.structure, "root": node(self.root)}

    def __repr__(self) -> str:
        return f"Program(spec={self.name!r}, mode={self.mode!r}, gamma={self.gamma}, structure={self.structure!r})"

    def __reduce__(self):
        # Rebuild from source when pickled (verifier nodes hold only picklable data, but
        # recompiling keeps pickles small and version-safe).
        if self.source is not None and self._rebuild is not None:
            return (self._rebuild, (self.source, self.name, self.mode, self.gamma, self.file))
        return (_restore, (self._root, self._name, self._mode, self._gamma, dict(self._meta), self._warnings, self._file))


def _restore(root: VNode, name: str, mode: str, gamma: float, meta: Dict[str, Any], warnings: Tuple[Diagnostic, ...], file: Optional[str]) -> "Program":
    return Program(root, name=name, mode=mode, gamma=gamma, meta=meta, warnings=warnings, file=file)
