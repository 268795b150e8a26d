"""Judge cost of one GRPO-like reward call: leaf by leaf (before) against batched + cached (after).

    .venv/bin/python benchmarks/bench_judge.py [--completions 64] [--prompts 8] [--batch-size 8 16 32] [--model DIR]

8 prompts × 8 completions; each prompt's spec has 2 hard and 2 soft leaves, one soft leaf
behind an IF branch::

    no_comma AND judge("<question of prompt p>") AND (IF contains("Dear") THEN tone("<tone of p>"))

Half the completions contain "Dear" (their IF branch is active) and every prompt's group has two
repeated completions. "before": every row scored with the judge called per soft leaf (the old
path). "after": ``LsrReward`` with the batch scheduler; then the same batch again (cache).
Judge = the tiny local causal LM (``lsr make-tiny-model``), counting its forward passes.
Target: passes = ceil(distinct active soft leaves / batch size); 0 on the repeated batch.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time

QUESTIONS = ["Does the response answer the question?", "Is the response helpful?", "Does it stay on topic?",
             "Is it written for a child?", "Does it sound like a press release?", "Is it concise?",
             "Does it avoid jargon?", "Is it polite?"]
TONES = ["formal", "friendly", "neutral", "warm", "serious", "playful", "calm", "direct"]
WORDS = "rivers cities music code tests data answers clear short model writes about".split()


def spec_for(p: int) -> str:
    return f'no_comma AND judge("{QUESTIONS[p % 8]}") AND (IF contains("Dear") THEN tone("{TONES[p % 8]}"))'


def make_batch(n: int, prompts: int):
    specs, comps = [], []
    per = n // prompts
    for p in range(prompts):
        for g in range(per):
            k = g if g < per - 2 else 0  # the last two completions of each group repeat the first
            head = "Dear reader" if (k % 2 == 0) else "Hello"
            words = " ".join(WORDS[(p + k + j) % len(WORDS)] for j in range(30 + 3 * k))
            specs.append(spec_for(p))
            comps.append(f"{head} {words} {p}-{k}")
    return specs, comps


def distinct_active_soft(specs, comps) -> int:
    """Counted from the batch itself: every judge(...) leaf is active, tone(...) only with "Dear"."""
    pairs = set()
    for s, c in zip(specs, comps):
        pairs.add((s, "judge", c))
        if "Dear" in c:
            pairs.add((s, "tone", c))
    return len(pairs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--completions", type=int, default=64)
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--batch-size", type=int, nargs="+", default=[8, 16, 32])
    ap.add_argument("--model", help="a local causal LM directory (default: a tiny model built in a temp dir)")
    args = ap.parse_args()

    import lsr_dsl
    from lsr_dsl.judges import TransformersJudge
    from lsr_dsl.judges.protocol import use_judge
    from lsr_dsl.reward import LsrReward

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}")
    model = args.model
    if model is None:
        from lsr_dsl.training.tiny_model import make_tiny_model

        model = os.path.join(tempfile.mkdtemp(prefix="bench-judge-"), "tiny")
        make_tiny_model(model)
    specs, comps = make_batch(args.completions, args.prompts)
    want = distinct_active_soft(specs, comps)
    n_soft_leaves = 2 * len(comps)
    print(f"{len(comps)} completions, {args.prompts} specs (2 hard + 2 soft leaves, 1 soft behind IF); "
          f"{n_soft_leaves} soft leaves, {want} distinct active\n")

    judge = TransformersJudge(model, batch_size=1)
    judge.judge_batch([("warm up", "x")])
    judge.forward_passes = 0
    t0 = time.perf_counter()
    with use_judge(judge):
        before = [lsr_dsl.compile(s).score(c) for s, c in zip(specs, comps)]
    t_before = time.perf_counter() - t0
    passes_before = judge.forward_passes
    print(f"{'path':34} {'batch':>5} {'passes':>7} {'target':>7} {'wall s':>8}")
    print(f"{'before: one call per soft leaf':34} {1:>5} {passes_before:>7} {'-':>7} {t_before:>8.3f}")
    ok = True
    for bs in args.batch_size:
        j = TransformersJudge(model, batch_size=bs)
        j.judge_batch([("warm up", "x")])
        j.forward_passes = 0
        reward = LsrReward(judge=j, judge_batch_size=bs, log_metrics=False)
        t0 = time.perf_counter()
        after = reward(completions=comps, spec=specs)
        t_after = time.perf_counter() - t0
        passes = j.forward_passes
        target = math.ceil(want / bs)
        t0 = time.perf_counter()
        reward(completions=comps, spec=specs)
        t_again = time.perf_counter() - t0
        again = j.forward_passes - passes
        same = max(abs(a - b) for a, b in zip(after, before))
        ok = ok and passes == target and again == 0 and same < 1e-3
        print(f"{'after: batched, planned':34} {bs:>5} {passes:>7} {target:>7} {t_after:>8.3f}")
        print(f"{'after: the same batch again (cache)':34} {bs:>5} {again:>7} {0:>7} {t_again:>8.3f}")
        print(f"{'':34} rewards equal to leaf-by-leaf within {same:.1e}")
    print("\ntarget met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
