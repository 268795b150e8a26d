"""``lsr constraints`` and ``lsr schema``: the constraint catalogue and the AST JSON Schema."""
from __future__ import annotations

import argparse
import enum
import json
from typing import Any

from lsr_dsl.cli.common import EXIT_OK, out
from lsr_dsl.language.errors import LsrError


# ---------------------------------------------------------------------------
# lsr constraints / schema


def cmd_constraints(args: argparse.Namespace) -> int:
    from lsr_dsl.constraints import REGISTRY
    from lsr_dsl.language.errors import closest

    if args.name:
        c = REGISTRY.get(args.name)
        if c is None:
            guess = closest(args.name, REGISTRY.names())
            raise LsrError(f"unknown constraint '{args.name}'" + (f"; did you mean '{guess}'?" if guess else ""))
        out(f"{c.name}  ({c.kind}, {c.family})")
        if c.aliases:
            out("aliases: " + ", ".join(c.aliases))
        out(c.summary)
        if c.details:
            out(c.details)
        out("parameters:")
        for fname, f in c.params.model_fields.items():
            d = f.default.value if isinstance(f.default, enum.Enum) else f.default
            default = "required" if f.is_required() else f"default {d!r}"
            ann = getattr(f.annotation, "__name__", str(f.annotation))
            out(f"  {fname}: {ann} ({default}){' — ' + f.description if f.description else ''}")
        if c.positional:
            out("positional: " + ", ".join(c.positional))
        if c.count_param:
            out(f"comparison: {c.name} >= N sets relation and {c.count_param}")
        if c.example:
            out("example: " + c.example)
        return EXIT_OK
    families = sorted({c.family for c in REGISTRY.definitions()})
    if args.family and args.family not in families:
        guess = closest(args.family, families)
        raise LsrError(
            f"no constraint family '{args.family}'" + (f" (did you mean '{guess}'?)" if guess else "") + "; the families are: " + ", ".join(families)
        )
    for c in REGISTRY.definitions():
        if args.family and c.family != args.family:
            continue
        ids = [a for a in c.aliases if ":" in a and "/" not in a]  # the datasets' instruction ids
        out(f"{c.name:32} {c.family:8} {c.summary}" + (f"  [{', '.join(ids)}]" if ids else ""))
    return EXIT_OK


def add_constraints_parser(sub: Any) -> None:
    p = sub.add_parser("constraints", help="list the constraints, or show one", description="List every registered constraint, or show one in full.")
    p.add_argument("name", nargs="?", help="a constraint name or alias")
    p.add_argument("--family", help="only this family (ifeval, …)")
    p.set_defaults(func=cmd_constraints)


def cmd_schema(args: argparse.Namespace) -> int:
    from lsr_dsl.language.interchange import json_schema

    out(json.dumps(json_schema(), indent=2, sort_keys=True))
    return EXIT_OK


def add_schema_parser(sub: Any) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the AST interchange form")
    p.set_defaults(func=cmd_schema)
