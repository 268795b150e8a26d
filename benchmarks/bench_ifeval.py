"""Speed of the IFEval constraints on the 269 dev responses (strict mode).

    python benchmarks/bench_ifeval.py [--repeat N] [--data PATH] [--reference DIR]

Prints: µs per response (mean, p50, p95) with our exact fast language
identification and, for comparison, with langdetect itself; the reference
implementation's (lm-eval 0.4.13's copy of IFEval's checkers, timed in a
subprocess in its own throwaway environment on the same rows in the same run;
build it with ``bash benchmarks/ifeval_reference_env.sh DIR``, default
/tmp/speed-ref or $LSR_IFEVAL_REF), the ratio and whether the strict verdicts
agree (without that environment it says so and prints lsr's figures only); where the time goes
(per constraint type and per Text analysis); and how cost grows with response
length (each response repeated x1, x2, x4, x8). Parameters are validated once
up front (as a compiled spec would), so the timings are Text analysis + checks.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lsr_dsl.text import langid  # noqa: E402
from lsr_dsl.constraints.ifeval import ifeval_kwargs_to_params  # noqa: E402
from lsr_dsl.constraints.registry import REGISTRY  # noqa: E402
from lsr_dsl.text import Text  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("LSR_SHARED", ROOT.parent / "shared")) / "data" / "ifeval" / "dev_gpt4_reference.jsonl"


def load(path, skipped=None):
    """(response, [(id, check, params)]) per row; ``skipped`` collects (row, position) left out."""
    jobs = []
    for r, line in enumerate(open(path, encoding="utf-8")):
        row = json.loads(line)
        checks = []
        for k, (iid, kw) in enumerate(zip(row["instruction_id_list"], row["kwargs"])):
            c = REGISTRY.get(iid)
            try:
                p = c.params(**ifeval_kwargs_to_params(iid, kw))
            except Exception:
                if skipped is not None:
                    skipped.add((r, k))
                continue  # e.g. letter "#": rejected by validation
            checks.append((iid, c.check, p))
        jobs.append((row["response"], checks))
    return jobs


def strict_verdicts(jobs):
    """lsr's strict verdicts (a blank response fails, as in the reference)."""
    return [[bool(r.strip()) and check(p, Text(r)).passed for _, check, p in c] for r, c in jobs]


