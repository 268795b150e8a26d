"""``lsr test``: run the example blocks of spec files."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List

from lsr_dsl.cli.common import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNSATISFIED, out
from lsr_dsl.language.errors import LsrError


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _summary(files: List[Any]) -> Dict[str, int]:
    examples = [e for f in files for e in f.examples]
    return {
        "files": len(files),
        "examples": len(examples),
        "passed": sum(e.ok for e in examples),
        "failed": sum(not e.ok for e in examples),
        "errors": sum(f.error is not None for f in files),
    }


def _exit_code(summary: Dict[str, int]) -> int:
    if summary["errors"]:
        return EXIT_BAD_INPUT
    return EXIT_UNSATISFIED if summary["failed"] else EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from lsr_dsl.testing.runner import find_spec_files, run_file

    paths = find_spec_files(args.paths)
    if not paths:
        raise LsrError(f"no .lsr files under {', '.join(args.paths)}")
    from lsr_dsl.judges.protocol import use_judge

    judge = None
    if args.judge:
        from lsr_dsl.judges.config import make_judge

        judge = make_judge(args.judge)
    with use_judge(judge):
        files = [run_file(p) for p in paths]
    summary = _summary(files)
    if summary["examples"] == 0 and not summary["errors"]:
        raise LsrError(
            f"no example blocks in {summary['files']} spec file{'s' if summary['files'] != 1 else ''}: nothing was tested"
            '\n  hint: add one after a spec\'s expression: example pass """…""" or example fail """…"""'
        )
    for f in files:
        for w in f.warnings:
            print(w, file=sys.stderr)
    if args.json:
        doc = {
            "summary": summary,
            "files": [{"file": f.file, "examples": len(f.examples), "error": f.error} for f in files],
            "examples": [e.to_dict() for f in files for e in f.examples],
        }
        out(json.dumps(doc, indent=2, ensure_ascii=False))
        return _exit_code(summary)
    for f in files:
        if f.error is not None:
            print(f.error, file=sys.stderr)
            out(f"ERROR {f.file}: does not compile")
            continue
        for e in f.failed:
            out(e.report())
        if not f.failed:
            out(f"ok    {f.file} ({len(f.examples)} example{'s' if len(f.examples) != 1 else ''})")
    s = summary
    line = f"{_count(s['examples'], 'example')} in {_count(s['files'], 'file')}: {s['passed']} passed, {s['failed']} failed"
    if s["errors"]:
        line += f", {s['errors']} file{'s' if s['errors'] != 1 else ''} did not compile"
    out(line)
    return _exit_code(summary)


def add_test_parser(sub: Any) -> None:
    p = sub.add_parser(
        "test",
        help="run the example blocks of spec files",
        description=(
            "Find spec files (directories are searched for *.lsr recursively), score every "
            "'example pass/fail' block and report each example that does not get the outcome it "
            "expects, with its trace. Exit 0 when all pass, 1 when any fails, 2 when a spec does not "
            "compile or nothing was found to test."
        ),
    )
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="spec files or directories (default: .)")
    p.add_argument("--json", action="store_true", help="print one JSON document: summary, files and every example with its trace")
    p.add_argument("--judge", metavar="JUDGE", help="what judges soft constraints (tone, judge): a causal LM's path or hub id, classifier:PATH, http://HOST:PORT/v1, entrypoint:NAME or py:MODULE:ATTR (docs/judges.md); without it an example of a spec with a soft constraint fails with a verifier error")
    p.set_defaults(func=cmd_test)
