"""``lsr judge-data`` and ``lsr train-judge``: data for a classifier judge, and training one."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lsr_dsl.language.errors import LsrError


def cmd_judge_data(args: argparse.Namespace) -> int:
    from lsr_dsl.data.judge_data import judge_rows
    from lsr_dsl.data.rowio import read_rows

    n = pos = 0
    out = sys.stdout if args.output in (None, "-") else open(args.output, "w", encoding="utf-8")
    try:
        for row in judge_rows(read_rows(args.data), seed=args.seed):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
            pos += row["label"]
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"lsr judge-data: {n} rows ({pos} satisfied, {n - pos} not)", file=sys.stderr)
    return 0


def add_judge_data_parser(sub: Any) -> None:
    p = sub.add_parser("judge-data", help="rows {response, constraint, label} for a judge, labelled by hard constraints",
                       description="For every row {response, spec} of DATA (JSONL, Parquet or a datasets directory), one row per "
                       "hard constraint on the response: the constraint worded as an instruction, label 1 when its rule "
                       "check passes, 0 when not. Train a judge on them with lsr train-judge.")
    p.add_argument("data", metavar="DATA", help="rows with response and spec")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="where to write (default: standard output)")
    p.add_argument("--seed", type=int, default=0, help="picks among wordings of each constraint")
    p.set_defaults(func=cmd_judge_data)


def cmd_train_judge(args: argparse.Namespace) -> int:
    try:
        from lsr_dsl.training.judge_train import JudgeTrainConfig, read_examples, render_report, train_judge
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise LsrError(f"lsr train-judge needs torch and transformers (pip install lsr-dsl[train]): {e}") from None
    for name in ("lr", "eval_fraction"):
        v = getattr(args, name)
        if not (v > 0 and (name != "eval_fraction" or v < 1)):
            raise LsrError(f"--{name.replace('_', '-')} must be {'in (0, 1)' if name == 'eval_fraction' else 'positive'}, not {v}")
    for name in ("epochs", "batch_size", "max_length"):
        if getattr(args, name) < 1:
            raise LsrError(f"--{name.replace('_', '-')} must be a positive number, not {getattr(args, name)}")
    examples = read_examples(args.data)
    cfg = JudgeTrainConfig(base=args.base, output_dir=args.output, lr=args.lr, epochs=args.epochs,
                           batch_size=args.batch_size, max_length=args.max_length, eval_fraction=args.eval_fraction,
                           seed=args.seed, max_steps=args.max_steps, device=args.device)
    import os

    if args.base.startswith(("/", "./", "../", "~")) and not os.path.isdir(os.path.expanduser(args.base)):
        raise LsrError(f"--base {args.base}: no such model directory")
    report = train_judge(cfg, examples)
    print(json.dumps(report, indent=2) if args.json else render_report(report, args.output))
    return 0


def add_train_judge_parser(sub: Any) -> None:
    p = sub.add_parser("train-judge", help="fine-tune a classifier judge on {response, constraint, label} rows",
                       description="Full fine-tuning of BASE as a 2-label sequence classifier over (constraint, response) "
                       "(LsrIF appendix A.2 defaults: lr 5e-6, 3 epochs, batch 1). Scores a held-out split (accuracy, "
                       "precision, recall, calibration); the output loads as --judge classifier:DIR.")
    p.add_argument("data", metavar="DATA.jsonl", help="rows {response, constraint, label} (e.g. from lsr judge-data)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="where to write the judge")
    p.add_argument("--base", required=True, metavar="MODEL", help="the model to start from (a local directory or hub id)")
    p.add_argument("--lr", type=float, default=5e-6)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--max-length", type=int, default=1024, help="tokens per (constraint, response) pair")
    p.add_argument("--eval-fraction", type=float, default=0.1, help="share of rows held out (default 0.1)")
    p.add_argument("--max-steps", type=int, help="stop after this many optimiser steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", help="e.g. cuda:0 (default: the model's)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_train_judge)