def run_reference(ref_dir, data, repeat):
    """The reference's timings and verdicts from its own environment, or (None, why)."""
    python = Path(ref_dir) / "venv" / "bin" / "python"
    src = Path(ref_dir) / "src"
    if not python.exists() or not (src / "lm_eval" / "tasks" / "ifeval").is_dir():
        return None, f"no reference environment in {ref_dir} (bash benchmarks/ifeval_reference_env.sh {ref_dir})"
    cmd = [str(python), str(ROOT / "benchmarks" / "ifeval_reference_timer.py"), "--src", str(src),
           "--data", str(data), "--repeat", str(repeat)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"the reference could not be run: {e}"
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
        return None, f"the reference could not be imported or run: {tail[0]}"
    return json.loads(done.stdout), None


def run_once(jobs, per_type=None):
    times = []
    for response, checks in jobs:
        t0 = time.perf_counter()
        t = Text(response)
        for iid, check, p in checks:
            if per_type is None:
                check(p, t)
            else:
                a = time.perf_counter()
                check(p, t)
                per_type[iid] += time.perf_counter() - a
        times.append(time.perf_counter() - t0)
    return times


def stats(times):
    us = sorted(x * 1e6 for x in times)
    return statistics.fmean(us), us[len(us) // 2], us[int(len(us) * 0.95)]


ANALYSES = {
    "language (langid, exact)": lambda t: t.language,
    "sentences (punkt)": lambda t: t.sentences,
    "capital words (fast count)": lambda t: t.capital_word_count,
    "capital words (treebank, all)": lambda t: t.capital_words,
    "words (\\w+)": lambda t: t.words,
    "lower": lambda t: t.lower,
}


def merge_best(a, b):
    """Two reference runs: per response the faster time (the verdicts are the same)."""
    return {
        "checks_s": [min(x, y) for x, y in zip(a["checks_s"], b["checks_s"])],
        "full_s": [min(x, y) for x, y in zip(a["full_s"], b["full_s"])],
        "verdicts": a["verdicts"],
    }


def report_reference(ref, lsr_times, jobs, skipped):
    """The reference's timings beside lsr's, the ratio, and whether the verdicts agree."""
    ours = strict_verdicts(jobs)
    theirs = [[v for k, v in enumerate(row) if (r, k) not in skipped] for r, row in enumerate(ref["verdicts"])]
    n = sum(len(v) for v in ours)
    agree = sum(a == b for x, y in zip(ours, theirs) for a, b in zip(x, y))
    lmean, lp50, lp95 = stats(lsr_times)
    for label, key in (("reference: checks only", "checks_s"), ("reference: lm-eval strict fn", "full_s")):
        m, p50, p95 = stats(ref[key])
        print(f"{label:32s} {m:10.1f} {p50:10.1f} {p95:10.1f}")
    cmean = stats(ref["checks_s"])[0]
    print(f"\nIFEval strict, mean µs per response: lsr {lmean:.1f}, reference {cmean:.1f} "
          f"(checks only, same rows, same run): {cmean / lmean:.1f}x faster (target >= 20x)")
    print(f"strict verdicts equal to the reference's: {agree}/{n}"
          f" ({len(skipped)} instruction(s) with parameters lsr rejects left out)\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--reference",
        default=os.environ.get("LSR_IFEVAL_REF", "/tmp/speed-ref"),
        help="the reference's throwaway environment (benchmarks/ifeval_reference_env.sh DIR)",
    )
    args = ap.parse_args()
    skipped = set()
    jobs = load(args.data, skipped)
    n_checks = sum(len(c) for _, c in jobs)
    run_once(jobs)  # warm: loads punkt and the language profiles

    # Rounds alternate the reference (a subprocess) and lsr, so that both see the
    # same load on a shared machine; each side keeps its best.
    best = None
    ref, why_not = None, None
    for _ in range(args.repeat):
        if why_not is None:
            got, why_not = run_reference(args.reference, args.data, 1)
            if got is not None:
                ref = got if ref is None else merge_best(ref, got)
        times = run_once(jobs)
        if best is None or sum(times) < sum(best):
            best = times
    mean, p50, p95 = stats(best)

    fast = langid.detect
    langid.detect = langid.detect_reference
    try:
        run_once(jobs)
        ref_times = min((run_once(jobs) for _ in range(max(1, args.repeat // 2))), key=sum)
    finally:
        langid.detect = fast
    rmean, rp50, rp95 = stats(ref_times)

    print(f"{len(jobs)} responses, {n_checks} instructions (strict mode), best of {args.repeat} rounds"
          " (lsr and the reference alternate)\n")
    print(f"{'':32s} {'mean µs':>10s} {'p50 µs':>10s} {'p95 µs':>10s}")
    print(f"{'lsr (fast exact langid)':32s} {mean:10.1f} {p50:10.1f} {p95:10.1f}")
    print(f"{'lsr with langdetect itself':32s} {rmean:10.1f} {rp50:10.1f} {rp95:10.1f}")
    if ref is None:
        print(f"reference not timed: {why_not}")
        print("(IFEval's reference measured earlier: ~1400-1900 µs per response on these machines)\n")
    else:
        report_reference(ref, best, jobs, skipped)

    per_type = defaultdict(float)
    counts = defaultdict(int)
    for _, checks in jobs:
        for iid, _, _ in checks:
            counts[iid] += 1
    run_once(jobs, per_type)
    total = sum(per_type.values())
    print(f"{'constraint type (incl. the analyses it triggers first)':56s} {'n':>4s} {'total ms':>9s} {'share':>6s}")
    for iid, s in sorted(per_type.items(), key=lambda x: -x[1]):
        print(f"{iid:56s} {counts[iid]:4d} {s * 1e3:9.2f} {s / total:6.1%}")

    print(f"\n{'Text analysis, on all 269 responses':40s} {'total ms':>9s} {'µs/text':>9s}")
    for name, fn in ANALYSES.items():
        texts = [Text(r) for r, _ in jobs]
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        dt = time.perf_counter() - t0
        print(f"{name:40s} {dt * 1e3:9.2f} {dt / len(texts) * 1e6:9.1f}")
    texts = [r for r, _ in jobs]
    t0 = time.perf_counter()
    for r in texts[:60]:
        langid.detect_reference(r)
    dt = (time.perf_counter() - t0) / 60
    print(f"{'language (langdetect itself)':40s} {dt * len(texts) * 1e3:9.2f} {dt * 1e6:9.1f}")

    print(f"\n{'length':>8s} {'mean chars':>11s} {'mean µs':>10s} {'µs per 1k chars':>16s}")
    for k in (1, 2, 4, 8):
        scaled = [("\n\n".join([r] * k), c) for r, c in jobs]
        run_once(scaled)
        times = min((run_once(scaled) for _ in range(2)), key=sum)
        chars = statistics.fmean(len(r) for r, _ in scaled)
        m = statistics.fmean(times) * 1e6
        print(f"{'x' + str(k):>8s} {chars:11.0f} {m:10.1f} {m / chars * 1e3:16.1f}")
    print("(langdetect reads at most 10,000 characters, so language checks stop growing there)")


if __name__ == "__main__":
    main()
