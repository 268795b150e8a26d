"""``lsr render``, ``lsr generate`` and ``lsr stats``: logic-structured datasets (issue 11)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lsr_dsl.cli.common import out, read_text_arg
from lsr_dsl.language.errors import LsrError, closest

__all__ = ["add_render_parser", "cmd_render"]


def add_render_parser(sub: Any) -> None:
    p = sub.add_parser(
        "render",
        help="write a spec as a natural-language instruction ('First …, then …'; 'If …, …; otherwise …')",
        description=(
            "Print the instruction a person would write for each spec of SPEC (a .lsr or AST JSON file, '-' for stdin): "
            "parallel 'a, b and c', sequential 'First …, then …, finally …', conditional 'If …, …; otherwise …'. "
            "Phrasings come from the language's table; a constraint without one is phrased from its summary and arguments. "
            "The same --seed always gives the same text."
        ),
    )
    p.add_argument("spec_file", metavar="SPEC", help="a .lsr file, an AST JSON file, or '-' (stdin)")
    p.add_argument("--spec", metavar="NAME", help="only this spec of the file")
    p.add_argument("--seed", type=int, default=0, help="picks among the phrasings (default 0)")
    p.add_argument("--language", default="en", help="phrasing table (default en)")
    p.add_argument("--json", action="store_true", help='one JSON object per spec: {"spec", "instruction"}')
    p.set_defaults(func=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    from lsr_dsl.api import compile_module_all, loads
    from lsr_dsl.data.render import render

    source = read_text_arg(args.spec_file, "the spec")
    path = "<stdin>" if args.spec_file == "-" else args.spec_file
    module = loads(source, file=path)
    programs, _ = compile_module_all(module, source=None if source.lstrip().startswith("{") else source)
    if args.spec is not None and args.spec not in programs:
        guess = closest(args.spec, programs)
        raise LsrError(f"{path}: no spec named '{args.spec}'" + (f" (did you mean '{guess}'?)" if guess else "") + f"; the file has: {', '.join(programs)}")
    chosen = {n: p for n, p in programs.items() if args.spec in (None, n)}
    for name, prog in chosen.items():
        text = render(prog, seed=args.seed, language=args.language)
        if args.json:
            out(json.dumps({"spec": name, "instruction": text}, ensure_ascii=False))
        elif len(chosen) > 1:
            out(f"{name}: {text}")
        else:
            out(text)
    return 0
