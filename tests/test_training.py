"""The GRPO training loop (TRL), its config, the tiny model and the CLI hooks."""
from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import pytest

import lsr_dsl
from lsr_dsl.language.errors import LsrConfigError, LsrDataError

pytest.importorskip("trl")
pytest.importorskip("torch")

from lsr_dsl.training import _demo_data  # noqa: E402
from lsr_dsl.training.callbacks import MetricsJsonlCallback, metrics_record, read_metrics, reward_start_end  # noqa: E402
from lsr_dsl.training.cli import add_make_tiny_model_parser, add_train_parser  # noqa: E402
from lsr_dsl.training.config import load_config  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "train"


def _cli(argv):
    parser = argparse.ArgumentParser(prog="lsr")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add_train_parser(sub)
    add_make_tiny_model_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny") / "model"
    assert _cli(["make-tiny-model", str(d)]) == 0
    return d


def _write_config(tmp_path: Path, model: Path, **grpo) -> Path:
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _demo_data.ROWS))
    g = {"num_generations": 4, "per_device_train_batch_size": 8, "max_completion_length": 8,
         "learning_rate": 0.01, "beta": 0.0, "max_steps": 3, "gradient_checkpointing": False, **grpo}
    cfg = {
        "model": str(model),
        "dataset": {"path": "data.jsonl"},
        "mode": "lsrm",
        "seed": 0,
        "output_dir": str(tmp_path / "out"),
        "save_steps": 3,
        "logging_steps": 1,
        "grpo": g,
    }
    p = tmp_path / "train.yaml"
    import yaml

    p.write_text(yaml.safe_dump(cfg))
    return p


def test_make_tiny_model(tiny_model):
    from transformers import AutoConfig, AutoTokenizer

    cfg = AutoConfig.from_pretrained(tiny_model)
    assert cfg.model_type == "llama"
    tok = AutoTokenizer.from_pretrained(tiny_model)
    assert tok.eos_token and tok.pad_token and tok.bos_token
    info = json.loads((tiny_model / "lsr_tiny_model.json").read_text())
    assert 50_000 <= info["params"] <= 1_000_000
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert "hi" in text and text.endswith("<|assistant|>\n")
    assert tok.decode(tok("Hello, world")["input_ids"]) == "Hello, world"
    # rebuilding is a no-op unless forced; seeded weights are reproducible
    from lsr_dsl.training.tiny_model import make_tiny_model

    assert make_tiny_model(tiny_model)["created"] is False


@pytest.mark.slow
def test_grpo_three_steps_then_resume(tmp_path, tiny_model):
    import warnings

    cfg = _write_config(tmp_path, tiny_model)
    out = tmp_path / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _cli(["train", str(cfg)]) == 0
    assert not [w for w in caught if "is_gradient_checkpointing" in str(w.message)]  # silenced at saves
    rows = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2, 3]
    for r in rows:
        assert 0.0 <= r["reward"] <= 1.0
        assert "reward_std" in r and "completion_length" in r
        assert any(k.startswith("reward/") for k in r)  # per-structure rewards
    assert (out / "checkpoint-3" / "trainer_state.json").exists()
    assert (out / "checkpoint-3" / "optimizer.pt").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 3 and summary["reward_start"] is not None and summary["reward_end"] is not None
    assert summary["precision"] == "fp32"
    assert (out / "reward_curve.png").stat().st_size > 1000

    # --resume with more steps: the step count and the optimizer state carry on
    import logging

    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    trainer_log = logging.getLogger("transformers.trainer")
    trainer_log.addHandler(handler)
    try:
        assert _cli(["train", str(cfg), "--resume", "--max-steps", "5"]) == 0
    finally:
        trainer_log.removeHandler(handler)
    # the tied lm_head is not in the checkpoint (save_pretrained drops it): no "missing keys" noise
    assert not [m for m in seen if "missing keys" in m]
    rows = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5]
    state = json.loads((out / "checkpoint-5" / "trainer_state.json").read_text())
    assert state["global_step"] == 5
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 5 and summary["resumed_from"].endswith("checkpoint-3")
    # the resumed weights are the checkpoint's, lm_head included (tied to the embeddings)
    from transformers import AutoModelForCausalLM

    m = AutoModelForCausalLM.from_pretrained(out / "checkpoint-5")
    assert m.config.tie_word_embeddings and m.lm_head.weight is m.model.embed_tokens.weight


