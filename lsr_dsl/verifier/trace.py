"""Trace rendering: a scored trace (``Result.trace``) as the readable tree ``lsr check`` prints."""
from __future__ import annotations

from typing import Any, Dict, List, Optional


_MARK = {True: "✓", False: "✗", None: "·"}


def _fmt_score(s: Optional[float]) -> str:
    return "  -  " if s is None else f"{s:.3f}"


def render_trace(node: Dict[str, Any], prefix: str = "", last: bool = True, top: bool = True) -> List[str]:
    """A readable tree of a trace node."""
    lines: List[str] = []
    branch = "" if top else ("└─ " if last else "├─ ")
    role = node.get("role")
    tag = ""
    if role == "condition":
        holds = node.get("holds")
        tag = "if " + ("(holds) " if holds else "(undecided: verifier error) " if holds is None else "(does not hold) ")
    elif role in ("then", "else"):
        tag = f"{role} " + ("" if node.get("active") else "(inactive) ")
    if node["kind"] == "atom":
        mark = _MARK[node.get("passed")]
        target = "prompt: " if node.get("target") == "prompt" else ""
        reason = node.get("reason", "")
        item = f"item {node['item']} {node.get('text', '')!r}: " if "item" in node else ""
        lines.append(f"{prefix}{branch}{tag}{item}{mark} {target}{node.get('label', node['name'])}  [{_fmt_score(node.get('score'))}]  {reason}")
        return lines
    head = node["kind"].upper()
    if node["kind"] == "scope":
        head = f"in {node.get('part')}"
        found = node.get("found")
        if found is False:
            head = f"✗ {head}: {node.get('reason')}"
        elif found:
            head += f" ({node.get('reason')}: {node.get('text', '')!r})"
    elif node["kind"] == "for_each":
        head = node.get("label", "for each")
        if node.get("score") is not None:
            head += f" ({node.get('reason')}; {node.get('passed_items', 0)} pass)"
    if "item" in node:
        tag += f"item {node['item']} {node.get('text', '')!r}: "
    if node["kind"] == "then":
        head += f" γ={node.get('gamma')}"
    if node.get("target") == "prompt":
        head += " (reads the prompt)" if node["kind"] in ("scope", "for_each") else " (condition reads the prompt)"
    lines.append(f"{prefix}{branch}{tag}{head}  [{_fmt_score(node.get('score'))}]")
    kids = node.get("children", [])
    child_prefix = prefix + ("" if top else ("   " if last else "│  "))
    for i, c in enumerate(kids):
        lines.extend(render_trace(c, child_prefix, i == len(kids) - 1, top=False))
    return lines
