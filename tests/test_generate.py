"""lsr generate and lsr stats (issue 11 items 2 and 3)."""
from __future__ import annotations

import collections
import json
import random
from pathlib import Path

import pytest

import lsr_dsl
from lsr_dsl.cli.main import main
from lsr_dsl.constraints.registry import REGISTRY
from lsr_dsl.data.generate import GenerateOptions, generate, parse_mix, read_seeds, split_rows
from lsr_dsl.data.samplers import CONDITIONS, SAMPLERS
from lsr_dsl.data.stats import dataset_stats

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "data" / "seeds.jsonl"


@pytest.fixture(scope="module")
def seeds():
    return read_seeds(str(SEEDS))


def test_bundled_seed_tasks(seeds):
    assert len(seeds) >= 200
    assert len({s.task for s in seeds}) == len(seeds)
    kinds = collections.Counter(json.loads(l)["kind"] for l in SEEDS.read_text().splitlines())
    assert kinds["writing"] >= 80 and kinds["qa"] >= 80


def test_same_seed_same_rows_and_other_seed_other_rows(seeds):
    opts = GenerateOptions(n=40, seed=3)
    a, b = list(generate(seeds, opts)), list(generate(seeds, opts))
    assert a == b
    c = list(generate(seeds, GenerateOptions(n=40, seed=4)))
    assert [r["spec"] for r in a] != [r["spec"] for r in c]


def test_mix_depth_and_validity(seeds):
    mix = parse_mix("parallel=0.45,sequential=0.27,conditional=0.28")
    rows = list(generate(seeds, GenerateOptions(n=100, mix=mix, seed=1, max_depth=2)))
    counts = collections.Counter(r["structure"] for r in rows)
    assert counts == {"parallel": 45, "sequential": 27, "conditional": 28}
    for r in rows:
        prog = lsr_dsl.compile(r["spec"])
        assert not prog.warnings, r["spec"]
        assert 1 <= r["depth"] <= 2
        assert r["constraints"] == [a.name for a in prog.atoms()]
        assert {"and": "parallel", "then": "sequential", "if": "conditional"}[prog.root.kind] == r["structure"]
        assert r["prompt"].endswith(r["instruction"]) and r["prompt"].startswith(next(s.task for s in seeds if s.id == r["task_id"]))
        labels = [a.label for a in prog.atoms()]
        assert len(set(labels)) == len(labels), r["spec"]  # no atom twice
    assert any(r["depth"] == 2 for r in rows)
    many = list(generate(seeds, GenerateOptions(n=400, seed=11)))
    case = {"lowercase", "capital_words", "capitalized_sentences"}
    for r in many:  # one atom per property group: no two length limits, no case rule beside sections
        names = set(r["constraints"])
        assert not ("sections" in names and names & case), r["spec"]
        assert len(names & {"words", "word_count_range", "sentences", "chars"}) <= 1, r["spec"]
    flat = list(generate(seeds, GenerateOptions(n=30, seed=1, max_depth=1)))
    assert all(r["depth"] == 1 for r in flat)
    atoms = list(generate(seeds, GenerateOptions(n=5, mix={"atom": 1.0}, seed=1)))
    assert all(r["depth"] == 0 and len(r["constraints"]) == 1 for r in atoms)


def test_family_limits_and_soft(seeds):
    rows = list(generate(seeds, GenerateOptions(n=30, seed=2, families=("markdown", "length", "content"))))
    fams = {REGISTRY.get(n).family for r in rows for n in r["constraints"]}
    assert fams <= {"markdown", "length", "content"}
    hard = list(generate(seeds, GenerateOptions(n=60, seed=2)))
    assert all(REGISTRY.get(n).kind == "hard" for r in hard for n in r["constraints"])
    soft = list(generate(seeds, GenerateOptions(n=60, seed=2, soft=True)))
    assert any(REGISTRY.get(n).kind == "soft" for r in soft for n in r["constraints"])


def test_conditions_can_go_both_ways():
    rich = (
        "# Notes\n\nI think, and I know, that this example matters because data has history and risk; however, "
        + "word " * 220
        + "\n\n1. one\n2. two\n3. three\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n"
    )
    poor = "ok"
    rng = random.Random(0)
    for s in CONDITIONS:
        for _ in range(5):
            prog = lsr_dsl.compile(s.draw(rng))
            assert prog.score(rich) == 1.0 and prog.score(poor) == 0.0, prog.source


