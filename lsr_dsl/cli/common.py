"""What every ``lsr`` command shares: exit codes, the argument parser class, output helpers."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from lsr_dsl.language.errors import LsrError


EXIT_OK, EXIT_UNSATISFIED, EXIT_BAD_INPUT = 0, 1, 2


class ArgParser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line hint instead of a wall of usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n  hint: run '{self.prog} --help'\n")


def gamma_arg(value: str) -> float:
    """argparse type of ``--gamma``: a number in [0, 1] (0 and 1 included)."""
    try:
        g = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], not {value!r}") from None
    if not 0.0 <= g <= 1.0:  # also refuses NaN
        raise argparse.ArgumentTypeError(f"must be in [0, 1], not {value}")
    return g


def out(text: str = "") -> None:
    sys.stdout.write(text + ("\n" if not text.endswith("\n") else ""))


def print_warnings(prog: Any) -> None:
    for w in getattr(prog, "warnings", ()):
        print(w.render(), file=sys.stderr)


def read_text_arg(value: str, what: str) -> str:
    if value == "-":
        data = sys.stdin.buffer.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LsrError(f"<stdin>: {what} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    from lsr_dsl.api import read_source

    return read_source(value)
