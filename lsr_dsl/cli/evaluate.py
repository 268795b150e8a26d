"""``lsr import ifeval`` and ``lsr eval``: argparse subcommands.

:func:`add_import_parser` and :func:`add_eval_parser` add the subcommands to an
``argparse`` subparsers object; each sets ``func`` to a function ``(args) -> int``
that raises :class:`~lsr_dsl.language.errors.LsrError` subclasses on bad input (the main
CLI prints ``err.render()`` and exits 2). :func:`main` runs them standalone.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import sys
import tempfile
from typing import Any, Dict, List, Optional

from lsr_dsl.language.errors import LsrDataError, LsrError

__all__ = ["add_import_parser", "add_eval_parser", "cmd_import", "cmd_eval"]

MAX_LISTED = 50


# ---------------------------------------------------------------------------
# lsr import ifeval


def add_import_parser(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help="convert a dataset's rows into .lsr specs (IFEval format)",
        description=(
            "Convert IFEval-format rows (key, prompt, instruction_id_list, kwargs; or an RLVR 'ground_truth' column) "
            "into .lsr spec blocks: 'spec ifeval_<key> { id: <key> prompt: ... A AND B ... }'. "
            "Every row is checked first; if any row is bad, all bad rows are reported (file:line: reason), "
            "nothing is written, and the exit status is 2."
        ),
    )
    p.add_argument("format", choices=["ifeval", "lsrif"],
                   help="the input format: ifeval (rows → .lsr specs), or lsrif (the LsrIF paper's composite-constraint JSON "
                   "→ rows {id, prompt, spec, …}: hard constraints where a rule recognises the text, judge(...) otherwise)")
    p.add_argument("input", metavar="INPUT.jsonl", help="the rows, one JSON object per line ('-' reads stdin)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE|DIR",
        help="one .lsr file with every spec, or a directory (existing, or given with a trailing '/') "
        "that receives one <key>.lsr per row; default: stdout",
    )
    p.add_argument(
        "--skip-bad",
        action="store_true",
        help="write the good rows anyway; list the bad ones on stderr and exit 0 "
        "(IFEval's own input_data.jsonl has 2 rows whose letter_frequency letter is not a letter)",
    )
    p.set_defaults(func=cmd_import)


def _is_dir_target(path: str) -> bool:
    return os.path.isdir(path) or path.endswith(("/", os.sep))


def _direct(path: str) -> bool:
    """Write straight to ``path`` (no temporary file + rename): ``-``, or something that
    exists and is not a regular file (``/dev/stdout``, a named pipe)."""
    if path == "-" or path.startswith(("/dev/", "/proc/")):
        return True
    return os.path.exists(path) and not os.path.isfile(path)


def _open_direct(path: str):
    if path in ("-", "/dev/stdout"):
        return sys.stdout, False
    try:
        # append: "/dev/stdout" may be a regular file the caller redirected to
        return open(path, "a" if path.startswith(("/dev/", "/proc/")) else "w", encoding="utf-8"), True
    except OSError as e:
        raise LsrError(f"{path}: cannot write: {e.strerror}") from None


def _temp_beside(path: str, prefix: str, suffix: str):
    """A temporary file in the folder of ``path`` (same filesystem, so the rename is atomic)."""
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise LsrError(f"{path}: the folder {folder} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    except OSError as e:
        raise LsrError(f"{path}: cannot write in {folder}: {e.strerror}") from None
    return os.fdopen(fd, "w", encoding="utf-8"), name, real


def _replace(tmp: str, dest: str) -> None:
    """Move ``tmp`` onto ``dest`` with the mode a direct write would give: an existing
    file keeps its own mode, a new one gets ``0o666 & ~umask`` (``mkstemp`` makes 0600)."""
    try:
        mode = stat.S_IMODE(os.stat(dest).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        os.chmod(tmp, mode)
    except OSError:  # pragma: no cover - e.g. a filesystem without modes
        pass
    os.replace(tmp, dest)


def cmd_import(args: argparse.Namespace) -> int:
    if args.format == "lsrif":
        from lsr_dsl.cli.datasets import cmd_import_composite

        return cmd_import_composite(args)
    from lsr_dsl.data import ifeval
    from lsr_dsl.evaluation.runner import iter_lines

    src = args.input
    name = "<stdin>" if src == "-" else src
    out = args.output
    dir_mode = out is not None and _is_dir_target(out)
    bad: List[str] = []
    bad_count = 0
    seen: Dict[str, int] = {}
    n_specs = 0
    skip = bool(getattr(args, "skip_bad", False))

    sink_name: Optional[str] = None
    real_out: Optional[str] = None
    if dir_mode:
        try:
            os.makedirs(out, exist_ok=True)
            staging = tempfile.mkdtemp(prefix=".lsr-import-", dir=out)
        except OSError as e:
            raise LsrError(f"{out}: cannot write: {e.strerror}") from None
        sink = None
    else:
        staging = None
        if out and not _direct(out):
            sink, sink_name, real_out = _temp_beside(out, ".lsr-import-", ".lsr")
        else:  # stdout or a device: buffer in a temporary file, copy at the end
            sink = tempfile.TemporaryFile("w+", encoding="utf-8")
    try:
        for line, text in iter_lines(src):
            try:
                row = ifeval.parse_row(text)
                key = ifeval.row_key(row)
                if key is None:
                    raise LsrDataError("the row has no 'key' (or 'id')")
                sname = ifeval.spec_name(key)
                if sname in seen:
                    raise LsrDataError(f"row {key}: duplicate key (spec {sname} already comes from line {seen[sname]})")
                seen[sname] = line
                source = ifeval.to_spec(row)
            except LsrDataError as e:
                bad_count += 1
                if len(bad) < MAX_LISTED:
                    bad.append(f"{name}:{line}: {e}")
                continue
            if bad_count and not skip:
                continue  # keep checking, but stop writing
            n_specs += 1
            if dir_mode:
                with open(os.path.join(staging, sname[len("ifeval_"):] + ".lsr"), "w", encoding="utf-8") as f:
                    f.write(source)
            else:
                if n_specs > 1:
                    sink.write("\n")
                sink.write(source)
        if bad_count:
            more = f"\n  … and {bad_count - len(bad)} more" if bad_count > len(bad) else ""
            listing = "\n  ".join(bad) + more
            if not skip:
                raise LsrDataError(f"{bad_count} bad row{'s' if bad_count != 1 else ''} in {name}; nothing was written:\n  " + listing)
            print(f"warning: skipped {bad_count} bad row{'s' if bad_count != 1 else ''} in {name}:\n  " + listing, file=sys.stderr)
        if n_specs == 0:
            raise LsrDataError(f"{name}: no rows")
        # Success: move the output into place.
        if dir_mode:
            for fn in os.listdir(staging):
                _replace(os.path.join(staging, fn), os.path.join(out, fn))
            print(f"wrote {n_specs} spec{'s' if n_specs != 1 else ''} to {out}", file=sys.stderr)
        elif sink_name is not None:
            sink.close()
            _replace(sink_name, real_out)
            sink_name = None
            print(f"wrote {n_specs} spec{'s' if n_specs != 1 else ''} to {out}", file=sys.stderr)
        else:
            sink.seek(0)
            dest, close = _open_direct(out) if out else (sys.stdout, False)
            try:
                shutil.copyfileobj(sink, dest)
                dest.flush()
            finally:
                if close:
                    dest.close()
        return 0
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if sink is not None:
            sink.close()
        if sink_name is not None and os.path.exists(sink_name):
            os.unlink(sink_name)


# ---------------------------------------------------------------------------
# lsr eval


def _eval_joined(args: argparse.Namespace, write: Any, progress: bool) -> Any:
    """``lsr eval PROMPTS --responses RESPONSES``: IFBench's run_eval layout."""
    from lsr_dsl.data.ifbench import joined_rows, read_responses
    from lsr_dsl.evaluation.runner import evaluate_rows, iter_lines

    if args.data == "-":
        raise LsrError("with --responses the prompts must be a file, not stdin")
    joined = joined_rows(iter_lines(args.data), read_responses(args.responses))
    if joined.missing:
        shown = ", ".join(str(k) for k in joined.missing[:10]) + (" …" if len(joined.missing) > 10 else "")
        print(
            f"note: {len(joined.missing)} prompt{'s' if len(joined.missing) != 1 else ''} of {args.data} "
            f"{'have' if len(joined.missing) != 1 else 'has'} no response in {args.responses} (keys {shown}); "
            "counted as not followed, as IFBench does",
            file=sys.stderr,
        )
    return evaluate_rows(joined.rows, file=args.data, mode=args.mode, workers=args.workers, details=write, progress=progress, total=len(joined.rows))


