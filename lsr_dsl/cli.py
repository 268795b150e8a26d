"""The ``lsr`` command line.

Exit codes: 0 ok; 1 the check ran and the spec was not fully satisfied
(``lsr check``) or files need formatting (``lsr fmt --check``); 2 bad input or
usage. Bad input never prints a Python traceback.
"""
from __future__ import annotations

import argparse
import enum
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from . import __version__
from .errors import LsrError

EXIT_OK, EXIT_UNSATISFIED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line hint instead of a wall of usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n  hint: run '{self.prog} --help'\n")


def _out(text: str = "") -> None:
    sys.stdout.write(text + ("\n" if not text.endswith("\n") else ""))


def _print_warnings(prog: Any) -> None:
    for w in getattr(prog, "warnings", ()):
        print(w.render(), file=sys.stderr)


# ---------------------------------------------------------------------------
# lsr compile


def cmd_compile(args: argparse.Namespace) -> int:
    from collections import Counter

    from .api import compile_module_all, loads, read_source

    docs: List[str] = []
    indent = None if len(args.files) > 1 else 2
    for path in args.files:
        source = read_source(path)
        path = "<stdin>" if path == "-" else path
        module = loads(source, file=path)
        src = None if source.lstrip().startswith("{") else source
        if args.emit == "ast":
            from .checker import check

            for w in check(module, source=src, max_depth=args.max_depth).warnings:
                print(w.render(), file=sys.stderr)
            docs.append(json.dumps(module.to_json(spans=not args.no_spans), indent=indent, ensure_ascii=False))
            continue
        programs, result = compile_module_all(module, mode=args.mode, gamma=args.gamma, source=src, max_depth=args.max_depth)
        for w in result.warnings:
            print(w.render(), file=sys.stderr)
        if args.emit == "tree":
            if args.spec is not None and args.spec not in programs:
                from .errors import closest

                guess = closest(args.spec, programs)
                raise LsrError(f"{path}: no spec named '{args.spec}'" + (f" (did you mean '{guess}'?)" if guess else "") + f"; the file has: {', '.join(programs)}")
            trees = [p.tree_json() for n, p in programs.items() if args.spec in (None, n)]
            docs.append(json.dumps(trees[0] if len(trees) == 1 else trees, indent=indent, ensure_ascii=False))
        else:
            n = len(programs)
            if n <= 5:
                what = ", ".join(f"{name} ({p.structure})" for name, p in programs.items())
            else:
                counts = Counter(p.structure for p in programs.values())
                what = "structures " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            print(f"ok: {path}: {n} spec{'s' if n != 1 else ''}: {what}", file=sys.stderr)
    for d in docs:
        _out(d)
    return EXIT_OK


def add_compile_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compile",
        help="check specs and compile them to verifier trees",
        description="Parse and check .lsr (or AST .json) files. With --emit, print the AST JSON or the compiled verifier tree.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help=".lsr source or AST .json; - reads standard input")
    p.add_argument("--emit", choices=("ast", "tree"), help="print the AST (interchange JSON) or the compiled verifier tree")
    p.add_argument("--no-spans", action="store_true", help="leave source spans out of --emit ast")
    p.add_argument("--spec", help="with --emit tree: only this spec")
    p.add_argument("--mode", choices=("lsrm", "flat", "strict"), help="aggregation mode (default: the file's, else lsrm)")
    p.add_argument("--gamma", type=float, help="default THEN decay (default: the file's, else 0.5)")
    p.add_argument("--max-depth", type=int, help="warn above this nesting depth (default 8)")
    p.set_defaults(func=cmd_compile)


# ---------------------------------------------------------------------------
# lsr check


