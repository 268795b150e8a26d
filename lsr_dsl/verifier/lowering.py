"""Lowering: the checked, optimised IR becomes a tree of verifier nodes (the compile stage's output)."""
from __future__ import annotations

from lsr_dsl.compiler.ir import IAnd, IAtom, IForEach, IIf, INode, IScope, IThen
from lsr_dsl.verifier.nodes import AndV, AtomV, ForEachV, IfV, ScopeV, ThenV, VNode


def lower(node: INode) -> VNode:
    """IR → runtime verifier nodes."""
    if isinstance(node, IAtom):
        return AtomV(node.constraint, node.params, node.label, node.target, node.span)
    if isinstance(node, IAnd):
        return AndV([lower(c) for c in node.children], node.span)
    if isinstance(node, IThen):
        assert node.gamma is not None
        return ThenV([lower(c) for c in node.children], node.gamma, node.span)
    if isinstance(node, IIf):
        return IfV(
            lower(node.condition),
            lower(node.then),
            lower(node.else_) if node.else_ is not None else None,
            node.target,
            node.span,
        )
    if isinstance(node, IScope):
        return ScopeV(node.part, lower(node.body), node.target, node.span)
    if isinstance(node, IForEach):
        return ForEachV(node.unit, node.reduction, node.k, lower(node.body), node.target, node.span)
    raise TypeError(type(node).__name__)
