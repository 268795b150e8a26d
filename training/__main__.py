"""``python -m lsr_dsl.training train CONFIG.yaml [--resume]`` (and ``make-tiny-model DIR``).

The entry point for launchers that take a module, e.g.::

    accelerate launch --config_file examples/train/deepspeed_zero3.yaml -m lsr_dsl.training train examples/train/gpu.yaml
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from lsr_dsl.language.errors import LsrError
from lsr_dsl.training.cli import add_make_tiny_model_parser, add_train_parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lsr_dsl.training")
    sub = parser.add_subparsers(dest="command", required=True)
    add_train_parser(sub)
    add_make_tiny_model_parser(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except LsrError as err:
        print(err.render(), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
