"""``lsr demo``: the README's main job on the bundled defaults.

1. compile every spec in ``examples/specs``;
2. score its sample responses in ``examples/responses/<spec>/`` and show the traces;
3. run the short CPU GRPO demo (``examples/train/tiny.yaml``) and print the reward
   at start and at end.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from lsr_dsl.language.errors import LsrError


def find_examples(start: Optional[Path] = None) -> Path:
    """The ``examples`` folder: in the current directory or one of its parents."""
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        cand = d / "examples" / "specs"
        if cand.is_dir():
            return d / "examples"
    raise LsrError("cannot find examples/specs here or above; run `lsr demo` from the lsr repository, or pass --examples DIR")


def sample_responses(examples: Path, spec_stem: str) -> List[Tuple[Path, Optional[Path]]]:
    """``(response, prompt-or-None)`` pairs for one example spec, sorted by name."""
    folder = examples / "responses" / spec_stem
    out: List[Tuple[Path, Optional[Path]]] = []
    if not folder.is_dir():
        return out
    for p in sorted(folder.glob("*.txt")):
        if p.name.endswith(".prompt.txt"):
            continue
        prompt = p.with_name(p.name[: -len(".txt")] + ".prompt.txt")
        out.append((p, prompt if prompt.exists() else None))
    return out


def score_examples(examples: Path, *, show_traces: bool = True, stream=None) -> Dict[str, int]:
    """Compile each example and score its responses. Returns counts of expectations met/missed."""
    from lsr_dsl.api import load
    from lsr_dsl.verifier.trace import render_trace

    stream = stream or sys.stdout
    met = missed = 0
    for spec_path in sorted((examples / "specs").glob("*.lsr")):
        prog = load(spec_path)
        print(f"\n=== {spec_path.as_posix()}  (spec {prog.name}: {prog.structure}, mode {prog.mode}, γ={prog.gamma})", file=stream)
        for w in prog.warnings:
            print(w.render(), file=stream)
        for resp_path, prompt_path in sample_responses(examples, spec_path.stem):
            response = resp_path.read_text(encoding="utf-8")
            prompt = prompt_path.read_text(encoding="utf-8") if prompt_path else None
            result = prog.evaluate(response, prompt=prompt)
            expect_pass = resp_path.name.startswith("pass")
            ok = result.passed == expect_pass
            met += ok
            missed += not ok
            verdict = "as expected" if ok else "UNEXPECTED"
            print(f"\n--- {resp_path.name}: score {result.score:.4f} ({'pass' if result.passed else 'fail'}, {verdict})", file=stream)
            if show_traces:
                for line in render_trace(result.trace):
                    print("  " + line, file=stream)
    return {"met": met, "missed": missed}


def run_demo(*, train: bool = True, outdir: str = "runs/demo", examples: Optional[str] = None) -> int:
    ex = Path(examples) if examples else find_examples()
    counts = score_examples(ex)
    print(f"\nexamples: {counts['met']} responses scored as expected, {counts['missed']} not", flush=True)
    status = 0 if counts["missed"] == 0 else 1
    if train:
        try:
            from lsr_dsl.training.demo import run_demo as run_training_demo
        except ImportError as e:  # the [train] extra is not installed
            raise LsrError(f"the GRPO demo needs the training extra: pip install 'lsr-dsl[train]' ({e})") from None
        print("\n=== GRPO demo on CPU (examples/train/tiny.yaml)", flush=True)
        run_training_demo(outdir)  # prints the reward at start and at end
    return status


# ---------------------------------------------------------------------------
# lsr demo


def cmd_demo(args: argparse.Namespace) -> int:
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
