"""The ``lsr`` command line.

Exit codes: 0 ok; 1 the check ran and the spec was not fully satisfied
(``lsr check``) or files need formatting (``lsr fmt --check``); 2 bad input or
usage. Bad input never prints a Python traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from lsr_dsl.cli.catalogue import add_constraints_parser, add_schema_parser
from lsr_dsl.cli.common import ArgParser, EXIT_BAD_INPUT, EXIT_OK
from lsr_dsl.cli.demo import add_demo_parser
from lsr_dsl.cli.specs import add_check_parser, add_compile_parser, add_fmt_parser
from lsr_dsl.cli.spectest import add_test_parser
from lsr_dsl.language.errors import LsrError
from lsr_dsl.version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = ArgParser(
        prog="lsr",
        description="lsr: a constraint-logic DSL and verifier compiler for LLM instruction following, with a GRPO training loop.",
        epilog="Exit codes: 0 ok; 1 spec not fully satisfied (check) or files need formatting (fmt --check); 2 bad input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"lsr {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgParser)
    add_compile_parser(sub)
    add_check_parser(sub)
    add_fmt_parser(sub)
    add_test_parser(sub)
    from lsr_dsl.cli.evaluate import add_eval_parser, add_import_parser

    add_import_parser(sub)
    add_eval_parser(sub)
    from lsr_dsl.cli.compare import add_diff_parser

    add_diff_parser(sub)
    from lsr_dsl.cli.datasets import add_convert_parser, add_generate_parser, add_render_parser, add_stats_parser

    add_render_parser(sub)
    add_generate_parser(sub)
    add_stats_parser(sub)
    add_convert_parser(sub)
    from lsr_dsl.training.cli import add_ablate_parser, add_convert_gguf_parser, add_make_tiny_model_parser, add_train_parser  # no torch import until `lsr train` runs

    add_train_parser(sub)
    add_make_tiny_model_parser(sub)
    add_ablate_parser(sub)
    add_convert_gguf_parser(sub)
    from lsr_dsl.cli.serve import add_serve_parser  # fastapi/uvicorn are imported only when `lsr serve` runs

    add_serve_parser(sub)
    add_constraints_parser(sub)
    add_schema_parser(sub)
    add_demo_parser(sub)
    from lsr_dsl.cli.analyze import add_analyze_parser

    add_analyze_parser(sub)
    from lsr_dsl.cli.judges import add_judge_data_parser, add_train_judge_parser  # torch only when train-judge runs

    add_judge_data_parser(sub)
    add_train_judge_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except LsrError as e:
        sys.stdout.flush()
        print(e.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