def add_eval_parser(sub: Any) -> None:
    p = sub.add_parser(
        "eval",
        help="score responses in a JSONL file; print IFEval's prompt/instruction-level strict/loose accuracy",
        description=(
            "Score rows that carry a 'response' and either a 'spec' (.lsr source, a path, or AST JSON) or IFEval fields "
            "(instruction_id_list + kwargs, or an RLVR ground_truth). Prints prompt-level and instruction-level "
            "accuracy, strict and loose (IFEval's 8 response variants), and pass rates per instruction. "
            "Rows that carry the reference's verdicts ('strict'/'loose', optional 'unstable') are compared with ours. "
            "An instruction with an invalid value counts as not followed and is listed; a malformed row "
            "(bad JSON, no response, unknown instruction id, a spec that does not compile) is an error (exit 2). "
            "With --responses (IFBench's and IFEval's layout: prompts here, responses in a second file) an unknown "
            "id is listed on its row and counted as not followed instead."
        ),
    )
    p.add_argument("data", metavar="DATA.jsonl", nargs="?", help="the rows ('-' reads stdin; .gz is read compressed)")
    p.add_argument(
        "--responses",
        metavar="RESPONSES.jsonl",
        help="IFEval's and IFBench's two-file layout: DATA.jsonl holds the prompts (input_data.jsonl, "
        "IFBench_test.jsonl) and this file {\"prompt\", \"response\"} rows, joined by prompt as their run_eval "
        "does (a prompt without a response counts as not followed, with a note); IFBench ids are scored with "
        "IFBench's semantics, an unknown id counts as not followed and is listed",
    )
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), help="compare two reports written by --json instead (as 'lsr diff A B')")
    p.add_argument("--plot", metavar="OUT.png", help="also draw the structure view (or, with --compare, the comparison) as a PNG")
    p.add_argument("--details", metavar="OUT.jsonl", help='write one line per row: {"key", "strict": [...], "loose": [...], "score"}')
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes (default 1; 0 = all cores)")
    p.add_argument("--mode", choices=["lsrm", "flat", "strict"], help="aggregation for each row's score (verdicts do not change)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--no-per-instruction", action="store_true", help="omit the per-instruction table")
    p.add_argument("--judge", metavar="JUDGE", help="what judges soft constraints: a causal LM's path, classifier:PATH, "
                   "http://HOST:PORT/v1[#MODEL], entrypoint:NAME or py:MODULE:ATTR; their leaves are judged in batches "
                   "(docs/judges.md; runs in one process)")
    p.add_argument("--judge-batch-size", type=int, default=16, metavar="N", help="soft leaves per judge batch (default 16)")
    p.add_argument("--soft", choices=("error", "skip"), default="error",
                   help="rows with soft constraints and no --judge: error (reported as verifier errors, the default) "
                   "or skip them, with a warning and a count")
    p.set_defaults(func=cmd_eval)


