"""The package layout keeps its layers (docs/architecture.md): no import goes up, no import circles.

Imports are read with :mod:`ast` (module level and inside functions, relative ones resolved),
so a lazy import inside a function counts as much as one at the top of a file.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Lowest first. A unit may import its own modules and any unit of a lower layer; units that
#: share a layer are peers and import neither each other nor anything above them.
LAYERS: Tuple[Tuple[str, ...], ...] = (
    ("version",),
    ("language",),  # with grammar/ (installed as lsr_dsl.grammar)
    ("text",),
    ("judges",),
    ("constraints",),
    ("compiler",),
    ("verifier",),
    ("api",),
    ("data",),
    ("evaluation", "rewards", "testing"),  # testing: lsr test, the pytest plugin, hypothesis strategies
    ("training",),  # training/ (installed as lsr_dsl.training)
    ("analysis",),  # lsr analyze: parameter change and saliency of trained checkpoints
    ("cli",),
    ("__init__", "reward", "verl", "judge"),  # the public facade and the old import paths
)
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}
ALIASES = {"grammar": "language"}


def package_modules(root: Path) -> Dict[str, Path]:
    """Dotted module name -> file, for lsr_dsl/ and the folders installed inside it."""
    found: Dict[str, Path] = {}
    sources = [(root / "lsr_dsl", "lsr_dsl"), (root / "training", "lsr_dsl.training"), (root / "grammar", "lsr_dsl.grammar")]
    for folder, dotted in sources:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([dotted] + parts)] = path
    return found


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported_modules(name: str, path: Path, modules: Dict[str, Path]) -> Set[Tuple[str, int]]:
    """(module of lsr_dsl, line) for every import in ``path``, resolved to a known module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: Set[Tuple[str, int]] = set()
    for node in ast.walk(tree):
        targets: List[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                keep = len(base) - node.level + (1 if _is_package(path) else 0)
                prefix = ".".join(base[:keep] + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [prefix + "." + a.name if prefix + "." + a.name in modules else prefix for a in node.names]
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t.startswith("lsr_dsl"):
                out.add((t, node.lineno))
    return out


def unit_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return ALIASES.get(parts[1], parts[1])


def upward_imports(root: Path) -> List[str]:
    """Every import that breaks the layer rule, as 'file:line: a (unit) imports b (unit)'."""
    modules = package_modules(root)
    problems = []
    for name, path in modules.items():
        me = unit_of(name)
        if me not in RANK:
            problems.append(f"{path.relative_to(root)}: unit {me!r} has no layer; add it to LAYERS and docs/architecture.md")
            continue
        for target, line in sorted(imported_modules(name, path, modules)):
            other = unit_of(target)
            if other == me or other not in RANK:
                continue
            if RANK[other] > RANK[me] or (RANK[other] == RANK[me] and other != me):
                problems.append(f"{path.relative_to(root)}:{line}: {name} ({me}) imports {target} ({other}), which is not below it")
    return problems


def import_cycles(root: Path) -> List[List[str]]:
    """Strongly connected groups of modules (a package importing its own submodules does not count)."""
    modules = package_modules(root)
    edges: Dict[str, Set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, _ in imported_modules(name, path, modules):
            if target != name and not name.startswith(target + ".") and not target.startswith(name + "."):
                edges[name].add(target)
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on: Set[str] = set()
    groups: List[List[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def test_no_upward_imports():
    assert upward_imports(ROOT) == []


def test_no_import_cycles():
    assert import_cycles(ROOT) == []


def test_every_unit_has_a_layer_and_a_room_in_the_docs():
    units = {unit_of(m) for m in package_modules(ROOT)}
    assert units <= set(RANK), units - set(RANK)
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for unit in units - {"__init__", "version", "reward", "verl", "judge"}:
        folder = {"training": "training/", "language": "lsr_dsl/language/"}.get(unit, f"lsr_dsl/{unit}")
        assert folder in doc, f"docs/architecture.md does not name {folder}"


def _fake_tree(tmp_path: Path, files: Dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "source",
    [
        "from lsr_dsl.cli.main import main\n",  # absolute, module level
        "def f():\n    from lsr_dsl.rewards import trl\n",  # lazy, inside a function
        "from ..verifier import nodes\n",  # relative
        "import lsr_dsl.api\n",
    ],
)
def test_an_upward_import_is_caught(tmp_path, source):
    root = _fake_tree(
        tmp_path,
        {
            "lsr_dsl/__init__.py": "",
            "lsr_dsl/api.py": "",
            "lsr_dsl/language/__init__.py": "",
            "lsr_dsl/language/parser.py": source,
            "lsr_dsl/verifier/__init__.py": "",
            "lsr_dsl/verifier/nodes.py": "from lsr_dsl.language import parser\n",
            "lsr_dsl/rewards/__init__.py": "",
            "lsr_dsl/rewards/trl.py": "",
            "lsr_dsl/cli/__init__.py": "",
            "lsr_dsl/cli/main.py": "",
        },
    )
    problems = upward_imports(root)
    assert len(problems) == 1 and re.search(r"lsr_dsl/language/parser\.py:\d+: lsr_dsl\.language\.parser \(language\) imports", problems[0]), problems


def test_peers_do_not_import_each_other(tmp_path):
    root = _fake_tree(
        tmp_path,
        {
            "lsr_dsl/__init__.py": "",
            "lsr_dsl/evaluation/__init__.py": "",
            "lsr_dsl/evaluation/runner.py": "from lsr_dsl.rewards.trl import LsrReward\n",
            "lsr_dsl/rewards/__init__.py": "",
            "lsr_dsl/rewards/trl.py": "",
        },
    )
    assert len(upward_imports(root)) == 1


def test_a_cycle_is_caught(tmp_path):
    root = _fake_tree(
        tmp_path,
        {
            "lsr_dsl/__init__.py": "",
            "lsr_dsl/cli/__init__.py": "",
            "lsr_dsl/cli/main.py": "from lsr_dsl.cli import demo\n",
            "lsr_dsl/cli/demo.py": "def f():\n    from lsr_dsl.cli.main import main\n",
        },
    )
    assert import_cycles(root) == [["lsr_dsl.cli.demo", "lsr_dsl.cli.main"]]
