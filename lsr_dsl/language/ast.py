"""The abstract syntax tree: immutable, typed nodes that keep their source spans.

Node equality ignores spans, so ``parse(fmt(x)) == parse(x)`` compares meaning,
not layout. Every node has a ``kind`` that tags it in the JSON interchange form
(see ``docs/ast.md`` and ``docs/ast.schema.json``).
"""
from __future__ import annotations

from typing import Annotated, Any, Dict, Literal, Optional, Tuple, Union

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from lsr_dsl.language.span import Span

#: A literal value: what a string, number, bool, null, list or dict literal denotes.
Value = Any

AST_VERSION = 1


class Node(BaseModel):
    """Base of all AST nodes."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    span: Optional[Span] = None

    # Equality and hashing ignore source positions.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return type(self) is type(other) and strip_spans(self.to_json()) == strip_spans(other.to_json())

    def __hash__(self) -> int:
        import json

        return hash(json.dumps(strip_spans(self.to_json()), sort_keys=True, default=str))

    def to_json(self, *, spans: bool = True) -> Dict[str, Any]:
        """The node as interchange JSON (a dict)."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data if spans else strip_spans(data)


def strip_spans(data: Any) -> Any:
    """A copy of interchange JSON without any ``span`` keys."""
    if isinstance(data, dict):
        return {k: strip_spans(v) for k, v in data.items() if k != "span"}
    if isinstance(data, list):
        return [strip_spans(v) for v in data]
    return data


class Arg(Node):
    """One argument of an atom: positional (``name`` is None) or keyword."""

    name: Optional[str] = None
    value: Value = None


class Comparison(Node):
    """Comparison sugar on an atom: ``words >= 300``."""

    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: Union[int, float]


class Atom(Node):
    """A constraint call (``no_comma``, ``keywords(["a"])``, ``words >= 300``) or a reference to a ``let`` definition."""

    kind: Literal["atom"] = "atom"
    name: str
    args: Tuple[Arg, ...] = ()
    compare: Optional[Comparison] = None
    #: True when written with parentheses, ``name()``; kept for faithful formatting.
    called: bool = False


class And(Node):
    """Parallel composition: every child should hold; LsRM scores the mean."""

    kind: Literal["and"] = "and"
    children: Tuple["Expr", ...]


class Then(Node):
    """Sequential composition: children in order; LsRM decays later steps after a failure."""

    kind: Literal["then"] = "then"
    children: Tuple["Expr", ...]
    gamma: Optional[float] = None


class If(Node):
    """Conditional: ``IF condition THEN then ELSE else``. ``target`` is the text the condition reads."""

    kind: Literal["if"] = "if"
    target: Literal["response", "prompt"] = "response"
    #: True when the source names the target explicitly (``IF response …``).
    explicit_target: bool = False
    condition: "Expr"
    then: "Expr"
    else_: Optional["Expr"] = Field(default=None, alias="else")


class Group(Node):
    """A parenthesised expression. Kept in the AST because LsRM is not associative:
    ``(a AND b) AND c`` scores differently from ``a AND b AND c``."""

    kind: Literal["group"] = "group"
    expr: "Expr"


class Part(Node):
    """A part of a text, as a scope names it: ``section(2)``, ``heading("Poem")``, ``quoted``."""

    name: str
    args: Tuple[Arg, ...] = ()
    #: True when written with parentheses, ``quoted()``; kept for faithful formatting.
    called: bool = False


class Scope(Node):
    """``in section(2) { … }``: the body scores the named part of the text instead of all of it.
    In a prompt condition (``IF prompt in quoted { chars > 200 } THEN …``) the part is of the prompt."""

    kind: Literal["scope"] = "scope"
    part: Part
    body: "Expr"


#: How ``for each`` reduces its items' scores: the mean (the default), all, any, at_least(k),
#: fraction (of the items that score 1.0).
REDUCTIONS = ("mean", "all", "any", "at_least", "fraction")


class ForEach(Node):
    """``for each row at_least(2) { … }``: the body scores every item of a unit; the reduction
    combines the item scores (``reduction`` None: the mean, written without a reduction)."""

    kind: Literal["for_each"] = "for_each"
    unit: str
    reduction: Optional[str] = None
    #: The k of ``at_least(k)``.
    k: Optional[int] = None
    body: "Expr"


Expr = Annotated[Union[Atom, And, Then, If, Group, Scope, ForEach], Field(discriminator="kind")]


class Setting(Node):
    """A file-level default: ``set gamma = 0.7``."""

    kind: Literal["setting"] = "setting"
    name: str
    value: Value = None


class Definition(Node):
    """A named, reusable expression: ``let concise = words <= 100 AND no_comma``."""

    kind: Literal["definition"] = "definition"
    name: str
    expr: Expr


class Meta(Node):
    """One metadata entry of a spec block: ``id: "1000"``, ``prompt: "…"``."""

    key: str
    value: Value = None


#: The options an example may carry, in canonical order, with what each means.
EXAMPLE_OPTIONS = {
    "score": "the expected score, in [0, 1] (compared within the tolerance)",
    "tolerance": "how far the score may be from the expected one (default 0.005)",
    "prompt": "the prompt the response answers (default: the spec's prompt field)",
    "mode": "the aggregation to score with: lsrm, flat or strict (default: the spec's)",
}
#: An example's verdicts: the response must satisfy the spec fully, or must not.
EXAMPLE_VERDICTS = ("pass", "fail")
DEFAULT_TOLERANCE = 0.005


class Example(Node):
    """A sample response written next to a spec, with the outcome it must get:
    ``example fail \"\"\"…\"\"\" score 0.25``. ``lsr test`` runs examples; scoring ignores them."""

    kind: Literal["example"] = "example"
    expect: Literal["pass", "fail"]
    response: str
    score: Optional[float] = None
    tolerance: Optional[float] = None
    prompt: Optional[str] = None
    mode: Optional[str] = None


class Spec(Node):
    """A named spec: metadata, the expression that scores a response, and examples."""

    kind: Literal["spec"] = "spec"
    name: str
    meta: Tuple[Meta, ...] = ()
    expr: Expr
    #: Sample responses with their expected outcomes (left out of the JSON when there are none).
    examples: Tuple[Example, ...] = ()

    @model_serializer(mode="wrap")
    def _drop_empty_examples(self, handler: SerializerFunctionWrapHandler) -> Dict[str, Any]:
        data = handler(self)
        if isinstance(data, dict) and not data.get("examples"):
            data.pop("examples", None)
        return data

    def meta_value(self, key: str, default: Any = None) -> Any:
        for m in self.meta:
            if m.key == key:
                return m.value
        return default


class Module(Node):
    """One .lsr file: settings, definitions and specs.

    A file whose body is a bare expression holds one spec named ``main``.
    """

    kind: Literal["module"] = "module"
    lsr: int = AST_VERSION
    file: Optional[str] = None
    settings: Tuple[Setting, ...] = ()
    definitions: Tuple[Definition, ...] = ()
    specs: Tuple[Spec, ...] = ()
    #: True when the single spec ``main`` came from a bare expression.
    bare: bool = False

    def spec(self, name: str) -> Optional[Spec]:
        for s in self.specs:
            if s.name == name:
                return s
        return None

    def setting(self, name: str, default: Any = None) -> Any:
        for s in self.settings:
            if s.name == name:
                return s.value
        return default


for _model in (And, Then, If, Group, Scope, ForEach, Definition, Spec, Module):
    _model.model_rebuild()
