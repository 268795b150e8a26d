"""`lsr train` as real processes: two-process data parallel on CPU (accelerate, gloo), and a run
killed with SIGKILL after a checkpoint, then resumed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("trl")
pytest.importorskip("accelerate")

from lsr_dsl.training import _demo_data  # noqa: E402
from lsr_dsl.training.callbacks import read_metrics  # noqa: E402
from lsr_dsl.training.tiny_model import make_tiny_model  # noqa: E402
from lsr_dsl.training.train import checkpoint_complete, last_checkpoint  # noqa: E402

pytestmark = pytest.mark.slow

PER_DEVICE_BATCH = 8


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny") / "model"
    make_tiny_model(str(d))
    return d


def _config(tmp_path: Path, model: Path, *, max_steps: int, save_steps: int) -> Path:
    import yaml

    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _demo_data.ROWS))
    cfg = {
        "model": str(model),
        "dataset": {"path": "data.jsonl"},
        "seed": 0,
        "output_dir": str(tmp_path / "out"),
        "save_steps": save_steps,
        "save_total_limit": 3,
        "logging_steps": 1,
        "grpo": {"num_generations": 4, "per_device_train_batch_size": PER_DEVICE_BATCH, "max_completion_length": 8,
                 "learning_rate": 0.01, "beta": 0.0, "max_steps": max_steps, "gradient_checkpointing": False},
    }
    p = tmp_path / "train.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return p


def _env() -> dict:
    env = dict(os.environ)
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    env["OMP_NUM_THREADS"] = "1"
    return env


def _train_cmd(cfg: Path, *extra: str) -> list:
    return [sys.executable, "-m", "lsr_dsl.training", "train", str(cfg), *extra]


def test_two_processes_on_cpu_train_like_one(tmp_path, tiny_model):
    steps = 3
    one = tmp_path / "one"
    two = tmp_path / "two"
    one.mkdir()
    two.mkdir()
    r1 = subprocess.run(_train_cmd(_config(one, tiny_model, max_steps=steps, save_steps=steps)),
                        capture_output=True, text=True, env=_env(), timeout=600)
    assert r1.returncode == 0, r1.stderr[-3000:]
    # accelerate's own --cpu launcher starts one process unless MPI is installed; --multi_gpu starts
    # torchrun processes, and lsr train makes them one data-parallel run over gloo when there is no GPU
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
              "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
              "-m", "lsr_dsl.training", "train", str(_config(two, tiny_model, max_steps=steps, save_steps=steps))]
    r2 = subprocess.run(launch, capture_output=True, text=True, env=_env(), timeout=600)
    assert r2.returncode == 0, r2.stderr[-3000:]

    s1 = json.loads((one / "out" / "summary.json").read_text())
    s2 = json.loads((two / "out" / "summary.json").read_text())
    assert (s1["world_size"], s2["world_size"]) == (1, 2)
    assert s1["steps"] == s2["steps"] == steps
    # each process scores its own completions, once: twice the completions with two processes, not four times
    assert s1["reward_completions"] == steps * PER_DEVICE_BATCH
    assert s2["reward_completions"] == steps * PER_DEVICE_BATCH * 2
    assert s2["reward_errors"] == 0
    # the same kind of outputs: one metrics row per step (written once, by process 0), a full checkpoint
    for run in (one, two):
        rows = read_metrics(run / "out" / "metrics.jsonl")
        assert [r["step"] for r in rows] == list(range(1, steps + 1))
        assert all(0.0 <= r["reward"] <= 1.0 for r in rows)
        ckpt = run / "out" / f"checkpoint-{steps}"
        assert checkpoint_complete(ckpt)
        for f in ("optimizer.pt", "scheduler.pt", "trainer_state.json"):
            assert (ckpt / f).is_file(), (run, f)
    assert sorted(p.name for p in (two / "out" / f"checkpoint-{steps}").glob("rng_state*.pth")) == [
        "rng_state_0.pth", "rng_state_1.pth"]


def test_sigkill_after_a_checkpoint_then_resume(tmp_path, tiny_model):
    total, every = 40, 2
    cfg = _config(tmp_path, tiny_model, max_steps=total, save_steps=every)
    out = tmp_path / "out"
    proc = subprocess.Popen(_train_cmd(cfg), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
                            start_new_session=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            ckpt = last_checkpoint(out)
            if ckpt and json.loads((Path(ckpt) / "trainer_state.json").read_text())["global_step"] >= 4:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
        os.killpg(proc.pid, signal.SIGKILL)  # a real kill: no handler, no cleanup
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL

    ckpt = last_checkpoint(out)
    assert ckpt is not None
    done = json.loads((Path(ckpt) / "trainer_state.json").read_text())["global_step"]
    assert 4 <= done < total
    logged_before = [r["step"] for r in read_metrics(out / "metrics.jsonl")]
    assert logged_before[: done] == list(range(1, done + 1))

    r = subprocess.run(_train_cmd(cfg, "--resume"), capture_output=True, text=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == total
    assert summary["resumed_from"] == ckpt
    # the step counter continued from the checkpoint: this process trained only the steps that were left
    assert summary["reward_completions"] == (total - done) * PER_DEVICE_BATCH
    # no step logged twice, none lost
    rows = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == list(range(1, total + 1))
    # optimizer, scheduler and RNG state came back with the checkpoint
    state = json.loads((out / f"checkpoint-{total}" / "trainer_state.json").read_text())
    assert state["global_step"] == total
    lrs = [r["learning_rate"] for r in rows if r.get("learning_rate") is not None]
    assert lrs == sorted(lrs, reverse=True) and len(set(lrs)) > 1  # one linear schedule across the kill


def test_an_incomplete_checkpoint_is_skipped(tmp_path, capsys):
    out = tmp_path / "out"
    good = out / "checkpoint-4"
    good.mkdir(parents=True)
    (good / "trainer_state.json").write_text('{"global_step": 4}')
    (good / "model.safetensors").write_bytes(b"x")
    (out / "checkpoint-6").mkdir()  # killed while saving: weights written, state not yet
    (out / "checkpoint-6" / "model.safetensors").write_bytes(b"x")
    assert last_checkpoint(out) == str(good)
    assert "skipping checkpoint-6: incomplete" in capsys.readouterr().err


def test_two_processes_with_the_raif_recipe(tmp_path, tiny_model):
    """Superior-CoT and behaviour cloning in the two-process CPU run: decisions are taken on the
    rewards of both processes, and the counters are the same on every rank (written once)."""
    import yaml

    steps = 3
    cfg = _config(tmp_path, tiny_model, max_steps=steps, save_steps=steps)
    rows = [dict(r, expert=None if i == 3 else f"answer {i}") for i, r in enumerate(_demo_data.ROWS)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = yaml.safe_load(cfg.read_text())
    data.update(superior_cot={"comparison": "pairwise"}, behaviour_cloning={"coef": 1.0, "column": "expert"})
    cfg.write_text(yaml.safe_dump(data))
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
              "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
              "-m", "lsr_dsl.training", "train", str(cfg)]
    r = subprocess.run(launch, capture_output=True, text=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world_size"] == 2
    prompts_per_step = 2 * PER_DEVICE_BATCH // 4  # two processes, 4 generations per prompt
    assert summary["raif"]["prompts_kept"] + summary["raif"]["prompts_skipped"] == steps * prompts_per_step
    # reasoning and reasoning-free completions are both scored, once each, by the process that made them
    assert summary["reward_completions"] == 2 * steps * PER_DEVICE_BATCH * 2
    metrics = read_metrics(out / "metrics.jsonl")
    assert [m["step"] for m in metrics] == list(range(1, steps + 1))
    for m in metrics:
        assert m["raif/prompts_kept"] + m["raif/prompts_skipped"] == prompts_per_step
        assert m["raif/bc_nll"] > 0
    state = json.loads((out / f"checkpoint-{steps}" / "raif_state.json").read_text())
    assert state["totals"] == summary["raif"]
