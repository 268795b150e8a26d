"""Evaluation cost per response for verifier trees of 1, 5 and 20 leaves.

    python benchmarks/bench_eval.py [--repeat N]

Every tree scores the same ~300-word response. Each evaluation builds a fresh
``Text`` (``prog.score(str)``), so the per-response analyses (word list,
Punkt sentences, lines, …) are computed once per evaluation and shared by
every leaf that reads them. The claim checked here: the 20-leaf tree costs
at most 3x the 1-leaf tree. The baseline's one leaf is ``sentences >= 10``,
whose analysis (English Punkt sentences, about 300 µs here) is the costliest
one the bigger trees use; the other leaves reuse the same analyses (words,
sentences, characters, lines, substring search). A words-only 1-leaf tree is
shown for reference.

No leaf uses language identification except in the row marked "langdetect",
which adds ``lowercase`` (it asks langdetect whether the text is English).
The last row adds ``each_sentence``, which splits sentences with its own
splitter rather than the shared Punkt analysis, so it costs extra.

Also shown: the overhead of building the full trace (``prog.evaluate``)
compared with the score alone (``prog.score``).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lsr_dsl  # noqa: E402

#: ~300 words, 4 paragraphs, no commas in the first paragraph only.
RESPONSE = """Summary: the new build system cuts the time of a full rebuild from twelve minutes to four.

The old setup compiled every module from scratch on each run. It did not know which files had changed, so a one-line edit in a header triggered a complete rebuild. Developers waited, switched context, and lost focus. Over a week this added up to hours for each person on the team, and the continuous integration queue grew long in the afternoons when most changes landed.

The new system keeps a content hash for every source file and every generated artefact. Before compiling, it compares the hashes with those of the previous run and rebuilds only what depends on a changed input. Headers are tracked through the include graph, which the compiler reports as a side effect of each compilation. The graph is stored next to the build outputs, so a fresh checkout starts with an empty cache and fills it on the first run. Remote caching lets a developer reuse artefacts that the integration servers built a few minutes earlier.

We measured the change on three machines over two weeks. A full rebuild now takes four minutes on a laptop and ninety seconds on a workstation. An incremental rebuild after a typical edit takes under twenty seconds. The integration queue no longer backs up in the afternoon, and the number of builds that time out dropped to zero. Two problems remain. First, the cache can grow large; we prune entries older than a week. Second, generated code that embeds a timestamp defeats the hashing, so we removed those timestamps. If you see a rebuild that seems too slow, run the build with the explain flag and send the output to the tools channel. We will look at it the same day and fix the rule that caused it.
"""

#: The one leaf of the baseline tree needs the costliest analysis the bigger
#: trees use (English Punkt sentence splitting), so the ratio measures what
#: the other leaves add on top of shared analyses.
LEAVES_1 = ["sentences >= 10"]

LEAVES_5 = [
    "sentences >= 10",
    "words >= 250",
    "no_comma",
    'contains("build")',
    'starts_with("Summary:")',
]

LEAVES_20 = LEAVES_5 + [
    "words <= 400",
    "sentences <= 40",
    'count("the") >= 5',
    'excludes("deprecated")',
    'contains("cache", whole_word=true)',
    "chars >= 1000",
    "chars <= 3000",
    "lines >= 4",
    "blank_line_paragraphs >= 4",
    'excludes("TODO")',
    'keywords(["hash", "cache"])',
    'forbidden_words(["stupid", "obviously"])',
    'count("rebuild", case_sensitive=false) >= 3',
    'ends_with_text("same day and fix the rule that caused it.")',
    "placeholders == 0",
]

assert len(LEAVES_1) == 1 and len(LEAVES_5) == 5 and len(LEAVES_20) == 20


def and_of(leaves):
    return " AND ".join(leaves)


def nested_of(leaves):
    """The same leaves arranged as THEN of ANDs with an IF, to show the composition is not the cost."""
    a, b, c = leaves[:7], leaves[7:14], leaves[14:]
    return f"({and_of(a)}) THEN (IF contains(\"hash\") THEN ({and_of(b)}) ELSE no_comma) THEN ({and_of(c)})"


def time_pair(f, g, repeat, rounds=5):
    """Best-of-``rounds`` µs per call of f and of g, timed in alternation so that
    load from other processes hits both alike."""
    f(), g()  # warm: imports, Punkt model, langdetect profiles
    best_f = best_g = float("inf")
    for _ in range(rounds):
        for fn, which in ((f, 0), (g, 1)):
            t0 = time.perf_counter()
            for _ in range(repeat):
                fn()
            dt = (time.perf_counter() - t0) / repeat
            if which == 0:
                best_f = min(best_f, dt)
            else:
                best_g = min(best_g, dt)
    return best_f * 1e6, best_g * 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200, help="evaluations per timing run (best of 5 runs)")
    args = ap.parse_args(argv)

    words = len(RESPONSE.split())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}")
    print(f"response: {words} words (whitespace-split), {len(RESPONSE)} characters; "
          f"repeat {args.repeat}, best of 5\n")

    rows = [
        ("1 leaf: sentences (baseline)", and_of(LEAVES_1)),
        ("1 leaf: words (reference)", "words >= 250"),
        ("5 leaves (AND)", and_of(LEAVES_5)),
        ("20 leaves (AND)", and_of(LEAVES_20)),
        ("20 leaves (THEN/IF/AND)", nested_of(LEAVES_20)),
        ("20 leaves + lowercase (langdetect)", and_of(LEAVES_20 + ["lowercase"])),
        ("20 leaves + each_sentence", and_of(LEAVES_20 + ["each_sentence(max_words=60)"])),
    ]
    header = f"{'tree':36} {'leaves':>6} {'score µs':>10} {'x 1-leaf':>9} {'evaluate µs':>12} {'trace +%':>9} {'score':>7}"
    print(header)
    print("-" * len(header))
    base = None
    results = {}
    for label, src in rows:
        prog = lsr_dsl.compile(src)
        n = sum(1 for _ in prog.atoms())
        s_us, e_us = time_pair(lambda: prog.score(RESPONSE), lambda: prog.evaluate(RESPONSE), args.repeat)
        if base is None:
            base = s_us
        results[label] = s_us
        print(f"{label:36} {n:>6} {s_us:>10.1f} {s_us / base:>8.2f}x {e_us:>12.1f} {100 * (e_us / s_us - 1):>8.0f}% {prog.score(RESPONSE):>7.3f}")

    ratio = results["20 leaves (AND)"] / results["1 leaf: sentences (baseline)"]
    verdict = "OK" if ratio <= 3.0 else "MISSED"
    print(f"\n20-leaf / 1-leaf (AND, no langdetect): {ratio:.2f}x  (target <= 3x: {verdict})")
    return 0 if ratio <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