def test_config_examples_validate():
    cfg = load_config(EXAMPLES / "tiny.yaml")
    assert cfg.mode == "lsrm" and cfg.grpo.max_steps > 0
    # the bundled demo copy matches the example files
    assert (EXAMPLES / "tiny.yaml").read_text() == _demo_data.TINY_YAML
    rows = [json.loads(l) for l in (EXAMPLES / "tiny.jsonl").read_text().splitlines() if l.strip()]
    assert rows == _demo_data.ROWS
    structures = {lsr_dsl.compile_any(r["spec"]).structure for r in rows}
    assert {"and", "then", "if", "nested"} <= structures
    for name in ("gpu.yaml", "lora.yaml"):
        if (EXAMPLES / name).exists():
            load_config(EXAMPLES / name)


def test_config_errors_name_file_and_field(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(textwrap.dedent("""\
        model: m
        dataset: d.jsonl
        grpo:
          learning_rate: fast
        """))
    with pytest.raises(LsrConfigError) as ei:
        load_config(p)
    msg = str(ei.value)
    assert f"{p}: grpo.learning_rate: Input should be a valid number" in msg
    rendered = ei.value.render()
    assert f"{p}:4:18" in rendered and "learning_rate: fast" in rendered

    p.write_text("model: m\ndataset: d.jsonl\ngrpo:\n  learnin_rate: 0.1\n")
    with pytest.raises(LsrConfigError) as ei:
        load_config(p)
    assert "grpo.learnin_rate: unknown field" in str(ei.value)
    assert "did you mean 'learning_rate'" in ei.value.render()

    p.write_text("model: m\ndataset: d.jsonl\ngrpo:\n  extra: {no_such_option: 1}\n")
    with pytest.raises(LsrConfigError, match="grpo.extra.no_such_option: not a field of TRL's GRPOConfig"):
        load_config(p)

    p.write_text("model: m\ndataset: d.jsonl\nmode: fuzzy\n")
    with pytest.raises(LsrConfigError, match="mode: Input should be 'lsrm', 'flat' or 'strict'"):
        load_config(p)

    p.write_text("dataset: d.jsonl\n")
    with pytest.raises(LsrConfigError, match=r"bad.yaml: model: Field required"):
        load_config(p)

    p.write_text("model: m\ndataset: d.jsonl\ngrpo:\n  num_generations: 3\n  per_device_train_batch_size: 8\n")
    with pytest.raises(LsrConfigError, match="divisible by num_generations"):
        load_config(p)

    p.write_text("model: m\ndataset: [unclosed\n")
    with pytest.raises(LsrConfigError) as ei:
        load_config(p)
    assert "YAML syntax error: line 3, column 1" in str(ei.value) and str(p) in str(ei.value)

    with pytest.raises(LsrConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")


def test_dataset_errors(tmp_path, tiny_model):
    from lsr_dsl.training.train import load_rows

    cfg_path = _write_config(tmp_path, tiny_model)
    (tmp_path / "data.jsonl").write_text('{"prompt": "p", "spec": "no_comma"}\n{"prompt": "p"}\n')
    with pytest.raises(LsrDataError, match=r"data.jsonl:2: missing column 'spec'"):
        load_rows(load_config(cfg_path))
    (tmp_path / "data.jsonl").write_text('{"prompt": "p", "spec": "no_such_constraint"}\n')
    with pytest.raises(LsrDataError, match="data.jsonl:1: the spec does not compile"):
        load_rows(load_config(cfg_path))


def test_overrides_and_precision(tmp_path, tiny_model):
    from lsr_dsl.training.train import pick_precision

    cfg = load_config(_write_config(tmp_path, tiny_model), {"grpo.max_steps": 7, "mode": "flat"})
    assert cfg.grpo.max_steps == 7 and cfg.mode == "flat"
    assert pick_precision("auto") == "fp32"  # no GPU here
    assert pick_precision("bf16") == "bf16"


def test_metrics_callback_resume_keeps_lines(tmp_path):
    class S:
        is_world_process_zero = True
        global_step = 0

    path = tmp_path / "metrics.jsonl"
    cb = MetricsJsonlCallback(path)
    state = S()
    cb.on_train_begin(None, state, None)
    for step in (1, 2, 3, 4):
        state.global_step = step
        cb.on_log(None, state, None, logs={"reward": 0.1 * step, "reward_std": 0.0, "lsr/reward/and": 0.5,
                                           "completions/mean_length": 5.0, "rewards/lsr/mean": 0.1})
    cb.on_log(None, state, None, logs={"train_runtime": 1.0})  # not a step row
    assert [r["step"] for r in read_metrics(path)] == [1, 2, 3, 4]
    # resume from checkpoint-3: the row for step 4 is dropped (it is logged again), 1-3 are kept
    state.global_step = 3
    cb2 = MetricsJsonlCallback(path, resume=True)
    cb2.on_train_begin(None, state, None)
    state.global_step = 4
    cb2.on_log(None, state, None, logs={"reward": 0.9})
    rows = read_metrics(path)
    assert [r["step"] for r in rows] == [1, 2, 3, 4] and rows[-1]["reward"] == 0.9
    rec = metrics_record({"reward": 1.0, "lsr/reward/then": 0.5, "lsr/pass/no_comma": 1.0,
                          "completions/mean_length": 3}, 7)
    assert rec == {"step": 7, "reward": 1.0, "completion_length": 3.0, "reward/then": 0.5, "pass/no_comma": 1.0}
    assert reward_start_end([{"reward": x} for x in (0.0, 0.0, 1.0, 1.0)], k=2)[:2] == (0.0, 1.0)


def _lsr(argv, capsys):
    """The real `lsr` entry point: (exit status, stdout, stderr)."""
    from lsr_dsl.cli import main

    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_config_file_read_errors(tmp_path, capsys):
    img = tmp_path / "img.lsr"
    img.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary")
    rc, _, err = _lsr(["train", str(img), "--dry-run"], capsys)
    assert rc == 2 and "Traceback" not in err
    assert err.startswith(f"error: {img}: not UTF-8 text (")
    with pytest.raises(LsrConfigError, match="is a directory"):
        load_config(tmp_path)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    with pytest.raises(LsrConfigError, match=r"empty.yaml: the config is empty"):
        load_config(empty)


def test_dataset_file_errors(tmp_path, tiny_model, capsys):
    from lsr_dsl.training.train import load_rows

    cfg_path = _write_config(tmp_path, tiny_model)
    data = tmp_path / "data.jsonl"
    data.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    rc, _, err = _lsr(["train", str(cfg_path), "--dry-run"], capsys)
    assert rc == 2 and "Traceback" not in err and f"{data}: not UTF-8 text (" in err
    data.unlink()
    data.mkdir()
    with pytest.raises(LsrConfigError, match="dataset.path: .*is a directory"):
        load_rows(load_config(cfg_path))
    data.rmdir()
    data.write_text("\n\n")
    with pytest.raises(LsrDataError, match="data.jsonl: the dataset is empty"):
        load_rows(load_config(cfg_path))


def test_dataset_reports_every_bad_row(tmp_path, tiny_model):
    from lsr_dsl.training.train import load_rows

    cfg_path = _write_config(tmp_path, tiny_model)
    data = tmp_path / "data.jsonl"
    good = json.dumps({"prompt": "p", "spec": "no_comma"})
    data.write_text("\n".join([
        good,
        "{broken",
        json.dumps({"prompt": "p"}),
        json.dumps([1, 2]),
        json.dumps({"prompt": "p", "spec": "no_coma"}),
        json.dumps({"prompt": 5, "spec": "no_comma"}),
        good,
    ]) + "\n")
    with pytest.raises(LsrDataError) as ei:
        load_rows(load_config(cfg_path))
    msg = str(ei.value)
    assert "5 bad rows" in msg
    assert f"{data}:2: invalid JSON" in msg
    assert f"{data}:3: missing column 'spec'" in msg
    assert f"{data}:4: each line must be a JSON object" in msg
    assert f"{data}:5: the spec does not compile: unknown constraint 'no_coma' (did you mean 'no_comma'?)" in msg
    assert f"{data}:6: column 'prompt' must be a string or a list of messages" in msg
    # many bad rows: the first 20 are listed, then a count
    data.write_text("{bad\n" * 30)
    with pytest.raises(LsrDataError) as ei:
        load_rows(load_config(cfg_path))
    msg = str(ei.value)
    assert "30 bad rows" in msg and f"{data}:20: invalid JSON" in msg and f"{data}:21:" not in msg
    assert "… and 10 more" in msg


def test_set_errors_name_the_argument(tmp_path, tiny_model, capsys):
    cfg = EXAMPLES / "tiny.yaml"
    rc, _, err = _lsr(["train", str(cfg), "--set", "grpo.beta=abc", "--dry-run"], capsys)
    assert rc == 2
    assert err.startswith("error: --set grpo.beta=abc: grpo.beta: Input should be a valid number"), err
    assert "tiny.yaml" not in err
    rc, _, err = _lsr(["train", str(cfg), "--set", "grpo.betta=1", "--dry-run"], capsys)
    assert rc == 2 and err.startswith("error: --set grpo.betta=1: grpo.betta: unknown field"), err
    assert "did you mean 'beta'?" in err and "tiny.yaml" not in err
    rc, _, err = _lsr(["train", str(cfg), "--max-steps", "0", "--dry-run"], capsys)
    assert rc == 2 and err.startswith("error: --max-steps 0: grpo.max_steps: Input should be greater than"), err
    rc, _, err = _lsr(["train", str(cfg), "--set", "grpo.beta=[", "--dry-run"], capsys)
    assert rc == 2 and err.startswith("error: --set grpo.beta=[: not a YAML value"), err
    rc, _, err = _lsr(["train", str(cfg), "--set", "grpo..beta=1", "--dry-run"], capsys)
    assert rc == 2 and "--set grpo..beta=1" in err and "Traceback" not in err
    # an error in the file itself still points into the file
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: m\ndataset: d.jsonl\ngrpo:\n  beta: abc\n")
    with pytest.raises(LsrConfigError) as ei:
        load_config(bad, {"grpo.max_steps": 5}, labels={"grpo.max_steps": "--max-steps 5"})
    assert f"{bad}:4:9" in ei.value.render()


def test_unknown_top_level_key_prefers_sections(tmp_path):
    p = tmp_path / "c.yaml"
    for text, want in (("modle: m\ndataset: d.jsonl\n", "model"),
                       ("modle:\n  name_or_path: m\ndataset: d.jsonl\n", "model"),
                       ("model: m\ndatset: d.jsonl\n", "dataset"),
                       ("model: m\ndataset: d.jsonl\nmod: flat\n", "mode"),
                       ("model: m\ndataset: d.jsonl\ngpro: {beta: 0}\n", "grpo"),
                       ("model: m\ndataset: d.jsonl\nsed: 1\n", "seed")):
        p.write_text(text)
        with pytest.raises(LsrConfigError) as ei:
            load_config(p)
        assert f"did you mean {want!r}?" in ei.value.render(), (text, ei.value.render())


def test_resume_past_max_steps_says_nothing_to_train(tmp_path, tiny_model, capsys):
    from lsr_dsl.training.train import run_train

    cfg = _write_config(tmp_path, tiny_model)
    ck = tmp_path / "out" / "checkpoint-40"
    ck.mkdir(parents=True)
    (ck / "trainer_state.json").write_text(json.dumps({"global_step": 40, "max_steps": 40}))
    (ck / "model.safetensors").write_bytes(b"")  # a complete checkpoint: weights and state
    summary = run_train(cfg, resume=True, overrides={"grpo.max_steps": 10})
    err = capsys.readouterr().err
    assert "already at step 40" in err and "max_steps 10" in err and "nothing to train" in err
    assert summary["steps"] == 40 and summary["nothing_to_train"] is True
    assert not (tmp_path / "out" / "summary.json").exists()  # nothing was run, nothing rewritten


def test_model_path_and_tiny_model_errors(tmp_path, tiny_model, capsys):
    from lsr_dsl.training.tiny_model import make_tiny_model

    cfg = _write_config(tmp_path, tiny_model)
    afile = tmp_path / "weights.bin"
    afile.write_bytes(b"\0")
    rc, _, err = _lsr(["train", str(cfg), "--model", str(afile), "--dry-run"], capsys)
    assert rc == 2 and "is a file, not a model directory" in err
    (tmp_path / "empty").mkdir()
    rc, _, err = _lsr(["train", str(cfg), "--model", str(tmp_path / "empty"), "--dry-run"], capsys)
    assert rc == 2 and "has no config.json" in err
    rc, _, err = _lsr(["make-tiny-model", str(afile)], capsys)
    assert rc == 2 and "exists and is not a directory" in err
    for args, msg in ((["--layers", "0"], "num_hidden_layers must be a positive integer"),
                      (["--hidden-size", "6"], "hidden_size must be a multiple of 8"),
                      (["--vocab-size", "10"], "vocab_size must be at least 262")):
        rc, _, err = _lsr(["make-tiny-model", str(tmp_path / "m"), *args], capsys)
        assert rc == 2 and msg in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()
