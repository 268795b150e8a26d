"""Rows per second through ``lsr serve``'s OpenRLHF endpoint, over real HTTP on 127.0.0.1.

    .venv/bin/python benchmarks/bench_serve.py [--workers 2] [--words 150] [--seconds 3]

Starts ``lsr serve`` (a separate process, ``--workers`` scoring processes) on a
free port and posts ``/get_reward`` requests of 1, 64 and 512 rows
(OpenRLHF 0.11.2 sends 1 per rollout, 0.8.11 the whole batch). Batch 1 is also run
with 8 concurrent clients, as OpenRLHF's many rollouts are. Each row is a ChatML
query of ~``--words`` words ending in ``<|im_end|>``, with one of 8 labels (lsr specs
and RLVR ground truth), so the compile cache is warm after the first round. The
in-process figure (the same rows through ``Scorer`` with no HTTP) shows the overhead.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time

import httpx

from lsr_dsl.rewards.remote import Scorer, score_rows

LABELS = [
    "words >= 50 AND no_comma",
    'words >= 20 THEN ends_with("done")',
    "(lowercase(english=false) AND words <= 400) THEN sentences >= 3",
    '[{"instruction_id": ["punctuation:no_comma"], "kwargs": [null]}]',
    '[{"instruction_id": ["length_constraints:number_words"], "kwargs": [{"relation": "at least", "num_words": 100}]}]',
    '{"func_name": "validate_lowercase"}',
    'not_regex("(?i)\\\\bas an ai\\\\b") AND paragraphs >= 1',
    'IF prompt contains("list") THEN bullets >= 3 ELSE words >= 30',
]
WORDS = "the model writes short clear answers about rivers cities music code tests and data we check rules".split()
PROMPT = "<|im_start|>user\nWrite about rivers.<|im_end|>\n<|im_start|>assistant\n"


def rows(n: int, words: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    queries, labels = [], []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(words))
        queries.append(PROMPT + text + ". done<|im_end|>")
        labels.append(LABELS[i % len(LABELS)])
    return {"query": queries, "prompts": [PROMPT] * n, "labels": labels}


def run_for(seconds: float, fn) -> tuple:
    """(calls, elapsed) calling fn until ``seconds`` have passed (at least 3 calls)."""
    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < seconds:
        fn()
        calls += 1
    return calls, time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--words", type=int, default=150)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}, "
          f"load average {load:.1f}")
    print(f"lsr serve, {args.workers} worker processes, rows of ~{args.words} words, 8 labels (warm cache)\n")

    scorer = Scorer()
    body = rows(512, args.words)
    plain = [("query", q, p, lab) for q, p, lab in zip(body["query"], body["prompts"], body["labels"])]
    score_rows(scorer, plain)
    calls, elapsed = run_for(args.seconds, lambda: score_rows(scorer, plain))
    in_process = 512 * calls / elapsed

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    url = base + "/get_reward"
    server = subprocess.Popen([sys.executable, "-m", "lsr_dsl.cli", "serve", "--port", str(port),
                               "--workers", str(args.workers), "--log-level", "warning"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            print("the server did not start", file=sys.stderr)
            return 1
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)

    table = []
    try:
        with httpx.Client(timeout=120) as client:
            for batch in (1, 64, 512):
                body = rows(batch, args.words)

                def post(b=body):
                    r = client.post(url, json=b)
                    assert r.status_code == 200, r.text

                post()  # warm the workers' compile caches
                calls, elapsed = run_for(args.seconds, post)
                table.append((f"{batch}", "1", batch * calls / elapsed, 1000 * elapsed / calls))
            body = rows(1, args.words)

            def one_client(_):
                with httpx.Client(timeout=120) as c:
                    return run_for(args.seconds, lambda: c.post(url, json=body).raise_for_status())

            with concurrent.futures.ThreadPoolExecutor(8) as ex:
                results = list(ex.map(one_client, range(8)))
            calls = sum(c for c, _ in results)
            elapsed = max(e for _, e in results)
            table.append(("1", "8", calls / elapsed, 1000 * elapsed * 8 / calls))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)

    print(f"{'rows/request':>12} {'clients':>8} {'rows/s':>10} {'ms/request':>11}")
    print("-" * 44)
    for batch, clients, rate, ms in table:
        print(f"{batch:>12} {clients:>8} {rate:>10,.0f} {ms:>11.1f}")
    print(f"\nin-process Scorer, one thread, no HTTP: {in_process:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
