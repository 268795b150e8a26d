"""``lsr analyze params`` and ``lsr analyze saliency``: the LsrIF paper's interpretability
analyses on local checkpoints (docs/analysis.md). torch, captum and matplotlib are imported
only when a command runs."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, FrozenSet, Optional

from lsr_dsl.cli.common import ArgParser, EXIT_OK, out
from lsr_dsl.language.errors import LsrConfigError


def _output_dir(path: str) -> Path:
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise LsrConfigError(f"-o {p}: exists and is not a directory")
    p.mkdir(parents=True, exist_ok=True)
    return p


# ---------------------------------------------------------------- params


def cmd_analyze_params(args: argparse.Namespace) -> int:
    from lsr_dsl.analysis.checkpoint import adapter_base_is_missing, open_checkpoint
    from lsr_dsl.analysis.params import compare, summary_lines
    from lsr_dsl.analysis.render import params_csv, params_heatmap

    if args.top < 1:
        raise LsrConfigError(f"--top {args.top}: must be at least 1")
    before = open_checkpoint(args.before, base=args.base if _is_adapter(args.before) else None, role="BEFORE")
    after_base = args.base or (args.before if adapter_base_is_missing(args.after) else None)
    after = open_checkpoint(args.after, base=after_base if _is_adapter(args.after) else None, role="AFTER")
    from tqdm import tqdm

    with tqdm(total=len(before.names), unit="tensor", file=sys.stderr, dynamic_ncols=True,
              disable=args.no_progress, leave=False) as bar:
        report = compare(before, after, progress=lambda name: bar.update(1))
    folder = _output_dir(args.output_dir)
    csv_path = params_csv(report, folder / "params.csv")
    png_path = params_heatmap(report, folder / "params_heatmap.png",
                              title=f"Δ% {Path(args.before).name} → {Path(args.after).name}")
    for line in summary_lines(report, args.top):
        out(line)
    out(f"wrote {png_path} and {csv_path}")
    return EXIT_OK


def _is_adapter(path: str) -> bool:
    return (Path(path) / "adapter_config.json").is_file()


# ---------------------------------------------------------------- saliency


def _constraint_words(spec: Optional[str]) -> FrozenSet[str]:
    from lsr_dsl.analysis.categories import spec_words

    if spec is None:
        return frozenset()
    p = Path(spec)
    if p.is_file():
        from lsr_dsl.api import read_source

        return spec_words(read_source(p), file=str(p))
    if p.suffix in (".lsr", ".json") and "\n" not in spec:
        raise LsrConfigError(f"--spec {spec}: no such file")
    return spec_words(spec, file="--spec")


def cmd_analyze_saliency(args: argparse.Namespace) -> int:
    if args.batch is None and (args.prompt is None or args.response is None):
        raise LsrConfigError("lsr analyze saliency: give --prompt and --response, or --batch ROWS.jsonl")
    if args.batch is not None and (args.prompt is not None or args.response is not None):
        raise LsrConfigError("lsr analyze saliency: --batch reads prompts and responses from its rows; "
                             "drop --prompt/--response")
    if args.prompt is not None and not args.prompt.strip():
        raise LsrConfigError("--prompt is empty; saliency is measured over prompt tokens")
    if args.response is not None and not args.response.strip():
        raise LsrConfigError("--response is empty; saliency needs response tokens to explain")
    words = _constraint_words(args.spec)
    rows = None
    if args.batch is not None:
        from lsr_dsl.analysis.saliency import read_rows

        rows = read_rows(args.batch)
    from lsr_dsl.analysis.saliency import load_model, pick_device

    device = pick_device(args.device)
    models = [(args.model, *load_model(args.model, device, base=args.base, role="MODEL"))]
    if args.compare:
        models.append((args.compare, *load_model(args.compare, device, base=args.base, role="--compare")))
    folder = _output_dir(args.output_dir)
    if rows is None:
        return _single(args, models, words, folder)
    return _batch(args, models, words, rows, folder)


def _single(args: argparse.Namespace, models: list, words: FrozenSet[str], folder: Path) -> int:
    from lsr_dsl.analysis import saliency as sal
    from lsr_dsl.analysis.render import category_lines, saliency_csv, saliency_html, saliency_strip

    results = [sal.saliency(m, t, args.prompt, args.response, name=name, constraint_words=words,
                            chat=not args.no_chat_template, where="--prompt/--response") for name, m, t in models]
    result: Any = sal.compare(results[0], results[1]) if len(results) == 2 else results[0]
    paths = [saliency_strip(result, folder / "saliency.png"), saliency_html(result, folder / "saliency.html"),
             saliency_csv(result, folder / "saliency.csv")]
    tokens = results[-1].tokens
    out(f"saliency of {len(tokens)} prompt tokens; log P(response | prompt) = "
        + " -> ".join(f"{r.log_likelihood:.4f}" for r in results))
    if len(results) == 2:
        for line in category_lines(tokens, result.deltas, "ΔS"):
            out(line)
        top = sorted(zip(tokens, result.deltas), key=lambda p: -abs(p[1]))[:10]
    else:
        for line in category_lines(tokens, result.scores, "S"):
            out(line)
        top = sorted(zip(tokens, result.scores), key=lambda p: -p[1])[:10]
    out("  largest:")
    for t, v in top:
        out(f"    {v:+.6f}  {t.text!r:<16} {t.category}")
    out("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_OK


def _batch(args: argparse.Namespace, models: list, words: FrozenSet[str], rows: list, folder: Path) -> int:
    import csv

    from tqdm import tqdm

    from lsr_dsl.analysis import saliency as sal
    from lsr_dsl.analysis.categories import CATEGORIES

    per_row = []
    with open(folder / "batch.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["row", *(f"{c}_{k}" for c in CATEGORIES for k in ("before", "after", "delta"))]
                   if len(models) == 2 else ["row", *(f"{c}_s" for c in CATEGORIES)])
        for row in tqdm(rows, unit="row", file=sys.stderr, dynamic_ncols=True, disable=args.no_progress):
            row_words = _constraint_words(row.spec) if row.spec is not None else words
            results = [sal.saliency(m, t, row.prompt, row.response, name=name, constraint_words=row_words,
                                    chat=not args.no_chat_template, where=row.where) for name, m, t in models]
            if len(results) == 2:
                diff = sal.compare(results[0], results[1])
                per_row.append((diff.tokens, diff.deltas))
                b = sal.category_means(results[0].tokens, results[0].scores)
                a = sal.category_means(results[1].tokens, results[1].scores)
                d = sal.category_means(diff.tokens, diff.deltas)
                w.writerow([row.where, *(_cell(x[c]) for c in CATEGORIES for x in (b, a, d))])
            else:
                per_row.append((results[0].tokens, results[0].scores))
                s = sal.category_means(results[0].tokens, results[0].scores)
                w.writerow([row.where, *(_cell(s[c]) for c in CATEGORIES)])
    label = "ΔS" if len(models) == 2 else "S"
    summary = sal.batch_means(per_row)
    (folder / "batch_summary.json").write_text(json.dumps({"value": label, "rows": len(rows), "categories": summary},
                                                          indent=2) + "\n", encoding="utf-8")
    out(f"mean {label} by category over {len(rows)} rows (mean of each row's category mean):")
    for cat, entry in summary.items():
        mean = entry["mean"]
        out(f"  {cat:<11} {'n/a' if mean is None else f'{mean:+.6f}'}  ({entry['rows']} rows with such tokens)")
    out(f"wrote {folder / 'batch.csv'} and {folder / 'batch_summary.json'}")
    return EXIT_OK


def _cell(x: Optional[float]) -> str:
    return "" if x is None else f"{x:.6g}"


# ---------------------------------------------------------------- parsers


def add_analyze_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("analyze", help="interpretability: parameter change and prompt-token saliency (docs/analysis.md)",
                       description="Interpretability analyses of the LsrIF paper on local checkpoints. "
                                   "Needs the 'analysis' extra: pip install 'lsr-dsl[analysis]'.")
    group = p.add_subparsers(dest="analysis", metavar="ANALYSIS", parser_class=ArgParser)
    p.set_defaults(func=lambda a: p.error("choose an analysis: params or saliency"))

    pp = group.add_parser("params", help="Δ%% of each layer's attention and MLP weights between two checkpoints",
                          description="Δ = ‖W_after − W_before‖_F / ‖W_before‖_F × 100 per layer and module "
                                      "(q, k, v, o, gate, up, down); a heatmap PNG, a CSV and a summary. "
                                      "Reads safetensors tensor by tensor; LoRA adapter folders are merged on the fly.")
    pp.add_argument("before", metavar="BEFORE", help="checkpoint folder (or .safetensors/.bin file) before training")
    pp.add_argument("after", metavar="AFTER", help="checkpoint after training (a LoRA adapter folder works)")
    pp.add_argument("-o", "--output-dir", default="runs/analyze-params", help="where the PNG and CSV go (default %(default)s)")
    pp.add_argument("--base", help="base model folder for a LoRA adapter whose recorded base is not local "
                                   "(default for AFTER: BEFORE)")
    pp.add_argument("--top", type=int, default=10, help="how many most-changed modules to print (default %(default)s)")
    pp.add_argument("--no-progress", action="store_true", help="no progress bar while the tensors are read")
    pp.set_defaults(func=cmd_analyze_params)

    ps = group.add_parser("saliency", help="input × gradient saliency of prompt tokens (optionally before vs after)",
                          description="S_i = |Σ_d ∂L/∂E_{i,d} · E_{i,d}| over prompt tokens, L = Σ_t log P(y_t | y_<t, x) "
                                      "(captum, input × gradient at the embedding layer). With --compare: "
                                      "ΔS_i = S_i(MODEL2) − S_i(MODEL). Writes saliency.png, saliency.html, saliency.csv; "
                                      "--batch writes batch.csv and batch_summary.json.")
    ps.add_argument("model", metavar="MODEL", help="local model folder (a LoRA adapter folder works)")
    ps.add_argument("--prompt", help="the prompt x")
    ps.add_argument("--response", help="the response y whose log-likelihood is explained")
    ps.add_argument("--batch", metavar="ROWS.jsonl", help="JSONL rows with prompt, response (and optionally spec); "
                                                          "averages by token category")
    ps.add_argument("--compare", metavar="MODEL2", help="the checkpoint after training; report ΔS = S(MODEL2) − S(MODEL)")
    ps.add_argument("--spec", help="an .lsr file or spec source whose constraint words form a token category")
    ps.add_argument("--base", help="base model folder for LoRA adapters whose recorded base is not local")
    ps.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default %(default)s)")
    ps.add_argument("--no-chat-template", action="store_true", help="feed the prompt as plain text, not as a user turn")
    ps.add_argument("--no-progress", action="store_true", help="no progress bar in --batch mode")
    ps.add_argument("-o", "--output-dir", default="runs/analyze-saliency", help="where the outputs go (default %(default)s)")
    ps.set_defaults(func=cmd_analyze_saliency)
    return p
