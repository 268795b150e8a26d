"""Testing specs like code.

- :mod:`.runner`: run the ``example`` blocks of spec files (``lsr test``, the pytest plugin);
- :mod:`.strategies`: hypothesis strategies, :func:`specs` (random valid specs) and
  :func:`responses` (texts built to satisfy, or to violate, a spec of hard constraints);
- :mod:`.pytest_plugin`: collects ``.lsr`` files as pytest items, one per example.

hypothesis is a development dependency: it is imported only when a strategy is asked for.
"""
from __future__ import annotations

from typing import Any

from lsr_dsl.testing.runner import ExampleOutcome, FileOutcome, find_spec_files, run_file, run_paths

__all__ = ["ExampleOutcome", "FileOutcome", "find_spec_files", "run_file", "run_paths", "specs", "responses", "CannotBuild", "build_response", "coverage"]

_LAZY = {"specs": "strategies", "responses": "strategies", "CannotBuild": "builders", "build_response": "builders", "coverage": "builders"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"lsr_dsl.testing.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'lsr_dsl.testing' has no attribute {name!r}")
