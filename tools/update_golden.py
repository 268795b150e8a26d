"""Regenerate the golden files under tests/golden/.

For every example spec (examples/specs/*.lsr) and every extra input
(tests/golden/inputs/*.lsr) it writes

- ``tests/golden/<stem>.ast.json``: the AST interchange JSON, spans included;
- ``tests/golden/<stem>.fmt.lsr``: the canonical source (``lsr fmt``, comments kept).

Usage::

    .venv/bin/python tools/update_golden.py           # rewrite the golden files
    .venv/bin/python tools/update_golden.py --check   # exit 1 if any is out of date

Review the diff (``git diff tests/golden``) before committing regenerated files.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def sources() -> List[Path]:
    """The input files, examples first; stems must be unique."""
    files = sorted((ROOT / "examples" / "specs").glob("*.lsr")) + sorted((GOLDEN / "inputs").glob("*.lsr"))
    stems = [f.stem for f in files]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise SystemExit(f"duplicate golden names: {', '.join(dupes)}")
    return files


def render(path: Path) -> Tuple[str, str]:
    """``(ast_json_text, formatted_source)`` for one input file."""
    sys.path.insert(0, str(ROOT))
    from lsr_dsl import fmt, parse

    rel = path.relative_to(ROOT).as_posix()  # spans name the file machine-independently
    source = path.read_text(encoding="utf-8")
    module = parse(source, file=rel)
    ast_text = json.dumps(module.to_json(spans=True), indent=2, ensure_ascii=False) + "\n"
    return ast_text, fmt(source, file=rel)


def expected() -> Dict[Path, str]:
    """Every golden file and the text it should hold."""
    out: Dict[Path, str] = {}
    for src in sources():
        ast_text, fmt_text = render(src)
        out[GOLDEN / f"{src.stem}.ast.json"] = ast_text
        out[GOLDEN / f"{src.stem}.fmt.lsr"] = fmt_text
    return out


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="report out-of-date golden files instead of writing them")
    args = ap.parse_args(argv)
    stale = []
    for path, text in expected().items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
        print(("stale: " if args.check else "wrote: ") + path.relative_to(ROOT).as_posix())
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
