"""The checked intermediate form: what the checker hands to the compiler.

Definitions are inlined, groups are gone (their structure stays), every atom is
bound to its registered constraint with validated parameters, and every atom
knows which text it reads (the response, or the prompt in a prompt condition).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional, Tuple, Union

from lsr_dsl.constraints.registry import ConstraintDef, Params
from lsr_dsl.language.span import Span
from lsr_dsl.text.parts import PartSpec


@dataclass(frozen=True)
class IAtom:
    constraint: ConstraintDef
    params: Params
    label: str  # the atom as written, e.g. 'words >= 300'
    span: Optional[Span] = None
    target: str = "response"

    @property
    def name(self) -> str:
        return self.constraint.name


@dataclass(frozen=True)
class IAnd:
    children: Tuple["INode", ...]
    span: Optional[Span] = None


@dataclass(frozen=True)
class IThen:
    children: Tuple["INode", ...]
    gamma: Optional[float] = None  # None: the spec's default
    span: Optional[Span] = None


@dataclass(frozen=True)
class IIf:
    condition: "INode"
    then: "INode"
    else_: Optional["INode"] = None
    target: str = "response"
    span: Optional[Span] = None


@dataclass(frozen=True)
class IScope:
    """The body scores one part of the text (of the prompt when ``target`` is "prompt")."""

    part: PartSpec
    body: "INode"
    target: str = "response"
    span: Optional[Span] = None


@dataclass(frozen=True)
class IForEach:
    """The body scores every item of ``unit``; ``reduction`` combines the item scores."""

    unit: str
    reduction: str  # mean, all, any, at_least
    k: Optional[int]
    body: "INode"
    target: str = "response"
    span: Optional[Span] = None


INode = Union[IAtom, IAnd, IThen, IIf, IScope, IForEach]


def retarget(node: INode, target: str) -> INode:
    """Make every atom of a condition read ``target``, including the atoms of any IF nested inside it."""
    if isinstance(node, IAtom):
        return replace(node, target=target)
    if isinstance(node, IAnd):
        return replace(node, children=tuple(retarget(c, target) for c in node.children))
    if isinstance(node, IThen):
        return replace(node, children=tuple(retarget(c, target) for c in node.children))
    if isinstance(node, IIf):
        return replace(
            node,
            condition=retarget(node.condition, target),
            then=retarget(node.then, target),
            else_=retarget(node.else_, target) if node.else_ is not None else None,
        )
    if isinstance(node, (IScope, IForEach)):
        return replace(node, target=target, body=retarget(node.body, target))
    raise TypeError(type(node).__name__)


def ichildren(node: INode) -> Tuple[INode, ...]:
    if isinstance(node, (IAnd, IThen)):
        return node.children
    if isinstance(node, IIf):
        return (node.condition, node.then) + ((node.else_,) if node.else_ is not None else ())
    if isinstance(node, (IScope, IForEach)):
        return (node.body,)
    return ()


@dataclass(frozen=True)
class CheckedSpec:
    name: str
    root: INode
    meta: Tuple[Tuple[str, Any], ...] = ()
    span: Optional[Span] = None
    mode: Optional[str] = None  # from spec meta or file settings
    gamma: Optional[float] = None  # from spec meta or file settings

    def meta_dict(self) -> dict:
        return dict(self.meta)
