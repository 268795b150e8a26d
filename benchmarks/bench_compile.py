"""Parse + compile throughput of small specs.

    python benchmarks/bench_compile.py [--specs N] [--rounds R]

Generates N distinct small specs (2–4 atoms; numbers and strings vary, so no
two sources are equal and the compile cache cannot answer from memory) and
measures, in specs per second:

- cold compile: ``lsr_dsl.compile(src)`` after ``lsr_dsl.clear_cache()``
  (parse → check → compile passes → verifier tree); the target is ≥ 5,000/s;
- cached recompile: the same N sources compiled again (an LRU cache lookup);
- parse only: ``lsr_dsl.parse(src)`` (Lark LALR parse + AST building);
- check only: ``checker.check(module)`` on already parsed modules;
- lower only: ``compile_module``'s remaining work, i.e. compiler passes and
  building the ``Program``, on already checked modules.

Each figure is the best of R rounds. The shares of the three stages should
add up to about 100% of the cold figure; on a busy machine they drift by
±15% because each stage is timed separately.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lsr_dsl  # noqa: E402
from lsr_dsl.api import _program  # noqa: E402
from lsr_dsl.compiler.checker import check  # noqa: E402

TARGET = 5000.0

_WORDS = ["climate", "budget", "python", "summary", "error", "team", "river", "cache", "orbit", "garden"]


def make_specs(n: int, seed: int = 0) -> list[str]:
    """n distinct small specs in a handful of shapes."""
    rng = random.Random(seed)
    shapes = [
        lambda i, w: f"words >= {100 + i} AND no_comma",
        lambda i, w: f'starts_with("{w} {i}") THEN words <= {50 + i} THEN no_comma',
        lambda i, w: f'IF contains("{w} {i}") THEN sentences <= {1 + i % 9} ELSE bullets >= {1 + i % 5}',
        lambda i, w: f'count("{w}") >= {1 + i % 7} AND excludes("{w}{i}") AND lowercase',
        lambda i, w: f'no_comma AND (contains("{w}") THEN[gamma=0.{1 + i % 9}] words >= {i})',
        lambda i, w: f'keywords(["{w}", "k{i}"]) AND numbered_list >= {1 + i % 4}',
    ]
    out = []
    for i in range(n):
        w = rng.choice(_WORDS)
        out.append(shapes[i % len(shapes)](i, w))
    assert len(set(out)) == n, "specs must be distinct"
    return out


def best_rate(n: int, rounds: int, setup, body) -> float:
    best = float("inf")
    for _ in range(rounds):
        state = setup()
        t0 = time.perf_counter()
        body(state)
        best = min(best, time.perf_counter() - t0)
    return n / best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--specs", type=int, default=3000, help="number of distinct specs (default 3000)")
    ap.add_argument("--rounds", type=int, default=5, help="timing rounds; the best is kept (default 5)")
    args = ap.parse_args(argv)

    specs = make_specs(args.specs)
    n = len(specs)
    lsr_dsl.compile("no_comma")  # build the Lark parser and import every constraint once
    lsr_dsl.clear_cache()

    def cold_setup():
        lsr_dsl.clear_cache()
        return None

    def cold_body(_):
        for s in specs:
            lsr_dsl.compile(s)

    cold = best_rate(n, args.rounds, cold_setup, cold_body)

    def cached_setup():
        lsr_dsl.clear_cache()
        for s in specs:
            lsr_dsl.compile(s)
        return None

    cached = best_rate(n, args.rounds, cached_setup, cold_body)

    def _parse_all(_):
        for s in specs:
            lsr_dsl.parse(s)

    parse_rate = best_rate(n, args.rounds, lambda: None, _parse_all)

    modules = [lsr_dsl.parse(s) for s in specs]
    def _check_all(_):
        for m, s in zip(modules, specs):
            check(m, source=s)

    check_rate = best_rate(n, args.rounds, lambda: None, _check_all)

    checked = [check(m, source=s) for m, s in zip(modules, specs)]

    def lower_body(_):
        for r, m, s in zip(checked, modules, specs):
            _program(r, "main", m, None, None, s, None)

    lower_rate = best_rate(n, args.rounds, lambda: None, lower_body)

    lsr_dsl.clear_cache()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}")
    print(f"{n} distinct small specs (2-4 atoms), best of {args.rounds} rounds, one process\n")
    header = f"{'stage':34} {'specs/s':>12} {'µs/spec':>9} {'share of cold':>14}"
    print(header)
    print("-" * len(header))
    cold_us = 1e6 / cold
    for label, rate, share in [
        ("cold compile (clear_cache first)", cold, True),
        ("  parse only", parse_rate, True),
        ("  check only", check_rate, True),
        ("  passes + lower + Program", lower_rate, True),
        ("cached recompile (same sources)", cached, False),
    ]:
        us = 1e6 / rate
        sh = f"{100 * us / cold_us:>13.0f}%" if share else f"{'':>14}"
        print(f"{label:34} {rate:>12,.0f} {us:>9.1f} {sh}")
    verdict = "OK" if cold >= TARGET else "MISSED"
    print(f"\ncold compile target >= {TARGET:,.0f} specs/s: {verdict}")
    return 0 if cold >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
