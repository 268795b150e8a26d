"""Compiler passes over the checked IR.

Compilation is a tuple of small pure passes (``PASSES``), each taking and
returning the IR; :mod:`lsr_dsl.verifier.lowering` then turns the result into
verifier nodes.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional, Tuple

from lsr_dsl.compiler.checker import DEFAULT_GAMMA
from lsr_dsl.compiler.ir import CheckedSpec, IAnd, IAtom, IForEach, IIf, INode, IScope, IThen


def fill_gamma(node: INode, default: float) -> INode:
    """Give every THEN chain without its own γ the spec's default."""
    if isinstance(node, IAtom):
        return node
    if isinstance(node, IAnd):
        return replace(node, children=tuple(fill_gamma(c, default) for c in node.children))
    if isinstance(node, IThen):
        return replace(
            node,
            children=tuple(fill_gamma(c, default) for c in node.children),
            gamma=node.gamma if node.gamma is not None else default,
        )
    if isinstance(node, IIf):
        return replace(
            node,
            condition=fill_gamma(node.condition, default),
            then=fill_gamma(node.then, default),
            else_=fill_gamma(node.else_, default) if node.else_ is not None else None,
        )
    if isinstance(node, (IScope, IForEach)):
        return replace(node, body=fill_gamma(node.body, default))
    raise TypeError(type(node).__name__)


def unwrap_singletons(node: INode) -> INode:
    """An AND or THEN of one operand scores as that operand; drop the wrapper."""
    if isinstance(node, (IAnd, IThen)):
        kids = tuple(unwrap_singletons(c) for c in node.children)
        if len(kids) == 1:
            return kids[0]
        return replace(node, children=kids)
    if isinstance(node, IIf):
        return replace(
            node,
            condition=unwrap_singletons(node.condition),
            then=unwrap_singletons(node.then),
            else_=unwrap_singletons(node.else_) if node.else_ is not None else None,
        )
    if isinstance(node, (IScope, IForEach)):
        return replace(node, body=unwrap_singletons(node.body))
    return node


Pass = Callable[[INode, float], INode]
PASSES: Tuple[Pass, ...] = (
    lambda n, g: unwrap_singletons(n),
    fill_gamma,
)


def run_passes(spec: CheckedSpec, gamma: Optional[float] = None) -> Tuple[INode, float]:
    """Run every pass over one checked spec. Returns the final IR and the default γ used."""
    g = gamma if gamma is not None else (spec.gamma if spec.gamma is not None else DEFAULT_GAMMA)
    node = spec.root
    for p in PASSES:
        node = p(node, g)
    return node, g
