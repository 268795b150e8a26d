"""Speed of the IFEvalG and IFBench families against their reference checkers.

    python benchmarks/bench_families.py [--ifevalg-ref DIR] [--ifbench-ref DIR] [--repeat N]

On the cases of the differential fixtures (tests/fixtures/ifevalg_differential.jsonl,
ifbench_differential.jsonl: boundary responses for every id, mostly short), times lsr's
check (parameters validated up front, a fresh Text per case) and, in a subprocess in the
reference's own throwaway environment (DIR/venv, DIR/src, DIR/nltk_data, as the fixture
generators tools/make_ifevalg_fixture.py and tools/make_ifbench_fixture.py set them up),
the reference's ``check_following`` on the same cases in the same run. A reference that
is missing or cannot be imported is reported and skipped.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lsr_dsl.constraints  # noqa: E402,F401  (registers every family)
from lsr_dsl.constraints.registry import REGISTRY  # noqa: E402
from lsr_dsl.text import Text  # noqa: E402

FAMILIES = {
    # name: (fixture, id prefix in lsr's registry, id key, reference module, default dir)
    "IFEvalG": ("ifevalg_differential.jsonl", "", "iid", "open_instruct.IFEvalG.instructions_registry",
                "/tmp/ifevalg-ref"),
    "IFBench": ("ifbench_differential.jsonl", "ifbench/", "id", "ifbench.instructions_registry",
                "/tmp/ifbench-ref"),
}


def lsr_cases(fixture, prefix, key):
    out = []
    with open(fixture, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()][1:]
    for row in rows:
        c = REGISTRY.get(prefix + row[key])
        try:
            p = c.params(**{k: v for k, v in row["kwargs"].items() if v is not None})
        except Exception:
            out.append(None)
            continue
        out.append((c.check, p, row["response"]))
    return out


def time_lsr(cases, repeat):
    best = [float("inf")] * len(cases)
    for _ in range(repeat):
        for i, case in enumerate(cases):
            if case is None:
                continue
            check, p, response = case
            t0 = time.perf_counter()
            check(p, Text(response))
            best[i] = min(best[i], time.perf_counter() - t0)
    return [None if c is None else b for c, b in zip(cases, best)]


def time_reference(ref_dir, module, fixture, repeat):
    ref = Path(ref_dir)
    python = ref / "venv" / "bin" / "python"
    if not python.exists() or not (ref / "src").is_dir():
        return None, f"no reference environment in {ref_dir}"
    cmd = [str(python), str(ROOT / "benchmarks" / "family_reference_timer.py"), "--src", str(ref / "src"),
           "--registry", module, "--nltk-data", str(ref / "nltk_data"), "--fixture", str(fixture),
           "--repeat", str(repeat)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"the reference could not be run: {e}"
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
        return None, f"the reference could not be imported or run: {tail[0]}"
    return json.loads(done.stdout)["seconds"], None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifevalg-ref", default=FAMILIES["IFEvalG"][4])
    ap.add_argument("--ifbench-ref", default=FAMILIES["IFBench"][4])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    dirs = {"IFEvalG": args.ifevalg_ref, "IFBench": args.ifbench_ref}
    print(f"{'family':9s} {'cases':>6s} {'lsr µs/case':>12s} {'ref µs/case':>12s} {'ratio':>7s}  (same cases, same run)")
    for name, (fixture, prefix, key, module, _) in FAMILIES.items():
        path = ROOT / "tests" / "fixtures" / fixture
        cases = lsr_cases(path, prefix, key)
        time_lsr(cases, 1)  # warm: profiles, Punkt, tables
        ours = time_lsr(cases, args.repeat)
        theirs, why_not = time_reference(dirs[name], module, path, args.repeat)
        if theirs is None:
            both = [o for o in ours if o is not None]
            print(f"{name:9s} {len(both):6d} {statistics.fmean(both) * 1e6:12.1f} {'-':>12s} {'-':>7s}  ({why_not})")
            continue
        pairs = [(o, t) for o, t in zip(ours, theirs) if o is not None and t is not None]
        lsr_us = statistics.fmean(o for o, _ in pairs) * 1e6
        ref_us = statistics.fmean(t for _, t in pairs) * 1e6
        print(f"{name:9s} {len(pairs):6d} {lsr_us:12.1f} {ref_us:12.1f} {ref_us / lsr_us:6.1f}x")


if __name__ == "__main__":
    main()
