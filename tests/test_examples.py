"""The bundled examples and the golden files.

- every examples/specs file compiles without warnings;
- every ``pass-*`` response scores 1.0 and every ``fail-*`` response < 1.0;
- golden files: example → AST JSON (spans included) → formatted source.
  Regenerate with ``.venv/bin/python tools/update_golden.py`` and review the diff.
"""
from __future__ import annotations

import difflib
import importlib.util
import json

import pytest

import lsr_dsl
from lsr_dsl import from_json, parse
from lsr_dsl.language.formatter import format_module

from conftest import GOLDEN_DIR, ROOT, example_responses, example_specs

SPECS = example_specs()
RESPONSES = example_responses()


def test_examples_exist():
    assert len(SPECS) >= 6
    kinds = {p.name.split("-")[0] for _, p, _ in RESPONSES}
    assert kinds == {"pass", "fail"}
    # every spec has at least one passing and one failing sample
    for spec in SPECS:
        names = [r.name for s, r, _ in RESPONSES if s == spec]
        assert any(n.startswith("pass-") for n in names), spec.name
        assert any(n.startswith("fail-") for n in names), spec.name


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_compiles_without_warnings(path):
    programs = lsr_dsl.compile_all(path.read_text(encoding="utf-8"), file=str(path))
    assert programs
    for name, prog in programs.items():
        assert prog.warnings == (), "\n".join(w.render() for w in prog.warnings)
    # and through the file API
    assert lsr_dsl.load(path).warnings == ()


@pytest.mark.parametrize(
    "spec,response,prompt",
    RESPONSES,
    ids=[f"{s.stem}/{r.name}" for s, r, _ in RESPONSES],
)
def test_example_responses(spec, response, prompt):
    prog = lsr_dsl.load(spec)
    result = prog.evaluate(response.read_text(encoding="utf-8"), prompt=prompt)
    assert result.errors == []
    trace = "\n".join(json.dumps(a) for a in result.atoms())
    if response.name.startswith("pass-"):
        assert result.score == 1.0, trace
        assert result.passed
    else:
        assert response.name.startswith("fail-")
        assert 0.0 <= result.score < 1.0, trace
        assert not result.passed


@pytest.mark.parametrize("spec,response,prompt", [r for r in RESPONSES if r[2] is not None], ids=lambda x: getattr(x, "name", ""))
def test_prompt_files_matter(spec, response, prompt):
    """Specs with a prompt condition need the prompt: without it the verifier records an error."""
    prog = lsr_dsl.load(spec)
    result = prog.evaluate(response.read_text(encoding="utf-8"))
    assert result.errors, "a prompt condition without a prompt must record an error"
    assert 0.0 <= result.score <= 1.0


# ---------------------------------------------------------------------------
# golden files

GOLDEN_INPUTS = SPECS + sorted((GOLDEN_DIR / "inputs").glob("*.lsr"))


def _diff(expected: str, actual: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"golden/{name}",
            tofile=f"actual/{name}",
        )
    )


def _check_golden(path, actual: str) -> None:
    assert path.exists(), f"missing golden file {path.name}; run tools/update_golden.py"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = _diff(expected, actual, path.name)
        print(diff)
        pytest.fail(f"{path.name} differs from its golden file (run tools/update_golden.py and review):\n{diff}")


@pytest.mark.parametrize("src", GOLDEN_INPUTS, ids=lambda p: p.stem)
def test_golden_ast_json(src):
    rel = src.relative_to(ROOT).as_posix()
    module = parse(src.read_text(encoding="utf-8"), file=rel)
    actual = json.dumps(module.to_json(spans=True), indent=2, ensure_ascii=False) + "\n"
    _check_golden(GOLDEN_DIR / f"{src.stem}.ast.json", actual)


@pytest.mark.parametrize("src", GOLDEN_INPUTS, ids=lambda p: p.stem)
def test_golden_fmt(src):
    rel = src.relative_to(ROOT).as_posix()
    actual = lsr_dsl.fmt(src.read_text(encoding="utf-8"), file=rel)
    _check_golden(GOLDEN_DIR / f"{src.stem}.fmt.lsr", actual)


@pytest.mark.parametrize("src", GOLDEN_INPUTS, ids=lambda p: p.stem)
def test_golden_files_agree(src):
    """The golden AST JSON loads back to the module the golden source parses to, spans included."""
    ast_doc = json.loads((GOLDEN_DIR / f"{src.stem}.ast.json").read_text(encoding="utf-8"))
    fmt_text = (GOLDEN_DIR / f"{src.stem}.fmt.lsr").read_text(encoding="utf-8")
    module = from_json(ast_doc)
    assert module.to_json(spans=True) == ast_doc
    rel = src.relative_to(ROOT).as_posix()
    assert module.file == rel
    assert parse(fmt_text, file=rel) == module
    assert parse(format_module(module), file=rel) == module
    # the golden source is canonical
    assert lsr_dsl.fmt(fmt_text) == fmt_text


def test_golden_inputs_compile():
    for src in sorted((GOLDEN_DIR / "inputs").glob("*.lsr")):
        assert lsr_dsl.compile_all(src.read_text(encoding="utf-8"), file=str(src)), src.name


def test_no_stray_golden_files():
    stems = {p.stem for p in GOLDEN_INPUTS}
    for f in GOLDEN_DIR.iterdir():
        if f.is_file():
            stem = f.name.split(".")[0]
            assert stem in stems, f"golden file {f.name} has no input"


def test_update_golden_tool_agrees():
    spec = importlib.util.spec_from_file_location("update_golden", ROOT / "tools" / "update_golden.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--check"]) == 0
