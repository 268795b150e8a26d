"""docs/constraints.md is generated from the registry and must be up to date."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import lsr_dsl.constraints  # noqa: F401  (registers every built-in constraint)
from lsr_dsl.compiler.catalogue import example_params, render_markdown
from lsr_dsl.constraints.registry import REGISTRY, Params, Registry

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "constraints.md"
DEFS = REGISTRY.definitions()


def test_docs_are_up_to_date():
    assert DOC.exists(), "run: python -m lsr_dsl.compiler.catalogue > docs/constraints.md"
    assert DOC.read_text(encoding="utf-8") == render_markdown(REGISTRY), (
        "docs/constraints.md is stale; regenerate with: python -m lsr_dsl.compiler.catalogue > docs/constraints.md"
    )


def test_cli_prints_the_same_page():
    out = subprocess.run([sys.executable, "-m", "lsr_dsl.compiler.catalogue"], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout == render_markdown(REGISTRY)


@pytest.mark.parametrize("c", DEFS, ids=[c.name for c in DEFS])
def test_every_constraint_has_summary_and_valid_example(c):
    assert c.summary.strip(), f"{c.name} has no summary"
    assert c.example.strip(), f"{c.name} has no example"
    p = example_params(c)
    assert isinstance(p, c.params)


@pytest.mark.parametrize("c", DEFS, ids=[c.name for c in DEFS])
def test_every_constraint_is_documented(c):
    page = render_markdown(REGISTRY)
    assert f"### `{c.name}`" in page
    assert c.example in page
    for name, f in c.params.model_fields.items():
        assert f"`{f.alias or name}`" in page


def test_render_is_deterministic_and_covers_a_small_registry():
    from lsr_dsl.constraints.registry import ConstraintDef, Verdict

    class P(Params):
        pass

    reg = Registry()
    reg.add(ConstraintDef(name="zz", check=lambda p, t: Verdict.ok("ok"), params=P, summary="Z.", example="zz"))
    reg.add(ConstraintDef(name="aa", check=lambda p, t: Verdict.ok("ok"), params=P, family="x", summary="A.", example="aa"))
    a, b = render_markdown(reg), render_markdown(reg)
    assert a == b and "2 constraints" in a and a.index("### `zz`") < a.index("### `aa`")  # known family first


def test_relation_param_found_by_name_or_type():
    assert REGISTRY.get("count").relation_param == "relation"
    assert REGISTRY.get("capital_words").relation_param == "capital_relation"
    assert REGISTRY.get("no_comma").relation_param is None
