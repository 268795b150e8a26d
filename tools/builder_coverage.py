"""Print how many of the registry's hard atoms lsr_dsl.testing can build responses for.

For each hard constraint, its catalogue example is compiled and texts are built that satisfy
it and that violate it (several seeds each); every text is scored before it counts.

Usage::

    .venv/bin/python tools/builder_coverage.py            # the summary and any unsupported atom
    .venv/bin/python tools/builder_coverage.py --all      # one line per atom
"""
from __future__ import annotations

import argparse
import random
import sys
from typing import List, Optional

from lsr_dsl.api import compile as compile_source
from lsr_dsl.constraints import REGISTRY
from lsr_dsl.testing.builders import CannotBuild, build_response


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", action="store_true", help="print one line per atom")
    ap.add_argument("--seeds", type=int, default=5, help="texts built per atom and direction (default 5)")
    args = ap.parse_args(argv)
    hard = [c for c in REGISTRY.definitions() if c.kind == "hard"]
    counts = {True: 0, False: 0}
    for c in hard:
        program = compile_source(c.example)
        marks = []
        for want in (True, False):
            try:
                for seed in range(args.seeds):
                    text = build_response(program, satisfying=want, rng=random.Random(seed))
                    assert (program.score(text) >= 1.0) == want  # build_response checks this too
                counts[want] += 1
                marks.append("ok")
            except CannotBuild as e:
                marks.append(f"no ({e})")
        if args.all or "ok" not in marks[0]:
            print(f"{c.name:28} satisfy: {marks[0]:4}  violate: {marks[1]}   [{c.example}]")
    n = len(hard)
    print(f"satisfying=True:  {counts[True]}/{n} hard atoms ({counts[True] / n:.0%})")
    print(f"satisfying=False: {counts[False]}/{n} hard atoms ({counts[False] / n:.0%})")
    return 0 if counts[True] / n >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
