"""Shared paths and helpers for the lsr test suite."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: IFEval data laid beside the checkout (``../shared``), or where LSR_SHARED points.
IFEVAL_DATA = Path(os.environ.get("LSR_SHARED", ROOT.parent / "shared")) / "data" / "ifeval"

#: Tests on the shared IFEval data skip on a machine without it, but never in CI
#: (CI=true): there a missing file fails the test instead of hiding it.
needs_ifeval_data = pytest.mark.skipif(
    not (IFEVAL_DATA / "dev_gpt4_reference.jsonl").exists() and not os.environ.get("CI"),
    reason=f"{IFEVAL_DATA} is not available (set LSR_SHARED)",
)
SPECS_DIR = ROOT / "examples" / "specs"
RESPONSES_DIR = ROOT / "examples" / "responses"
GOLDEN_DIR = ROOT / "tests" / "golden"


def example_specs() -> List[Path]:
    """Every example spec file, sorted."""
    return sorted(SPECS_DIR.glob("*.lsr"))


def example_responses() -> List[Tuple[Path, Path, Optional[str]]]:
    """``(spec, response, prompt-or-None)`` for every sample response of every example spec."""
    out = []
    for spec in example_specs():
        folder = RESPONSES_DIR / spec.stem
        for resp in sorted(folder.glob("*.txt")):
            if resp.name.endswith(".prompt.txt"):
                continue
            prompt_file = resp.with_name(resp.stem + ".prompt.txt")
            prompt = prompt_file.read_text(encoding="utf-8") if prompt_file.exists() else None
            out.append((spec, resp, prompt))
    return out

