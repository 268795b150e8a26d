"""Reward-function cost per GRPO batch.

    .venv/bin/python benchmarks/bench_reward.py [--batch 64] [--words 300] [--repeat 20] [--train-step]

Times ``LsrReward`` on a batch of completions of ~300 words each against a
5-constraint spec, called the way TRL calls it (keyword arguments, with
``log_metric``/``log_extra``).  "cold" = a fresh reward object and an empty
compile cache (includes compiling the spec and first-use warm-up of the
verifiers); "warm" = the steady state during training.  ``--train-step`` also
times a few GRPO steps of the tiny model on CPU, for context.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

SPEC = "(lowercase AND no_comma AND words >= 200) THEN (words <= 400 AND sentences >= 3)"
SPEC_LIGHT = "(lowercase(english=false) AND no_comma AND words >= 200) THEN (words <= 400 AND sentences >= 3)"

WORDS = ("the a model writes short clear answers about rivers cities music code tests and data "
         "we check every rule with care so that training gets a clean signal from each reply").split()


def make_completions(n: int, words: int, seed: int = 0) -> list:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        toks = []
        for j in range(words):
            w = rng.choice(WORDS)
            toks.append(w)
            if j % 17 == 16:
                toks[-1] += "."
        if i % 4 == 1:
            toks[3] = toks[3].capitalize()
        if i % 4 == 2:
            toks[5] += ","
        out.append([{"role": "assistant", "content": " ".join(toks) + "."}])
    return out


def bench(spec: str, batch: int, words: int, repeat: int) -> dict:
    import lsr_dsl
    from lsr_dsl.reward import LsrReward

    comps = make_completions(batch, words)
    prompts = [[{"role": "user", "content": "write about rivers"}]] * batch
    specs = [spec] * batch
    sink: list = []
    kw = dict(trainer_state=None, log_metric=lambda k, v: sink.append(v), log_extra=lambda c, v: None,
              completion_ids=[[0]] * batch)

    lsr_dsl.clear_cache()
    r = LsrReward()
    t = time.perf_counter()
    out = r(prompts=prompts, completions=comps, spec=specs, **kw)
    cold = time.perf_counter() - t
    assert len(out) == batch and all(isinstance(x, float) for x in out)

    warm = []
    for _ in range(repeat):
        t = time.perf_counter()
        r(prompts=prompts, completions=comps, spec=specs, **kw)
        warm.append(time.perf_counter() - t)
    nolog = []
    for _ in range(max(3, repeat // 2)):
        t = time.perf_counter()
        r(prompts=prompts, completions=comps, spec=specs)
        nolog.append(time.perf_counter() - t)
    return {"cold": cold, "warm": statistics.median(warm), "warm_min": min(warm),
            "nolog": statistics.median(nolog), "mean_reward": sum(out) / len(out)}


def train_step_time(steps: int = 6) -> float:
    """Median seconds per GRPO step of the tiny model on examples/train/tiny.yaml (CPU)."""
    import json
    import tempfile
    from pathlib import Path

    from lsr_dsl.training.tiny_model import make_tiny_model
    from lsr_dsl.training.train import run_train

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as d:
        make_tiny_model(Path(d) / "m")
        run_train(repo / "examples" / "train" / "tiny.yaml", quiet=True,
                  overrides={"model.name_or_path": str(Path(d) / "m"), "output_dir": str(Path(d) / "o"),
                             "grpo.max_steps": steps, "plot": False})
        rows = [json.loads(l) for l in (Path(d) / "o" / "metrics.jsonl").read_text().splitlines()]
    times = [b["time_s"] - a["time_s"] for a, b in zip(rows, rows[1:])]
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--train-step", action="store_true", help="also time GRPO steps of the tiny model")
    a = ap.parse_args(argv)

    print(f"LsrReward, batch of {a.batch} completions x ~{a.words} words, 5-constraint spec (median of {a.repeat})")
    print(f"{'spec':<44} {'cache':<6} {'ms/batch':>10} {'us/completion':>14}")
    for label, spec in (("lowercase (IFEval: English check) + 4", SPEC), ("lowercase(english=false) + 4", SPEC_LIGHT)):
        res = bench(spec, a.batch, a.words, a.repeat)
        for cache, key in (("cold", "cold"), ("warm", "warm"), ("warm*", "nolog")):
            sec = res[key]
            print(f"{label:<44} {cache:<6} {sec * 1e3:>10.2f} {sec / a.batch * 1e6:>14.1f}")
    print("cold = fresh LsrReward + empty compile cache (first batch); warm = steady state with "
          "log_metric/log_extra; warm* = without logging callbacks")
    if a.train_step:
        st = train_step_time()
        print(f"tiny-model GRPO step on CPU (16 completions x 16 tokens, examples/train/tiny.yaml): "
              f"{st * 1e3:.0f} ms/step (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
