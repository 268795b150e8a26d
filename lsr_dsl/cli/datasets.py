"""``lsr render``, ``lsr generate`` and ``lsr stats``: logic-structured datasets (issue 11)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lsr_dsl.cli.common import out, read_text_arg
from lsr_dsl.language.errors import LsrError, closest

__all__ = ["add_render_parser", "cmd_render", "add_generate_parser", "cmd_generate", "add_stats_parser", "cmd_stats", "add_convert_parser", "cmd_convert", "cmd_import_composite"]


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


# ---------------------------------------------------------------------------
# lsr generate


class _Bar:
    """A tqdm bar on stderr when it is a terminal and not ``-q``; nothing otherwise."""

    def __init__(self, total: int, quiet: bool, unit: str = "row"):
        self.bar = None
        if quiet or not sys.stderr.isatty():
            return
        try:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, mininterval=0.2)
        except ImportError:  # pragma: no cover - tqdm is a dependency of the data extra
            self.bar = None

    def update(self, k: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(k)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def add_generate_parser(sub: Any) -> None:
    p = sub.add_parser(
        "generate",
        help="sample logic-structured instructions (spec + rendered prompt) over seed tasks",
        description=(
            "Sample N specs whose logic types follow --mix (exactly, up to rounding), with valid parameters and no "
            "checker warning (no unsatisfiable AND, no branch that can never run), attach each to a seed task and "
            "render its instruction. Writes rows {id, prompt, spec, structure, depth, constraints, task_id, instruction} "
            "as JSONL, Parquet (.parquet) or a datasets directory (a path ending in /). The same --seed gives the same file."
        ),
    )
    p.add_argument("--seeds", required=True, metavar="SEEDS.jsonl", help='seed tasks, one {"id", "task"} per line')
    p.add_argument("--n", type=int, required=True, help="how many rows")
    p.add_argument("--mix", default="parallel=0.45,sequential=0.27,conditional=0.28",
                   help="logic types and weights (default: the paper's parallel=0.45,sequential=0.27,conditional=0.28; atom is allowed too)")
    p.add_argument("--max-depth", type=int, default=2, help="nesting depth: 1 = flat compositions (default 2)")
    p.add_argument("--constraints", metavar="FAMILY,...", help="only constraints of these registry families (see 'lsr constraints')")
    p.add_argument("--soft", action="store_true", help="also sample soft (model-judged) constraints: tone, judge")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--split", metavar="heldout=F", help="also split by seed task: writes OUT's .train and .heldout files, disjoint by task")
    p.add_argument("--format", choices=["rows", "verl"], default="rows", help="rows (default) or verl's parquet layout")
    p.add_argument("-o", "--output", required=True, metavar="OUT.jsonl")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_generate)


def _split_fraction(text: str) -> float:
    name, sep, value = text.partition("=")
    if name.strip() != "heldout" or not sep:
        raise LsrError(f"--split: expected heldout=F (e.g. heldout=0.1), not {text!r}")
    try:
        return float(value)
    except ValueError:
        raise LsrError(f"--split: {value!r} is not a number") from None


def _with_suffix(path: str, part: str) -> str:
    """``d.jsonl`` → ``d.train.jsonl``; ``d.parquet`` → ``d.train.parquet``; ``dir/`` → ``dir.train/``."""
    import os

    if path.endswith(("/", os.sep)):
        return path.rstrip("/" + os.sep) + f".{part}/"
    for ext in (".jsonl.gz", ".jsonl", ".parquet", ".json"):
        if path.endswith(ext):
            return path[: -len(ext)] + f".{part}{ext}"
    return f"{path}.{part}"


def cmd_generate(args: argparse.Namespace) -> int:
    from lsr_dsl.data.generate import GenerateOptions, generate, parse_mix, read_seeds, split_rows
    from lsr_dsl.data.rowio import verl_rows, write_rows

    seeds = read_seeds(args.seeds)
    families = tuple(f.strip() for f in args.constraints.split(",") if f.strip()) if args.constraints else None
    opts = GenerateOptions(n=args.n, mix=parse_mix(args.mix), max_depth=args.max_depth, families=families, soft=args.soft, seed=args.seed)
    fraction = _split_fraction(args.split) if args.split else None
    bar = _Bar(args.n, args.quiet)
    try:
        rows = list(generate(seeds, opts, progress=bar.update))
    finally:
        bar.close()
    conv = (lambda rs: list(verl_rows(rs))) if args.format == "verl" else (lambda rs: rs)
    if fraction is None:
        write_rows(conv(rows), args.output)
        print(f"wrote {len(rows)} rows to {args.output}", file=sys.stderr)
        return 0
    train, held = split_rows(rows, seeds, fraction, args.seed)
    tp, hp = _with_suffix(args.output, "train"), _with_suffix(args.output, "heldout")
    write_rows(conv(train), tp)
    write_rows(conv(held), hp)
    print(f"wrote {len(train)} rows to {tp} and {len(held)} to {hp} (disjoint by seed task)", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------
# lsr stats


def add_stats_parser(sub: Any) -> None:
    p = sub.add_parser(
        "stats",
        help="instructions, constraints and constraint types per logic type; depth and per-constraint counts",
        description=(
            "Summarise a dataset of spec rows (JSONL, Parquet or a datasets directory) as the LsrIF paper's table: "
            "instructions, constraints and constraint types per logic type, then the depth distribution and the count "
            "of each constraint. Rows without 'structure'/'depth'/'constraints' have their 'spec' compiled."
        ),
    )
    p.add_argument("data", metavar="DATA.jsonl")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    from lsr_dsl.data.rowio import read_rows
    from lsr_dsl.data.stats import dataset_stats

    try:
        st = dataset_stats(read_rows(args.data))
    except LsrError as e:
        if str(e) == "no rows":
            raise LsrError(f"{args.data}: no rows") from None
        raise
    if args.json:
        out(json.dumps(st.to_dict(), indent=2, ensure_ascii=False))
    else:
        out(st.render())
    return 0


# ---------------------------------------------------------------------------
# lsr import lsrif (dispatched from lsr import), lsr convert


def _composite_items(path: str):
    """Items of a composite-constraint file: a JSON array, one JSON object, or JSONL."""
    from lsr_dsl.data.rowio import read_rows
    from lsr_dsl.language.errors import LsrDataError, unreadable

    if path.endswith(".json"):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as e:
            raise LsrDataError(unreadable(path, e, "JSON file")) from None
        except json.JSONDecodeError as e:
            raise LsrDataError(f"{path}:{e.lineno}:{e.colno}: not JSON ({e.msg})") from None
        items = data if isinstance(data, list) else [data]
        return [(f"{path}[item {i}]", x) for i, x in enumerate(items)]
    return list(read_rows(path))


def cmd_import_composite(args: argparse.Namespace) -> int:
    from lsr_dsl.data.composite import ImportCounts, composite_to_spec
    from lsr_dsl.data.rowio import write_rows
    from lsr_dsl.language.errors import LsrDataError

    counts = ImportCounts()
    rows = []
    bad = []
    for where, item in _composite_items(args.input):
        try:
            rows.append(composite_to_spec(item, where, counts))
        except LsrDataError as e:
            bad.append(str(e))
    if bad and not args.skip_bad:
        raise LsrDataError(f"{len(bad)} bad item{'s' if len(bad) != 1 else ''} in {args.input}; nothing was written:\n  " + "\n  ".join(bad[:50]))
    if not rows:
        raise LsrDataError(f"{args.input}: no items")
    if args.output:
        write_rows(rows, args.output)
    else:
        for r in rows:
            out(json.dumps(r, ensure_ascii=False))
    c = counts.to_dict()
    kinds = ", ".join(f"{k} {v}" for k, v in c["by_type"].items())
    skipped = f"; skipped {len(bad)} bad" if bad else ""
    print(f"imported {c['items']} items ({kinds}): {c['hard']} hard constraints, {c['soft']} soft judge(...){skipped}"
          + (f"; wrote {args.output}" if args.output else ""), file=sys.stderr)
    return 0


def add_convert_parser(sub: Any) -> None:
    p = sub.add_parser(
        "convert",
        help="copy rows between JSONL, Parquet and datasets directories; or write verl's parquet layout",
        description=(
            "Read rows from INPUT (.jsonl, .jsonl.gz, .parquet, or a directory saved by datasets' save_to_disk) and write "
            "them to OUTPUT (format by suffix; a path ending in '/' is a datasets directory). --to verl writes verl's RL "
            "layout: prompt as chat messages, reward_model.ground_truth = the spec, extra_info.prompt."
        ),
    )
    p.add_argument("input", metavar="INPUT")
    p.add_argument("output", metavar="OUTPUT")
    p.add_argument("--to", choices=["rows", "verl"], default="rows", help="rows as they are (default) or verl's layout")
    p.add_argument("--system", default="", help="with --to verl: a system message before each prompt")
    p.set_defaults(func=cmd_convert)


def cmd_convert(args: argparse.Namespace) -> int:
    from lsr_dsl.data.rowio import read_rows, verl_rows, write_rows

    rows = [r for _, r in read_rows(args.input)]
    if args.to == "verl":
        rows = list(verl_rows(rows, system=args.system))
    n = write_rows(rows, args.output)
    print(f"wrote {n} rows to {args.output}", file=sys.stderr)
    return 0
