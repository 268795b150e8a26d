"""Time a reference's instruction checkers on a differential fixture (run by bench_families.py).

Runs inside the reference's own throwaway environment, never with lsr on the path:

    VENV/bin/python benchmarks/family_reference_timer.py --src SRC --registry MODULE \\
        --nltk-data DIR --fixture tests/fixtures/X_differential.jsonl

For every fixture case (after its first, metadata, line) the instruction is built up
front and only ``check_following(response)`` is timed, best of ``--repeat`` runs. Writes
JSON to stdout: the seconds per case (null where the reference raised).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--registry", required=True, help="e.g. open_instruct.IFEvalG.instructions_registry")
    ap.add_argument("--nltk-data", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ["NLTK_DATA"] = args.nltk_data
    sys.path.insert(0, args.src)
    import langdetect
    import nltk

    nltk.data.path.insert(0, args.nltk_data)
    nltk.download = lambda *a, **k: False  # offline: never try
    langdetect.DetectorFactory.seed = 0
    registry = importlib.import_module(args.registry)

    cases = []
    with open(args.fixture, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()][1:]
    for row in rows:
        iid = row.get("iid", row.get("id"))
        try:
            inst = registry.INSTRUCTION_DICT[iid](iid)
            inst.build_description(**{k: v for k, v in row["kwargs"].items() if v is not None})
        except Exception:
            cases.append(None)
            continue
        cases.append((inst, row["response"]))
    best = [float("inf")] * len(cases)
    for _ in range(max(1, args.repeat)):
        for i, case in enumerate(cases):
            if case is None or best[i] is None:
                continue
            inst, response = case
            t0 = time.perf_counter()
            try:
                inst.check_following(response)
            except Exception:
                best[i] = None
                continue
            best[i] = min(best[i], time.perf_counter() - t0)
    json.dump({"seconds": [None if c is None else b for c, b in zip(cases, best)]}, sys.stdout)


if __name__ == "__main__":
    main()
