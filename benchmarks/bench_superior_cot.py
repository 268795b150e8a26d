"""Cost of RAIF's superior-CoT enforcement per GRPO step on the tiny CPU task.

    .venv/bin/python benchmarks/bench_superior_cot.py [--steps 60] [--repeat 2] [--out runs/bench-scot]

Trains ``examples/train/tiny.yaml`` (16 completions x 16 tokens per step, one torch thread)
for ``--steps`` steps, plain and with ``--superior-cot``, alternating, ``--repeat`` times each,
each run its own process.  Reports per run the median step time (from ``metrics.jsonl``'s
``time_s``, first 5 steps left out as warm-up) and, for the superior-CoT runs, the median
time spent generating the reasoning and the reasoning-free responses
(``raif/gen_time_with_reasoning_s`` / ``raif/gen_time_without_reasoning_s``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WARMUP = 5


def _run(out: Path, steps: int, superior: bool) -> dict:
    cmd = [sys.executable, "-m", "lsr_dsl.training", "train", str(REPO / "examples" / "train" / "tiny.yaml"),
           "--output-dir", str(out), "--max-steps", str(steps), "--set", "plot=false", "--set", "report_to=none",
           "--set", f"save_steps={steps}"]
    if superior:
        cmd.append("--superior-cot")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    times = [r["time_s"] for r in rows]
    steps_s = [b - a for a, b in zip(times, times[1:])][WARMUP:]
    res = {"superior_cot": superior, "steps": len(rows), "step_ms": 1000 * statistics.median(steps_s),
           "reward_first10": statistics.mean(r["reward"] for r in rows[:10]),
           "reward_last10": statistics.mean(r["reward"] for r in rows[-10:])}
    if superior:
        res["gen_with_ms"] = 1000 * statistics.median(r["raif/gen_time_with_reasoning_s"] for r in rows[WARMUP:])
        res["gen_without_ms"] = 1000 * statistics.median(r["raif/gen_time_without_reasoning_s"] for r in rows[WARMUP:])
        res["prompts_skipped"] = sum(r["raif/prompts_skipped"] for r in rows)
        res["prompts_kept"] = sum(r["raif/prompts_kept"] for r in rows)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--out", default="runs/bench-scot")
    a = ap.parse_args(argv)
    results = []
    for i in range(a.repeat):
        for superior in (False, True):
            out = Path(a.out) / f"{'scot' if superior else 'plain'}-{i}"
            res = _run(out, a.steps, superior)
            results.append(res)
            print(json.dumps(res), flush=True)
    plain = statistics.median(r["step_ms"] for r in results if not r["superior_cot"])
    scot = statistics.median(r["step_ms"] for r in results if r["superior_cot"])
    print(f"median step: plain {plain:.1f} ms, superior-CoT {scot:.1f} ms ({scot / plain:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
