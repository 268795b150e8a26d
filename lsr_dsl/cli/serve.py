"""``lsr serve``: run the reward server (needs the ``serve`` extra: fastapi, uvicorn)."""
from __future__ import annotations

import argparse
import math
import sys
from typing import Any, List

from lsr_dsl.language.errors import LsrConfigError

__all__ = ["add_serve_parser", "cmd_serve"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (threads) or more, not {value}")
    return value


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of MiB, not {text!r}")
    return value


def _gamma(text: str) -> float:
    try:
        return float(text)  # the range is the compiler's (checked when the server is configured)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def add_serve_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="run a reward server over HTTP (OpenRLHF --remote_rm_url, any HTTP trainer)",
        description=(
            "Serve LsRM rewards over HTTP. POST /get_reward takes OpenRLHF's {query, prompts, labels} and answers "
            "{rewards, scores, extra_logs}; POST /score takes {rows: [{response, label, prompt?}]} and answers each "
            "row's score, all_pass and leaves; GET /health; GET /metrics (Prometheus). Labels are lsr specs (source "
            "or AST JSON), {spec, prompt}, or IFEval/RLVR ground truth. A row that cannot be scored fails the request "
            "with 422 naming the row, unless --on-error zero. See docs/training.md."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=_workers, default=2, metavar="N",
                   help="scoring worker processes (default 2; 0: threads inside the server process)")
    p.add_argument("--mode", choices=["lsrm", "flat", "strict"], default=None, help="override every spec's aggregation mode")
    p.add_argument("--gamma", type=_gamma, default=None, help="default THEN decay, as in `set gamma` (a spec's own THEN[gamma=…] still wins)")
    p.add_argument("--strip-think", action="store_true", help="score only the text after </think> (reasoning models)")
    p.add_argument("--on-error", choices=["raise", "zero"], default="raise",
                   help="a row that cannot be scored: 'raise' (default) fails the request with 422 naming the row; "
                   "'zero' scores it 0.0 and reports lsr_error=1 in extra_logs")
    p.add_argument("--eos-text", action="append", default=None, metavar="TEXT",
                   help="end-of-sequence text to strip from the end of OpenRLHF queries (repeatable; replaces the "
                   "default list: <|im_end|>, <|endoftext|>, </s>, <|eot_id|>, <|end_of_text|>, <end_of_turn>, …)")
    p.add_argument("--max-rows", type=_positive_int, default=4096, metavar="N", help="rows per request at most (default 4096; more: 413)")
    p.add_argument("--max-body-mb", type=_megabytes, default=16.0, metavar="MIB", help="request body size limit in MiB (default 16; more: 413)")
    p.add_argument("--cache-size", type=_positive_int, default=4096, metavar="N", help="compiled specs kept per worker (LRU, default 4096)")
    p.add_argument("--no-extra-logs", action="store_true",
                   help="leave extra_logs out of /get_reward answers (OpenRLHF 0.8.x torch.cat()s extra_logs as tensors, "
                   "which JSON lists are not: use this flag with OpenRLHF 0.8.x)")
    p.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"], default="info", help="uvicorn's log level")
    p.set_defaults(func=cmd_serve)


def build_config(args: argparse.Namespace) -> Any:
    from lsr_dsl.rewards.remote import DEFAULT_EOS_TEXTS, ScoringOptions, check_options
    from lsr_dsl.rewards.server import ServeConfig

    eos: List[str] = list(DEFAULT_EOS_TEXTS) if args.eos_text is None else [t for t in args.eos_text if t]
    scoring = check_options(ScoringOptions(mode=args.mode, gamma=args.gamma, strip_think=bool(args.strip_think),
                                           eos_texts=tuple(eos), cache_size=args.cache_size))
    return ServeConfig(scoring=scoring, on_error=args.on_error, workers=args.workers,
                       max_body_bytes=int(args.max_body_mb * 1024 * 1024), max_rows=args.max_rows,
                       extra_logs=not args.no_extra_logs)


def cmd_serve(args: argparse.Namespace) -> int:
    config = build_config(args)
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as e:
        raise LsrConfigError(f"lsr serve needs the 'serve' extra ({e.name} is not installed): pip install 'lsr-dsl[serve]'") from None
    if not 0 <= args.port <= 65535:
        raise LsrConfigError(f"--port must be in 0..65535, not {args.port}")
    import logging

    from lsr_dsl.rewards.server import create_app

    logging.basicConfig(format="%(levelname)s:     %(name)s: %(message)s", level=args.log_level.upper())
    print(f"lsr serve: http://{args.host}:{args.port}  (POST /get_reward, POST /score, GET /health, GET /metrics; "
          f"{config.workers or 'no'} worker process{'es' if config.workers != 1 else ''}, on_error={config.on_error})",
          file=sys.stderr, flush=True)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0

