"""``lsr diff A.json B.json`` (also ``lsr eval --compare A.json B.json``): compare two eval reports."""
from __future__ import annotations

import argparse
import json
from typing import Any, Optional

__all__ = ["add_diff_parser", "cmd_diff", "run_compare"]


def add_diff_parser(sub: Any) -> None:
    p = sub.add_parser(
        "diff",
        help="compare two 'lsr eval --json' reports: metric deltas, by structure and depth, per instruction, flipped rows",
        description=(
            "Compare two reports written by 'lsr eval DATA --json > REPORT.json' (A, then B). Prints the deltas "
            "(B − A) of IFEval's four accuracies and of the structure view (mean LsRM/flat/strict score, "
            "constraint- and instruction-level success), per structure, per depth and per instruction, and the rows "
            "(joined on their key) whose prompt-level strict verdict flipped. Same as 'lsr eval --compare A B'."
        ),
    )
    p.add_argument("a", metavar="A.json", help="the first report")
    p.add_argument("b", metavar="B.json", help="the second report")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument("--plot", metavar="OUT.png", help="also draw the comparison as a PNG")
    p.add_argument("--no-per-instruction", action="store_true", help="omit the per-instruction table")
    p.set_defaults(func=cmd_diff)


def run_compare(a: str, b: str, *, as_json: bool, plot: Optional[str], per_instruction: bool = True) -> int:
    from lsr_dsl.evaluation.compare import compare_reports, load_report, render_comparison

    c = compare_reports(load_report(a), load_report(b), a_name=a, b_name=b)
    if plot:
        from lsr_dsl.evaluation.plots import plot_comparison

        plot_comparison(c, plot)
    if as_json:
        if not per_instruction:
            c.pop("per_instruction", None)
        print(json.dumps(c, indent=2, ensure_ascii=False))
    else:
        print(render_comparison(c, per_instruction=per_instruction))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    return run_compare(args.a, args.b, as_json=args.json, plot=args.plot, per_instruction=not args.no_per_instruction)
