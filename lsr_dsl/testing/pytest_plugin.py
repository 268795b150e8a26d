"""A pytest plugin (entry point ``pytest11``, name ``lsr``): spec files as test items.

Every ``*.lsr`` file pytest meets while collecting becomes a collector with one item per
``example`` block; a failing item shows the example's trace as ``lsr check`` prints it. A
file that does not compile is one failing item that shows the compile errors. Files with no
example blocks yield no items, and are not even parsed when the text has no ``example``.

Turn it off for a project with ``lsr_collect = false`` in the pytest ini options, or for one
run with ``-p no:lsr``. Nothing from lsr is imported until a spec file is collected.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

_MAYBE_EXAMPLE = re.compile(r"\bexample\b")


def pytest_addoption(parser: Any) -> None:
    parser.addini("lsr_collect", type="bool", default=True, help="collect .lsr spec files: one test per example block (lsr)")


def pytest_collect_file(file_path: Path, parent: Any) -> Optional[pytest.Collector]:
    if file_path.suffix != ".lsr" or not parent.config.getini("lsr_collect"):
        return None
    try:
        text = file_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = "example"  # let the collector report the problem
    if not _MAYBE_EXAMPLE.search(text):
        return None
    return SpecFile.from_parent(parent, path=file_path)


class SpecFile(pytest.File):
    """One spec file: an item per example block."""

    def collect(self) -> Iterator[pytest.Item]:
        from lsr_dsl.testing.runner import run_file

        outcome = run_file(self.path)
        if outcome.error is not None:
            yield SpecCompileError.from_parent(self, name="compile", error=outcome.error)
            return
        for example in outcome.examples:
            yield SpecExample.from_parent(self, name=example.name, outcome=example)


class SpecExampleFailed(Exception):
    """An example did not get the outcome it expects."""


class SpecExample(pytest.Item):
    """One example block: passes when the response gets the outcome the block expects."""

    def __init__(self, *, outcome: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcome = outcome

    def runtest(self) -> None:
        if not self.outcome.ok:
            raise SpecExampleFailed(self.outcome.report())

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, SpecExampleFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple:
        line = (self.outcome.line or 1) - 1
        return self.path, line, self.name


class SpecCompileError(pytest.Item):
    """A spec file that does not compile: one failing item with the compiler's errors."""

    def __init__(self, *, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise SpecExampleFailed(self.error)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple:
        return self.path, 0, self.name