def _evaluate(args: argparse.Namespace, write: Any, progress: bool) -> Any:
    """DATA as JSONL (streamed), Parquet or a datasets directory; with --responses, joined first."""
    from lsr_dsl.data.rowio import read_rows, row_format
    from lsr_dsl.evaluation.runner import evaluate_file, evaluate_rows

    if args.responses:
        return _eval_joined(args, write, progress)
    judging = {}
    if getattr(args, "judge", None):
        from lsr_dsl.judges.config import make_judge

        if args.judge_batch_size < 1:
            raise LsrError(f"--judge-batch-size must be a positive number, not {args.judge_batch_size}")
        judging = {"judge": make_judge(args.judge, batch_size=args.judge_batch_size),
                   "judge_batch_size": args.judge_batch_size}
    elif getattr(args, "soft", "error") == "skip":
        judging = {"soft_skipped": args._soft_skipped}
    if args.data != "-" and row_format(args.data) != "jsonl":
        rows = ((i, row) for i, (_, row) in enumerate(read_rows(args.data), 1))
        return evaluate_rows(rows, file=args.data, mode=args.mode, workers=args.workers, details=write, progress=progress,
                             **judging)
    return evaluate_file(args.data, mode=args.mode, workers=args.workers, details=write, progress=progress, **judging)


def cmd_eval(args: argparse.Namespace) -> int:
    if args.compare:
        if args.data is not None:
            raise LsrError("give either DATA.jsonl or --compare A.json B.json, not both")
        from lsr_dsl.cli.compare import run_compare

        return run_compare(*args.compare, as_json=args.json, plot=args.plot, per_instruction=not args.no_per_instruction)
    if args.data is None:
        raise LsrError("lsr eval needs DATA.jsonl (or --compare A.json B.json); hint: run 'lsr eval --help'")
    if args.workers < 0:
        raise LsrError(f"--workers must be 0 (all cores) or a positive number, not {args.workers}")
    progress = (not args.quiet) and sys.stderr.isatty()
    details_file = None
    tmp_name = real = None
    close_details = True
    write = None
    if args.details:
        if _direct(args.details):
            details_file, close_details = _open_direct(args.details)
        else:
            details_file, tmp_name, real = _temp_beside(args.details, ".lsr-details-", ".jsonl")

        def write(d: Dict[str, Any]) -> None:
            details_file.write(json.dumps(d, ensure_ascii=False) + "\n")

    args._soft_skipped = []
    try:
        report = _evaluate(args, write, progress)
        if args._soft_skipped:
            lines = args._soft_skipped
            shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
            print(f"lsr: warning: {args.data}: {len(lines)} row{'s' if len(lines) != 1 else ''} with soft constraints "
                  f"skipped (--soft skip, no --judge): line{'s' if len(lines) != 1 else ''} {shown}", file=sys.stderr)
        if details_file is not None:
            details_file.flush()
            if tmp_name is not None:
                details_file.close()
                _replace(tmp_name, real)
                tmp_name = None
    finally:
        if details_file is not None and close_details and not details_file.closed:
            details_file.close()
        if tmp_name is not None and os.path.exists(tmp_name):
            os.unlink(tmp_name)
    if args.plot:
        from lsr_dsl.evaluation.plots import plot_report

        plot_report(report.to_dict(), args.plot)
    if args.json:
        d = report.to_dict()
        if args.no_per_instruction:
            d.pop("per_instruction", None)
        print(json.dumps(d, indent=2, ensure_ascii=False))
    else:
        print(report.render(per_instruction=not args.no_per_instruction))
    return 0


# ---------------------------------------------------------------------------
