"""The constraint catalogue: ``docs/constraints.md`` generated from the registry.

Regenerate with::

    python -m lsr_dsl.compiler.catalogue > docs/constraints.md

``tests/test_catalogue.py`` fails when the file is out of date. The page lists,
per constraint: names, kind, family, parameters (type, default, description from
the pydantic ``Field``), semantics (summary + details) and a DSL example.

:func:`example_params` turns a constraint's example into validated parameters
(used by the tests: every example must validate).
"""
from __future__ import annotations

import enum
import json
import sys
import types
import typing
from typing import Any, List, Optional

from pydantic_core import PydanticUndefined

from lsr_dsl.constraints.registry import REGISTRY, ConstraintDef, Params, Registry, Relation

__all__ = ["render_markdown", "example_params", "main"]

#: Families in the order the page presents them; others follow alphabetically.
FAMILY_ORDER = ("ifeval", "content", "length", "markdown", "scoped", "general", "ifevalg", "ifbench", "soft")

_FAMILY_TITLES = {
    "ifeval": "IFEval",
    "content": "Content: phrases, patterns, JSON",
    "length": "Length",
    "markdown": "Markdown structure",
    "scoped": "Scoped (for-each) checks",
    "general": "General",
    "ifevalg": "IFEvalG (open-instruct) family",
    "ifbench": "IFBench family",
    "soft": "Soft (model-judged)",
}


# -- example binding ----------------------------------------------------------------

def example_params(c: ConstraintDef) -> Params:
    """Compile ``c.example`` through the parser and checker and return its validated parameters."""
    from lsr_dsl.compiler.checker import check  # local: rendering the page needs neither
    from lsr_dsl.compiler.ir import IAtom
    from lsr_dsl.language.parser import parse

    if not c.example:
        raise ValueError(f"{c.name} has no example")
    result = check(parse(c.example, file=f"<example of {c.name}>"))
    root = next(iter(result.specs.values())).root
    if not isinstance(root, IAtom) or root.constraint is not c:
        raise ValueError(f"the example of {c.name} is not a single use of {c.name}")
    return root.params


# -- rendering ------------------------------------------------------------------------

def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is type(None):
        return "null"
    if origin is typing.Union or (hasattr(types, "UnionType") and isinstance(tp, getattr(types, "UnionType"))):
        parts = [a for a in args if a is not type(None)]
        inner = " | ".join(_type_name(a) for a in parts)
        return inner + (" | null" if len(parts) < len(args) else "")
    if origin is typing.Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin in (list, tuple, set, frozenset, typing.List, typing.Tuple, typing.Sequence):
        elems = [a for a in args if a is not Ellipsis]
        return f"list of {_type_name(elems[0])}" if elems else "list"
    if origin in (dict, typing.Dict):
        return "object"
    if isinstance(tp, type):
        if issubclass(tp, Relation):
            return "relation"
        if issubclass(tp, enum.Enum):
            return " | ".join(json.dumps(m.value) for m in tp)
        return {"str": "string", "int": "int", "float": "float", "bool": "bool", "dict": "object"}.get(tp.__name__, tp.__name__)
    return str(tp).replace("typing.", "")


def _bounds(field: Any) -> str:
    out = []
    for m in field.metadata:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"), ("min_length", "min length"), ("max_length", "max length")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sym} {v}")
    return ", ".join(out)


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    d = field.default
    if d is PydanticUndefined and field.default_factory is not None:
        try:
            d = field.default_factory()
        except TypeError:
            return "(computed)"
    if isinstance(d, enum.Enum):
        d = d.value
    if d is None:
        return "`null`"
    if isinstance(d, bool):
        return "`true`" if d else "`false`"
    if isinstance(d, (tuple, frozenset, set)):
        d = list(d)
    try:
        return "`" + json.dumps(d, ensure_ascii=False) + "`"
    except TypeError:
        return "`" + str(d) + "`"


def _cell(s: str) -> str:
    return " ".join(str(s).split()).replace("|", "\\|")


def _anchor(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch in "-_ ").replace(" ", "-")


def _ordered_families(defs: List[ConstraintDef]) -> List[str]:
    fams = sorted({c.family for c in defs})
    known = [f for f in FAMILY_ORDER if f in fams]
    return known + [f for f in fams if f not in FAMILY_ORDER]


def _render_one(c: ConstraintDef) -> List[str]:
    out = [f"### `{c.name}`", ""]
    facts = [f"kind: **{c.kind}**", f"family: `{c.family}`"]
    if c.aliases:
        facts.append("aliases: " + ", ".join(f"`{a}`" for a in c.aliases))
    if c.ifeval_id:
        facts.append(f"IFEval id: `{c.ifeval_id}`")
    out += [" · ".join(facts), ""]
    out += [_cell(c.summary) or "*(no summary)*", ""]
    if c.details:
        out += [c.details.strip(), ""]
    fields = c.params.model_fields
    if fields:
        out += ["| parameter | type | default | description |", "|---|---|---|---|"]
        for name, f in fields.items():
            shown = f.alias or name
            tname = _type_name(f.annotation)
            b = _bounds(f)
            if b:
                tname += f" ({b})"
            out.append(f"| `{shown}` | {_cell(tname)} | {_cell(_default(f))} | {_cell(f.description or '')} |")
        out.append("")
    else:
        out += ["No parameters.", ""]
    call = []
    if c.positional:
        call.append("positional arguments: " + ", ".join(f"`{p}`" for p in c.positional))
    if c.count_param:
        rel = c.relation_param
        call.append(f"comparison sugar: `{c.name} >= N` sets `{c.count_param}`" + (f" and `{rel}`" if rel else ""))
    if c.measure:
        call.append(f"measure: `{c.measure}`")
    if call:
        out += ["; ".join(call) + ".", ""]
    if c.example:
        out += ["```lsr", c.example, "```", ""]
    return out


def render_markdown(registry: Registry = REGISTRY) -> str:
    """The catalogue page for every constraint in ``registry`` (deterministic)."""
    defs = registry.definitions()
    fams = _ordered_families(defs)
    lines: List[str] = [
        "# Constraint catalogue",
        "",
        "<!-- Generated by `python -m lsr_dsl.compiler.catalogue > docs/constraints.md`; do not edit by hand. -->",
        "",
        f"{len(defs)} constraints. Each is written `name`, `name(args…)` or, for counts, with comparison sugar "
        "(`name >= N`, `name(args…) <= N`), which sets the count parameter and the relation. Relations are "
        "`<`, `<=`, `>`, `>=`, `==`, `!=` (IFEval's `\"at least\"` / `\"less than\"` are accepted too). "
        "*Hard* constraints are checked by rules and score 0 or 1; *soft* ones are scored by a model judge "
        "(P(YES) in [0, 1]) and need one configured via `lsr_dsl.judge.use_judge`.",
        "",
        "## Index",
        "",
        "| family | constraints |",
        "|---|---|",
    ]
    for fam in fams:
        names = [c.name for c in defs if c.family == fam]
        lines.append(f"| {_FAMILY_TITLES.get(fam, fam)} | " + ", ".join(f"[`{n}`](#{_anchor(n)})" for n in names) + " |")
    lines.append("")
    for fam in fams:
        lines += [f"## {_FAMILY_TITLES.get(fam, fam)}", ""]
        for c in defs:
            if c.family == fam:
                lines += _render_one(c)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    import lsr_dsl.constraints  # noqa: F401  (registers every built-in constraint)

    sys.stdout.write(render_markdown(REGISTRY))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
