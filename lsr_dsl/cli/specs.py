"""``lsr compile``, ``lsr check`` and ``lsr fmt``: commands on spec files."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, List

from lsr_dsl.cli.common import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNSATISFIED, gamma_arg, out, print_warnings, read_text_arg
from lsr_dsl.language.errors import LsrError
from lsr_dsl.verifier.trace import render_trace


# ---------------------------------------------------------------------------
# lsr compile


def cmd_compile(args: argparse.Namespace) -> int:
    from collections import Counter

    from lsr_dsl.api import compile_module_all, loads, read_source

    docs: List[str] = []
    indent = None if len(args.files) > 1 else 2
    for path in args.files:
        source = read_source(path)
        path = "<stdin>" if path == "-" else path
        module = loads(source, file=path)
        src = None if source.lstrip().startswith("{") else source
        if args.emit == "ast":
            from lsr_dsl.compiler.checker import check

            for w in check(module, source=src, max_depth=args.max_depth).warnings:
                print(w.render(), file=sys.stderr)
            docs.append(json.dumps(module.to_json(spans=not args.no_spans), indent=indent, ensure_ascii=False))
            continue
        programs, result = compile_module_all(module, mode=args.mode, gamma=args.gamma, source=src, max_depth=args.max_depth)
        for w in result.warnings:
            print(w.render(), file=sys.stderr)
        if args.emit == "tree":
            if args.spec is not None and args.spec not in programs:
                from lsr_dsl.language.errors import closest

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
        out(d)
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
    p.add_argument("--gamma", type=gamma_arg, help="default THEN decay in [0, 1] (default: the file's, else 0.5)")
    p.add_argument("--max-depth", type=int, help="warn above this nesting depth (default 8)")
    p.set_defaults(func=cmd_compile)


# ---------------------------------------------------------------------------
# lsr check


def cmd_check(args: argparse.Namespace) -> int:
    from lsr_dsl.api import compile as compile_source
    from lsr_dsl.api import read_source

    source = read_source(args.spec)
    prog = compile_source(source, spec=args.name, mode=args.mode, gamma=args.gamma, file=args.spec)
    print_warnings(prog)
    response = read_text_arg(args.response, "the response")
    prompt = read_text_arg(args.prompt, "the prompt") if args.prompt else None
    from lsr_dsl.judges.protocol import use_judge

    soft = sorted({a.name for a in prog.atoms() if getattr(a.constraint, "kind", "hard") == "soft"})
    if soft and not args.judge:
        if args.soft == "skip":
            print(f"lsr: warning: {args.spec}: not scored: soft constraint(s) {', '.join(soft)} and no --judge "
                  "(--soft skip); 1 response skipped", file=sys.stderr)
            return EXIT_OK
        print(f"{args.spec}: error: soft constraint(s) {', '.join(soft)} need a judge; none is configured\n"
              "  hint: --judge MODEL (a causal LM path, classifier:PATH, http://HOST:PORT/v1, entrypoint:NAME "
              "or py:MODULE:ATTR), or --soft skip", file=sys.stderr)
        return EXIT_BAD_INPUT
    judge = None
    if args.judge:
        from lsr_dsl.judges.config import make_judge

        judge = make_judge(args.judge, device=args.judge_device)
    with use_judge(judge):
        result = prog.evaluate(response, prompt=prompt, loose=args.loose)
    if args.json:
        out(result.to_json(indent=2))
    else:
        out(f"score {result.score:.4f}  (mode {result.mode}, spec {result.spec})")
        for line in render_trace(result.trace):
            out(line)
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
    p.add_argument("--gamma", type=gamma_arg, help="default THEN decay in [0, 1]")
    p.add_argument("--loose", action="store_true", help="IFEval loose mode for each atom")
    p.add_argument("--judge", metavar="JUDGE", help="what judges soft constraints (tone, judge): a causal LM's path or hub id "
                   "(P(YES)), classifier:PATH (a sequence-classification reward model), http://HOST:PORT/v1[#MODEL] "
                   "(an OpenAI-compatible server), entrypoint:NAME or py:MODULE:ATTR (docs/judges.md)")
    p.add_argument("--judge-device", metavar="DEVICE", help="device of a local judge model, e.g. cuda:1")
    p.add_argument("--soft", choices=("error", "skip"), default="error",
                   help="a spec with soft constraints and no --judge: error (exit 2, the default) or skip it with a warning")
    p.set_defaults(func=cmd_check)


# ---------------------------------------------------------------------------
# lsr fmt


def cmd_fmt(args: argparse.Namespace) -> int:
    from lsr_dsl.api import fmt, read_source

    changed = []
    for path in args.files:
        source = read_source(path)
        if path == "-" and args.write:
            raise LsrError("-w rewrites files; it cannot rewrite standard input")
        path = "<stdin>" if path == "-" else path
        if source.lstrip().startswith("{"):  # AST JSON: print it as source; nothing to check or rewrite
            if args.check or args.write:
                raise LsrError(f"{path}: is AST JSON; --check and -w work on .lsr source (lsr fmt {path} prints it as source)")
            from lsr_dsl.api import dumps, loads

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
