"""``lsr demo``: the README's main job on the bundled defaults.

1. compile every spec in ``examples/specs``;
2. score its sample responses in ``examples/responses/<spec>/`` and show the traces;
3. run the short CPU GRPO demo (``examples/train/tiny.yaml``) and print the reward
   at start and at end.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .errors import LsrError


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
    from .api import load
    from .cli import render_trace

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
            from .training.demo import run_demo as run_training_demo
        except ImportError as e:  # the [train] extra is not installed
            raise LsrError(f"the GRPO demo needs the training extra: pip install 'lsr-dsl[train]' ({e})") from None
        print("\n=== GRPO demo on CPU (examples/train/tiny.yaml)", flush=True)
        run_training_demo(outdir)  # prints the reward at start and at end
    return status
