"""RAIF's recipe in `lsr train`: the superior-CoT filter, behaviour cloning, the SFT cold start."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsr_dsl.language.errors import LsrConfigError
from lsr_dsl.rewards.shaping import COT_COMPARISONS, superior_cot_keep

NAN = float("nan")


# --------------------------------------------------------------------------- the filter (pure)
@pytest.mark.parametrize("comparison", COT_COMPARISONS)
def test_all_equal_keeps_everything(comparison):
    assert superior_cot_keep([0.5] * 4, [0.5] * 4, comparison) == (True,) * 4


@pytest.mark.parametrize("comparison", COT_COMPARISONS)
def test_every_reasoning_response_worse_drops_the_prompt(comparison):
    assert superior_cot_keep([0.1, 0.2, 0.0, 0.3], [0.4, 0.5, 0.6, 0.7], comparison) == (False,) * 4


def test_pairwise_ties_and_one_better():
    # ties are not "below": kept
    assert superior_cot_keep([0.2, 0.5], [0.3, 0.5], "pairwise") == (True, True)
    # one reasoning response beats its counterpart: the whole prompt stays
    assert superior_cot_keep([0.0, 0.0, 0.9], [0.5, 0.5, 0.5], "pairwise") == (True, True, True)
    # ... and each is compared with its own counterpart, not with the best
    assert superior_cot_keep([0.6, 0.1], [0.9, 0.2], "pairwise") == (False, False)
    assert superior_cot_keep([0.6, 0.3], [0.9, 0.2], "pairwise") == (True, True)


def test_mean_and_best_differ_from_pairwise():
    w, o = [1.0, 0.0, 0.0], [0.4, 0.4, 0.4]  # one better pair, mean lower, best higher
    assert superior_cot_keep(w, o, "pairwise") == (True,) * 3
    assert superior_cot_keep(w, o, "mean") == (False,) * 3
    assert superior_cot_keep(w, o, "best") == (True,) * 3
    w, o = [0.5, 0.5], [0.0, 0.9]  # mean equal (tie: kept), best lower
    assert superior_cot_keep(w, o, "mean") == (True, True)
    assert superior_cot_keep(w, o, "best") == (False, False)


def test_sample_drops_only_the_worse_responses():
    assert superior_cot_keep([0.1, 0.5, 0.9, 0.4], [0.2, 0.5, 0.3, 0.6], "sample") == (False, True, True, False)


def test_unscorable_rewards_are_left_out():
    assert superior_cot_keep([NAN, 0.1], [0.9, 0.9], "pairwise") == (True, True)  # the NaN pair is not "below"
    assert superior_cot_keep([NAN, 0.1], [0.9, 0.9], "sample") == (True, False)
    assert superior_cot_keep([NAN, NAN], [0.9, 0.9], "mean") == (True, True)  # nothing to compare: kept
    assert superior_cot_keep([0.1, 0.2], [NAN, 0.9], "mean") == (False, False)
    assert superior_cot_keep([None, 0.1], [0.0, None], "best") == (True, True)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="unknown superior-CoT comparison 'avg'"):
        superior_cot_keep([1.0], [0.0], "avg")
    with pytest.raises(ValueError, match="as many reasoning-free"):
        superior_cot_keep([1.0, 0.0], [0.0], "pairwise")


scores = st.floats(min_value=-2, max_value=2, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 8).flatmap(lambda n: st.tuples(st.lists(scores, min_size=n, max_size=n),
                                                     st.lists(scores, min_size=n, max_size=n))),
       st.sampled_from(COT_COMPARISONS))
def test_filter_invariants(table, comparison):
    w, o = table
    keep = superior_cot_keep(w, o, comparison)
    assert len(keep) == len(w)
    if comparison != "sample":
        assert len(set(keep)) == 1  # a prompt-level decision
    # raising every reasoning reward never drops more
    better = superior_cot_keep([x + 1 for x in w], o, comparison)
    assert all(b or not k for k, b in zip(keep, better))
    # swapping the roles: a prompt can't be strictly worse both ways
    if comparison in ("mean", "best"):
        assert keep[0] or superior_cot_keep(o, w, comparison)[0]
    # reasoning never below the reasoning-free responses: always kept
    assert all(superior_cot_keep([max(w + o)] * len(w), o, comparison))


# --------------------------------------------------------------------------- the model parts
pytest.importorskip("trl")
torch = pytest.importorskip("torch")

from lsr_dsl.training import _demo_data  # noqa: E402
from lsr_dsl.training.callbacks import read_metrics  # noqa: E402
from lsr_dsl.training.cli import add_train_parser  # noqa: E402
from lsr_dsl.training.config import load_config  # noqa: E402
from lsr_dsl.training.tiny_model import make_tiny_model  # noqa: E402

EXPERTS = ["the sea is calm", "apple pear", "i worked and rested", None, "paris", "i love warm rice soup"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny") / "model"
    make_tiny_model(str(d))
    return d


def _cli(argv):
    parser = argparse.ArgumentParser(prog="lsr")
    add_train_parser(parser.add_subparsers(dest="cmd", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def _config(tmp_path: Path, model: Path, *, max_steps: int = 3, **extra) -> Path:
    import yaml

    rows = [dict(r, expert=e) for r, e in zip(_demo_data.ROWS, EXPERTS)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = {"model": str(model), "dataset": {"path": "data.jsonl"}, "seed": 0, "output_dir": str(tmp_path / "out"),
           "save_steps": 3, "logging_steps": 1, "report_to": "none",
           "grpo": {"num_generations": 4, "per_device_train_batch_size": 8, "max_completion_length": 8,
                    "learning_rate": 0.01, "beta": 0.0, "max_steps": max_steps, "gradient_checkpointing": False},
           **extra}
    p = tmp_path / "train.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return p


def test_expert_nll_matches_a_hand_computed_nll_and_reaches_the_weights(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from lsr_dsl.training.raif import expert_nll

    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    prompt = tok("write one line", add_special_tokens=False)["input_ids"]
    answer = tok("the sea is calm", add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    other_prompt = tok("hi", add_special_tokens=False)["input_ids"]
    other_answer = tok("yes", add_special_tokens=False)["input_ids"]
    seqs = [(prompt, answer), (other_prompt, other_answer)]
    width = max(len(p) + len(a) for p, a in seqs)
    ids = torch.full((2, width), tok.pad_token_id)
    attn = torch.zeros((2, width), dtype=torch.long)
    mask = torch.zeros((2, width), dtype=torch.long)
    for i, (p, a) in enumerate(seqs):
        ids[i, :len(p) + len(a)] = torch.tensor(p + a)
        attn[i, :len(p) + len(a)] = 1
        mask[i, len(p):len(p) + len(a)] = 1

    # by hand: one forward per answer token on the unpadded prefix, log-softmax, the token's entry
    terms = []
    with torch.no_grad():
        for p, a in seqs:
            for k in range(len(a)):
                prefix = torch.tensor([p + a[:k]])
                logits = model(input_ids=prefix).logits[0, -1].double()
                terms.append(-(logits - torch.logsumexp(logits, 0))[a[k]].item())
    by_hand = sum(terms) / len(terms)  # the mean over all expert tokens of the batch

    nll = expert_nll(model, ids, attn, mask)
    assert nll.item() == pytest.approx(by_hand, rel=1e-5)
    assert nll.item() > 0
    model.zero_grad()
    nll.backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
    assert grads["model.embed_tokens.weight"].abs().sum() > 0
    assert grads["model.layers.0.self_attn.q_proj.weight"].abs().sum() > 0
    assert grads["model.layers.1.mlp.down_proj.weight"].abs().sum() > 0


def test_superior_cot_masks_the_skipped_groups(tmp_path, tiny_model):
    """The trainer's hook turns the filter's decisions into zero advantages and loss masks."""
    from datasets import Dataset
    from trl import GRPOConfig

    from lsr_dsl.training.raif import RaifGRPOTrainer, RaifSettings

    args = GRPOConfig(output_dir=str(tmp_path / "o"), num_generations=4, per_device_train_batch_size=8,
                      max_completion_length=4, report_to="none", use_cpu=True, dataloader_pin_memory=False)
    trainer = RaifGRPOTrainer(model=str(tiny_model), reward_funcs=[lambda completions, **k: [0.0] * len(completions)],
                              args=args, train_dataset=Dataset.from_list([{"prompt": "a"}] * 8),
                              raif=RaifSettings(superior_cot=True, comparison="pairwise"))
    output = {"advantages": torch.ones(8), "completion_mask": torch.ones(8, 3, dtype=torch.long)}
    with_r = torch.tensor([0.1, 0.1, 0.1, 0.1, 0.9, 0.0, 0.0, 0.0])
    without = torch.tensor([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    trainer._apply_superior_cot(output, with_r, without, n_local=8)
    assert output["advantages"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert output["completion_mask"].sum(dim=1).tolist() == [0, 0, 0, 0, 3, 3, 3, 3]
    assert trainer.raif_totals["prompts_kept"] == 1 and trainer.raif_totals["prompts_skipped"] == 1
    m = trainer._metrics["train"]
    assert m["raif/prompts_kept"] == [1.0] and m["raif/prompts_skipped"] == [1.0]
    assert m["raif/reward_with_reasoning"][0] == pytest.approx(with_r.mean().item())
    assert m["raif/reasoning_gap"][0] == pytest.approx(with_r.mean().item() - 0.5)

    # the reasoning-free prompts: the empty think block's ids after the prompt as TRL renders it
    tok = trainer.processing_class
    chat = [{"role": "user", "content": "Name two fruits."}]
    think_ids = tok("<think>\n\n</think>\n\n", add_special_tokens=False)["input_ids"]
    for prompt in (chat, "Name two fruits."):
        plain_ids = trainer._tokenize_prompts([prompt])[0][0]
        trainer._raif_prefill = think_ids
        try:
            prefilled = trainer._tokenize_prompts([prompt])[0][0]
        finally:
            trainer._raif_prefill = None
        assert list(prefilled) == list(plain_ids) + think_ids
    assert tok.decode(trainer._tokenize_prompts([chat])[0][0]).endswith("<|assistant|>\n")

    # behaviour cloning rows: the rendered prompt, then the expert tokens and eos (the only loss tokens);
    # one row per distinct prompt, none for a row without an expert response
    trainer.raif = RaifSettings(bc_coef=1.0, bc_column="expert")
    rows = [{"prompt": chat, "expert": "apple pear"}] * 2 + [{"prompt": "hi", "expert": None}]
    batch = trainer._expert_batch(rows)
    assert batch["bc_has"].tolist() == [1, 0, 0]
    ids, mask = batch["bc_input_ids"][0], batch["bc_loss_mask"][0].bool()
    expected = tok("apple pear", add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    assert ids[mask].tolist() == expected
    n_prompt = int(mask.nonzero()[0])
    assert ids[:n_prompt].tolist() == list(trainer._tokenize_prompts([chat])[0][0])
    assert trainer.raif_totals["bc_rows"] == 1


@pytest.mark.slow
def test_both_switched_on_train_log_and_resume_the_counters(tmp_path, tiny_model):
    cfg = _config(tmp_path, tiny_model, superior_cot=True,
                  behaviour_cloning={"coef": 0.5, "column": "expert"})
    out = tmp_path / "out"
    assert _cli(["train", str(cfg)]) == 0
    rows = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2, 3]
    for r in rows:
        assert r["raif/prompts_kept"] + r["raif/prompts_skipped"] == 2  # 8 completions / 4 per prompt
        assert r["raif/reasoning_gap"] == pytest.approx(
            r["raif/reward_with_reasoning"] - r["raif/reward_without_reasoning"], abs=1e-6)
        assert r["raif/gen_time_with_reasoning_s"] > 0 and r["raif/gen_time_without_reasoning_s"] > 0
        assert r["raif/bc_nll"] > 0 and r["raif/bc_loss"] == pytest.approx(0.5 * r["raif/bc_nll"])
        # the logged loss is the GRPO loss plus the BC term
        assert r["loss"] == pytest.approx(r["raif/grpo_loss"] + r["raif/bc_loss"], rel=1e-4, abs=1e-5)
        # TRL's own metrics describe the reasoning responses only
        assert r["reward"] == pytest.approx(r["raif/reward_with_reasoning"], abs=1e-6)
    totals = [(r["raif/prompts_kept_total"], r["raif/prompts_skipped_total"]) for r in rows]
    assert totals[-1][0] + totals[-1][1] == 6
    assert [sum(t) for t in totals] == [2, 4, 6]
    state = json.loads((out / "checkpoint-3" / "raif_state.json").read_text())
    assert state["step"] == 3
    assert (state["totals"]["prompts_kept"], state["totals"]["prompts_skipped"]) == totals[-1]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["raif"]["prompts_kept"] + summary["raif"]["prompts_skipped"] == 6
    assert (out / "raif_curve.png").stat().st_size > 1000

    # a resumed run continues the counters from the checkpoint
    assert _cli(["train", str(cfg), "--resume", "--max-steps", "5"]) == 0
    rows = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["raif/prompts_kept_total"] + r["raif/prompts_skipped_total"] for r in rows] == [2, 4, 6, 8, 10]
    assert rows[3]["raif/prompts_kept_total"] == totals[-1][0] + rows[3]["raif/prompts_kept"]
    assert rows[3]["raif/bc_rows_total"] > rows[2]["raif/bc_rows_total"]
    state5 = json.loads((out / "checkpoint-5" / "raif_state.json").read_text())
    assert state5["totals"]["prompts_kept"] + state5["totals"]["prompts_skipped"] == 10


@pytest.mark.slow
def test_sft_cold_start_then_grpo_from_its_checkpoint(tmp_path, tiny_model):
    cfg = _config(tmp_path, tiny_model, max_steps=2, sft={"max_steps": 4, "learning_rate": 0.01, "gradient_checkpointing": False,
                                                          "output_dir": str(tmp_path / "sft")})
    chat = ["--set", "dataset.system_prompt=Be brief."]  # conversational prompts, through the chat template
    assert _cli(["train", str(cfg), "--stage", "sft", *chat]) == 0
    summary = json.loads((tmp_path / "sft" / "summary.json").read_text())
    assert summary["steps"] == 4 and summary["examples"] == 5  # the row without an expert is left out
    assert summary["loss_last"] < summary["loss_first"]
    from transformers import AutoModelForCausalLM

    before = AutoModelForCausalLM.from_pretrained(tiny_model).model.embed_tokens.weight
    after = AutoModelForCausalLM.from_pretrained(tmp_path / "sft").model.embed_tokens.weight
    assert not torch.equal(before, after)
    # the GRPO stage starts from the SFT model
    assert _cli(["train", str(cfg), "--model", str(tmp_path / "sft"), "--superior-cot", *chat,
                 "--set", "behaviour_cloning.coef=0.5"]) == 0
    out = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert out["steps"] == 2 and out["model"] == str(tmp_path / "sft")
    assert out["raif"]["prompts_kept"] + out["raif"]["prompts_skipped"] == 4
    assert out["raif"]["bc_rows"] >= 2
    assert all(r["raif/bc_nll"] > 0 for r in read_metrics(tmp_path / "out" / "metrics.jsonl"))


def test_config_keys_and_errors(tmp_path, tiny_model):
    cfg = load_config(_config(tmp_path, tiny_model, superior_cot=True))
    assert cfg.superior_cot_on and cfg.superior_cot.comparison == "pairwise"
    assert cfg.superior_cot.empty_think == "<think>\n\n</think>\n\n"
    assert not load_config(_config(tmp_path, tiny_model, superior_cot=False)).superior_cot_on
    with pytest.raises(LsrConfigError, match="comparison") as e:
        load_config(_config(tmp_path, tiny_model, superior_cot={"comparison": "avg"}))
    with pytest.raises(LsrConfigError, match="unknown field") as e:
        load_config(_config(tmp_path, tiny_model, superior_cot={"comparision": "mean"}))
    assert "did you mean 'comparison'" in e.value.render()
    with pytest.raises(LsrConfigError, match="coef"):
        load_config(_config(tmp_path, tiny_model, behaviour_cloning={"coef": 0}))
    # dry run shows the switches
    from lsr_dsl.training.train import run_train

    dry = run_train(_config(tmp_path, tiny_model, superior_cot={"comparison": "mean"},
                            behaviour_cloning={"coef": 1.0}), dry_run=True)
    assert dry["superior_cot"]["comparison"] == "mean" and dry["behaviour_cloning"]["column"] == "expert"
    # the example config validates, with an expert response on every row
    from lsr_dsl.training.sft import run_sft

    example = Path(__file__).resolve().parent.parent / "examples" / "train" / "raif.yaml"
    dry = run_train(example, dry_run=True)
    assert dry["superior_cot"]["enabled"] and dry["behaviour_cloning"]["coef"] > 0
    assert run_sft(example, dry_run=True)["examples"] == dry["num_rows"] == 6


def test_expert_column_errors(tmp_path, tiny_model, capsys):
    from lsr_dsl.cli.main import main

    # no row has the column: a config error with a hint
    cfg = _config(tmp_path, tiny_model, behaviour_cloning={"coef": 1.0, "column": "expret"})
    assert main(["train", str(cfg), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "behaviour_cloning.column" in err and "'expret'" in err and "did you mean 'expert'" in err
    assert "Traceback" not in err
    # a row with a non-string expert response: named by file and line
    rows = [dict(r, expert=e) for r, e in zip(_demo_data.ROWS, EXPERTS)]
    rows[2]["expert"] = ["not", "text"]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    import yaml

    data = yaml.safe_load(cfg.read_text())
    data["behaviour_cloning"]["column"] = "expert"
    cfg.write_text(yaml.safe_dump(data))
    assert main(["train", str(cfg), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "data.jsonl:3:" in err and "'expert'" in err and "must be a string or null" in err