def test_every_sampler_names_a_registered_constraint_and_compiles():
    rng = random.Random(1)
    for s in SAMPLERS + CONDITIONS:
        for _ in range(5):
            prog = lsr_dsl.compile(s.draw(rng))
            assert prog.root.name == s.name and not prog.warnings


def test_split_is_disjoint_by_seed_task(seeds):
    rows = list(generate(seeds, GenerateOptions(n=200, seed=5)))
    train, held = split_rows(rows, seeds, 0.1, 5)
    assert len(train) + len(held) == 200 and held
    assert not {r["task_id"] for r in train} & {r["task_id"] for r in held}
    assert 0.03 < len(held) / 200 < 0.2


def test_cli_generate_split_and_stats(tmp_path, capsys):
    out = tmp_path / "d.jsonl"
    argv = ["generate", "--seeds", str(SEEDS), "--n", "60", "--seed", "9", "--split", "heldout=0.2", "-o", str(out), "-q"]
    assert main(argv) == 0
    train, held = tmp_path / "d.train.jsonl", tmp_path / "d.heldout.jsonl"
    tr = [json.loads(l) for l in train.read_text().splitlines()]
    he = [json.loads(l) for l in held.read_text().splitlines()]
    assert len(tr) + len(he) == 60 and not {r["task_id"] for r in tr} & {r["task_id"] for r in he}
    first = train.read_bytes()
    assert main(argv) == 0 and train.read_bytes() == first
    capsys.readouterr()
    assert main(["stats", str(train), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rows"] == len(tr)
    assert d["total"]["constraints"] == sum(len(r["constraints"]) for r in tr) == sum(d["per_constraint"].values())
    assert sum(g["instructions"] for g in d["by_structure"].values()) == len(tr) == sum(d["depth"].values())
    for s, g in d["by_structure"].items():
        assert g["constraint_types"] == len({n for r in tr if r["structure"] == s for n in r["constraints"]})


def test_stats_by_hand_and_from_specs(tmp_path, capsys):
    f = tmp_path / "rows.jsonl"
    rows = [
        {"prompt": "p1", "spec": "no_comma AND words >= 3"},
        {"prompt": "p2", "spec": 'starts_with("A") THEN (no_comma AND lowercase)'},
        {"prompt": "p2", "spec": "IF headings >= 1 THEN no_comma ELSE title"},
        {"prompt": "p3", "spec": "no_comma AND title AND lowercase"},
    ]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["stats", str(f), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["by_structure"] == {
        "parallel": {"instructions": 2, "share": 0.5, "constraints": 5, "constraint_types": 4},
        "sequential": {"instructions": 1, "share": 0.25, "constraints": 3, "constraint_types": 3},
        "conditional": {"instructions": 1, "share": 0.25, "constraints": 3, "constraint_types": 3},
    }
    assert d["depth"] == {"1": 3, "2": 1} and d["distinct_prompts"] == 3
    assert d["per_constraint"]["no_comma"] == 4 and d["total"] == {"instructions": 4, "constraints": 11, "constraint_types": 6}
    assert main(["stats", str(f)]) == 0
    assert "parallel" in capsys.readouterr().out


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    out = str(tmp_path / "o.jsonl")
    assert main(["generate", "--seeds", str(SEEDS), "--n", "5", "--mix", "paralel=1", "-o", out]) == 2
    assert "did you mean 'parallel'" in capsys.readouterr().err
    bad = tmp_path / "seeds.jsonl"
    bad.write_text('{"id": "a", "task": "x"}\n{oops\n')
    assert main(["generate", "--seeds", str(bad), "--n", "5", "-o", out]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err
    assert main(["generate", "--seeds", str(SEEDS), "--n", "5", "--constraints", "markdwn", "-o", out]) == 2
    assert "did you mean 'markdown'" in capsys.readouterr().err
    rows = tmp_path / "r.jsonl"
    rows.write_text('{"spec": "no_coma"}\n')
    assert main(["stats", str(rows)]) == 2
    assert f"{rows}:1: the spec does not compile" in capsys.readouterr().err