def _read_text_arg(value: str, what: str) -> str:
    if value == "-":
        data = sys.stdin.buffer.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LsrError(f"<stdin>: {what} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    from .api import read_source

    return read_source(value)


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
        lines.append(f"{prefix}{branch}{tag}{mark} {target}{node.get('label', node['name'])}  [{_fmt_score(node.get('score'))}]  {reason}")
        return lines
    head = node["kind"].upper()
    if node["kind"] == "then":
        head += f" γ={node.get('gamma')}"
    if node.get("target") == "prompt":
        head += " (condition reads the prompt)"
    lines.append(f"{prefix}{branch}{tag}{head}  [{_fmt_score(node.get('score'))}]")
    kids = node.get("children", [])
    child_prefix = prefix + ("" if top else ("   " if last else "│  "))
    for i, c in enumerate(kids):
        lines.extend(render_trace(c, child_prefix, i == len(kids) - 1, top=False))
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    from .api import compile as compile_source
    from .api import read_source

    source = read_source(args.spec)
    prog = compile_source(source, spec=args.name, mode=args.mode, gamma=args.gamma, file=args.spec)
    _print_warnings(prog)
    response = _read_text_arg(args.response, "the response")
    prompt = _read_text_arg(args.prompt, "the prompt") if args.prompt else None
    from .judge import TransformersJudge, use_judge

    with use_judge(TransformersJudge(args.judge) if args.judge else None):
        result = prog.evaluate(response, prompt=prompt, loose=args.loose)
    if args.json:
        _out(result.to_json(indent=2))
    else:
        _out(f"score {result.score:.4f}  (mode {result.mode}, spec {result.spec})")
        for line in render_trace(result.trace):
            _out(line)
    for e in result.errors:
        print(f"{args.spec}: verifier error in {e['label']}: {e['error']}", file=sys.stderr)
    if result.errors:
        return EXIT_BAD_INPUT  # the check could not run fully (e.g. a prompt condition without --prompt)
    return EXIT_OK if result.passed else EXIT_UNSATISFIED


def add_check_parser(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="score one response against a spec and show the trace",
        description="Score RESPONSE (a file, or - for standard input) against SPEC. Exit 0 when the spec is fully satisfied, 1 when not, 2 on bad input (including a verifier error, such as a condition on the prompt with no prompt given).",
    )
    p.add_argument("spec", metavar="SPEC", help=".lsr or AST .json file")
    p.add_argument("response", metavar="RESPONSE", help="response text file, or - for standard input")
    p.add_argument("--prompt", metavar="FILE", help="the prompt that comes with the response (for conditions on the prompt); default: the spec's prompt field")
    p.add_argument("--json", action="store_true", help="print the trace JSON")
    p.add_argument("--spec-name", dest="name", metavar="NAME", help="which spec of a file with several")
    p.add_argument("--mode", choices=("lsrm", "flat", "strict"))
    p.add_argument("--gamma", type=float)
    p.add_argument("--loose", action="store_true", help="IFEval loose mode for each atom")
    p.add_argument("--judge", metavar="MODEL", help="local path or hub id of a causal LM that judges soft constraints (tone, judge) by P(YES)")
    p.set_defaults(func=cmd_check)


# ---------------------------------------------------------------------------
# lsr fmt


def cmd_fmt(args: argparse.Namespace) -> int:
    from .api import fmt, read_source

    changed = []
    for path in args.files:
        source = read_source(path)
        if path == "-" and args.write:
            raise LsrError("-w rewrites files; it cannot rewrite standard input")
        path = "<stdin>" if path == "-" else path
        if source.lstrip().startswith("{"):  # AST JSON: print it as source; nothing to check or rewrite
            if args.check or args.write:
                raise LsrError(f"{path}: is AST JSON; --check and -w work on .lsr source (lsr fmt {path} prints it as source)")
            from .api import dumps, loads

            sys.stdout.write(dumps(loads(source, file=path)))
            continue
        out = fmt(source, file=path)
        if args.check:
            if out != source:
                changed.append(path)
                print(f"would reformat {path}", file=sys.stderr)
        elif args.write:
            if out != source:
                Path(path).write_text(out, encoding="utf-8")
                print(f"reformatted {path}", file=sys.stderr)
        else:
            sys.stdout.write(out)
    if args.check:
        return EXIT_UNSATISFIED if changed else EXIT_OK
    return EXIT_OK


def add_fmt_parser(sub: Any) -> None:
    p = sub.add_parser("fmt", help="print specs in canonical form", description="Print each FILE in canonical form (comments kept).")
    p.add_argument("files", nargs="+", metavar="FILE", help=".lsr source (AST .json is printed as source); - reads standard input")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--check", action="store_true", help="exit 1 if any file is not in canonical form; print nothing else")
    g.add_argument("-w", "--write", action="store_true", help="rewrite files in place")
    p.set_defaults(func=cmd_fmt)


# ---------------------------------------------------------------------------
# lsr constraints / schema


def cmd_constraints(args: argparse.Namespace) -> int:
    from .constraints import REGISTRY
    from .errors import closest

    if args.name:
        c = REGISTRY.get(args.name)
        if c is None:
            guess = closest(args.name, REGISTRY.names())
            raise LsrError(f"unknown constraint '{args.name}'" + (f"; did you mean '{guess}'?" if guess else ""))
        _out(f"{c.name}  ({c.kind}, {c.family})")
        if c.aliases:
            _out("aliases: " + ", ".join(c.aliases))
        _out(c.summary)
        if c.details:
            _out(c.details)
        _out("parameters:")
        for fname, f in c.params.model_fields.items():
            d = f.default.value if isinstance(f.default, enum.Enum) else f.default
            default = "required" if f.is_required() else f"default {d!r}"
            ann = getattr(f.annotation, "__name__", str(f.annotation))
            _out(f"  {fname}: {ann} ({default}){' — ' + f.description if f.description else ''}")
        if c.positional:
            _out("positional: " + ", ".join(c.positional))
        if c.count_param:
            _out(f"comparison: {c.name} >= N sets relation and {c.count_param}")
        if c.example:
            _out("example: " + c.example)
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
        _out(f"{c.name:32} {c.family:8} {c.summary}")
    return EXIT_OK


def add_constraints_parser(sub: Any) -> None:
    p = sub.add_parser("constraints", help="list the constraints, or show one", description="List every registered constraint, or show one in full.")
    p.add_argument("name", nargs="?", help="a constraint name or alias")
    p.add_argument("--family", help="only this family (ifeval, …)")
    p.set_defaults(func=cmd_constraints)


def cmd_schema(args: argparse.Namespace) -> int:
    from .interchange import json_schema

    _out(json.dumps(json_schema(), indent=2, sort_keys=True))
    return EXIT_OK


def add_schema_parser(sub: Any) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the AST interchange form")
    p.set_defaults(func=cmd_schema)


# ---------------------------------------------------------------------------
# lsr demo


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(train=not args.no_train, outdir=args.out, examples=args.examples)


def add_demo_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="compile the bundled examples, score their sample responses, then train briefly on CPU",
        description="The README's main job: compile every example spec, score its sample responses and show the traces; then run the short CPU GRPO demo (examples/train/tiny.yaml).",
    )
    p.add_argument("--no-train", action="store_true", help="skip the GRPO demo")
    p.add_argument("--out", default="runs/demo", help="output folder of the GRPO demo (default runs/demo)")
    p.add_argument("--examples", metavar="DIR", help="the examples folder (default: ./examples, searched upwards)")
    p.set_defaults(func=cmd_demo)


# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lsr",
        description="lsr: a constraint-logic DSL and verifier compiler for LLM instruction following, with a GRPO training loop.",
        epilog="Exit codes: 0 ok; 1 spec not fully satisfied (check) or files need formatting (fmt --check); 2 bad input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"lsr {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    add_compile_parser(sub)
    add_check_parser(sub)
    add_fmt_parser(sub)
    from .eval_cli import add_eval_parser, add_import_parser

    add_import_parser(sub)
    add_eval_parser(sub)
    from .training.cli import add_make_tiny_model_parser, add_train_parser  # no torch import until `lsr train` runs

    add_train_parser(sub)
    add_make_tiny_model_parser(sub)
    add_constraints_parser(sub)
    add_schema_parser(sub)
    add_demo_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except LsrError as e:
        sys.stdout.flush()
        print(e.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
